"""Texts of the admin area's frame: its navigation, the guard's refusals, the audit log.
The pages of each concern (reports, actions, domains, dashboard, rules and legal pages) have
their own catalog module."""

TEXTS: dict[str, tuple[str, str]] = {
    "nav.admin": ("Moderation", "Moderation"),
    "admin.title": ("Moderation und Verwaltung", "Moderation and administration"),
    "admin.nav.label": ("Bereiche der Moderation", "Moderation sections"),
    "admin.nav.audit": ("Protokoll", "Audit log"),
    "error.moderators_area": ("Diese Seite ist nur für die Moderation dieser Instanz.",
                              "This page is for the moderators of this instance only."),
    "error.admins_area": ("Diese Seite ist nur für die Administration dieser Instanz.",
                          "This page is for the administrators of this instance only."),
    "error.no_such_account": ("Dieses Konto gibt es hier nicht.", "There is no such account here."),
    "error.last_admin": ("Das ist die letzte Person mit Admin-Rechten. Gib erst jemand anderem diese Rolle.",
                         "This is the last admin. Make someone else admin first."),
    "admin.audit.title": ("Protokoll", "Audit log"),
    "admin.audit.intro": ("Jede Handlung der Moderation und Administration, mit Zeit, Person und Änderung. "
                          "Einträge lassen sich nicht ändern oder löschen.",
                          "Every moderator and admin action, with time, person and change. Entries cannot be "
                          "changed or deleted."),
    "admin.audit.filter": ("Art der Handlung beginnt mit", "Action starts with"),
    "admin.audit.apply": ("Filtern", "Filter"),
    "admin.audit.when": ("Wann", "When"),
    "admin.audit.who": ("Wer", "Who"),
    "admin.audit.what": ("Was", "What"),
    "admin.audit.target": ("Betroffen", "Target"),
    "admin.audit.change": ("Vorher → nachher", "Before → after"),
    "admin.audit.none": ("Noch keine Einträge.", "No entries yet."),
    "admin.audit.older": ("Ältere Einträge", "Older entries"),
}
