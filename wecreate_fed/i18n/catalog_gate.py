"""Texts of the private instance's gate and the personal secret feed addresses (issue 12, "gate")."""

TEXTS: dict[str, tuple[str, ...]] = {
    # the login page of a private instance: who runs it
    "gate.login.heading": ("{name}: ein internes Netzwerk", "{name}: an internal network"),
    "gate.login.members_only": (
        "Hier ist alles nur für Mitglieder sichtbar. Melde dich an, um weiterzulesen.",
        "Everything here is visible to members only. Log in to read on."),
    "gate.login.accounts.invite": (
        "Ein Konto bekommst du mit einer Einladung oder von einer Administratorin oder einem Administrator.",
        "You get an account with an invitation or from an administrator."),
    "gate.login.accounts.closed": (
        "Konten legen hier nur die Administratorinnen und Administratoren an.",
        "Only the administrators create accounts here."),
    "gate.login.about": ("Wer betreibt {name}?", "Who runs {name}?"),
    # /settings/feeds
    "gate.feeds.settings_link": ("Geheime Feed-Adressen (Feedreader, Kalender)",
                                 "Secret feed addresses (feed reader, calendar)"),
    "gate.feeds.title": ("Geheime Feed-Adressen", "Secret feed addresses"),
    "gate.feeds.intro": (
        "Mit deiner geheimen Adresse liest dein Feedreader die Ideen und deine Kalender-App die Termine, "
        "ohne dass sie sich anmelden. Gib sie niemandem weiter: wer sie kennt, liest mit.",
        "With your secret address your feed reader reads the ideas and your calendar app the events "
        "without logging in. Do not share it: whoever knows it reads along."),
    "gate.feeds.private": (
        "Diese Instanz ist privat: Es gibt keine öffentlichen Feeds, nur deine geheime Adresse.",
        "This instance is private: there are no public feeds, only your secret address."),
    "gate.feeds.public": (
        "Die öffentlichen Feeds dieser Instanz gibt es weiterhin auch ohne Adresse.",
        "This instance's public feeds are still there without an address too."),
    "gate.feeds.new_heading": ("Deine neue geheime Adresse", "Your new secret address"),
    "gate.feeds.shown_once": (
        "Kopiere sie jetzt: Sie wird nur dieses eine Mal gezeigt. Gespeichert wird nur ein Fingerabdruck davon.",
        "Copy it now: it is shown this one time only. Only a fingerprint of it is stored."),
    "gate.feeds.marketplace": ("Ideen (Atom-Feed)", "Ideas (Atom feed)"),
    "gate.feeds.calendar": ("Termine (iCal)", "Events (iCal)"),
    "gate.feeds.district_calendar": ("Termine in deinem {unit} (iCal)", "Events in your {unit} (iCal)"),
    "gate.feeds.state_heading": ("Deine Adresse", "Your address"),
    "gate.feeds.made": ("Erstellt am {date}.", "Made on {date}."),
    "gate.feeds.used": ("Zuletzt abgerufen am {date}.", "Last fetched on {date}."),
    "gate.feeds.never_used": ("Noch nie abgerufen.", "Never fetched yet."),
    "gate.feeds.none": ("Du hast noch keine geheime Adresse.", "You have no secret address yet."),
    "gate.feeds.create": ("Geheime Adresse erstellen", "Make a secret address"),
    "gate.feeds.renew": ("Neue Adresse erstellen", "Make a new address"),
    "gate.feeds.renew_hint": (
        "Die bisherige Adresse funktioniert danach nicht mehr; trage die neue in deinem Feedreader und Kalender ein.",
        "The old address stops working then; enter the new one in your feed reader and calendar."),
    "gate.feeds.revoke": ("Adresse löschen", "Delete the address"),
    "gate.feeds.revoked": ("Deine geheime Adresse ist gelöscht; sie funktioniert nicht mehr.",
                           "Your secret address is deleted; it no longer works."),
    "gate.feeds.none_to_revoke": ("Du hattest keine geheime Adresse.", "You had no secret address."),
}
