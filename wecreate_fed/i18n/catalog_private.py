"""Texts of private instance mode, federation half (issue 12, part "private"): the allowlist pages.
(German, English); "key.one" is the singular of a text taking n."""

TEXTS: dict[str, tuple[str, ...]] = {
    "private.nav.allowlist": ("Erlaubte Server", "Allowed servers"),
    "private.allowlist.title": ("Erlaubte Server (private Instanz)", "Allowed servers (private instance)"),
    "private.allowlist.intro_private": (
        "Diese Instanz ist privat: Sie föderiert nur mit diesen Servern. Alle anderen bekommen keine Antwort "
        "(403), und wir liefern ihnen nichts und holen nichts von ihnen. Eine Änderung gilt sofort.",
        "This instance is private: it federates with these servers only. Every other server is refused (403), "
        "and we neither deliver to nor fetch from it. A change applies at once."),
    "private.allowlist.intro_public": (
        "Diese Instanz ist öffentlich (instance.mode = \"public\"): Die Liste gilt erst, wenn sie privat ist. "
        "Du kannst sie schon vorbereiten.",
        "This instance is public (instance.mode = \"public\"): the list applies once it is private. "
        "You can prepare it now."),
    "private.allowlist.domain": ("Domain oder Server", "Domain or server"),
    "private.allowlist.added_by": ("Hinzugefügt von", "Added by"),
    "private.allowlist.comment": ("Notiz", "Note"),
    "private.allowlist.actions": ("Aktionen", "Actions"),
    "private.allowlist.from_config": ("aus der Konfiguration",
                                      "from the configuration"),
    "private.allowlist.remove": ("Entfernen", "Remove"),
    "private.allowlist.none": ("Noch kein Server erlaubt: Diese Instanz föderiert mit niemandem.",
                               "No server allowed yet: this instance federates with no one."),
    "private.allowlist.remove_hint": (
        "Entfernst du einen Server, werden die Zustellungen, die noch auf ihn warten, verworfen.",
        "Removing a server drops the deliveries still waiting for it."),
    "private.allowlist.form": ("Server erlauben", "Allow a server"),
    "private.allowlist.domain_hint": (
        "example.org erlaubt auch alle Subdomains; example.org:8443 nur genau diesen einen Server.",
        "example.org also allows all its subdomains; example.org:8443 only that one server."),
    "private.allowlist.comment_hint": ("Wer ist das, und warum erlaubt? Nur Admins sehen die Notiz.",
                                       "Who is it, and why allowed? Only admins see the note."),
    "private.allowlist.add": ("Erlauben", "Allow"),
    "private.allowlist.added": ("{domain} ist jetzt erlaubt.", "{domain} is allowed now."),
    "private.allowlist.already": ("{domain} war schon erlaubt; die Notiz ist gespeichert.",
                                  "{domain} was allowed already; the note is saved."),
    "private.allowlist.removed": ("{domain} ist nicht mehr erlaubt.", "{domain} is no longer allowed."),
    "private.allowlist.removed_dropped": (
        "{domain} ist nicht mehr erlaubt; {n} wartende Zustellungen wurden verworfen.",
        "{domain} is no longer allowed; {n} waiting deliveries were dropped."),
    "private.allowlist.removed_dropped.one": (
        "{domain} ist nicht mehr erlaubt; {n} wartende Zustellung wurde verworfen.",
        "{domain} is no longer allowed; {n} waiting delivery was dropped."),
    "private.allowlist.error.allow_domain": (
        "„{domain}“ ist weder eine Domain noch ein Server (host:port). Schreib sie ohne https:// und ohne Pfad, "
        "z. B. example.org.",
        "'{domain}' is neither a domain nor a server (host:port). Write it without https:// and without a path, "
        "e.g. example.org."),
    "private.allowlist.error.allow_in_config": (
        "{domain} steht in der Konfiguration (federation.allowed_domains) und lässt sich nur dort entfernen.",
        "{domain} is in the configuration (federation.allowed_domains) and can only be removed there."),
    "private.allowlist.error.not_allowed": ("{domain} steht nicht auf der Liste.", "{domain} is not on the list."),
}
