"""Texts of domain policy: the admins' page /admin/domains and the public list of moderated servers."""

TEXTS: dict[str, tuple[str, str]] = {
    "admin.nav.domains": ("Server-Regeln", "Domain policy"),
    "domains.severity.noop": ("Nur Einschränkungen", "Flags only"),
    "domains.severity.limit": ("Begrenzt", "Limited"),
    "domains.severity.suspend": ("Gesperrt", "Suspended"),
    "domains.flag.reject_media": ("Keine Bilder", "Media rejected"),
    "domains.flag.reject_reports": ("Keine Meldungen", "Reports rejected"),
    "admin.domains.title": ("Regeln für andere Server", "Domain policy"),
    "admin.domains.intro": (
        "Hier legst du fest, wie diese Instanz mit anderen Servern umgeht. Eine Regel gilt auch für alle "
        "Subdomains. Änderungen gelten sofort, ohne Neustart, und stehen im Protokoll.",
        "How this instance deals with other servers. A policy covers all subdomains too. Changes apply at once, "
        "without a restart, and are written to the audit log."),
    "admin.domains.domain": ("Domain", "Domain"),
    "admin.domains.domain_hint": ("Zum Beispiel spam.example, ohne https:// und ohne Pfad.",
                                  "For example spam.example, without https:// or a path."),
    "admin.domains.severity": ("Stufe", "Severity"),
    "admin.domains.flags": ("Außerdem", "Also"),
    "admin.domains.comments": ("Begründung", "Reason"),
    "admin.domains.actions": ("Aktionen", "Actions"),
    "admin.domains.shown_as": ("öffentlich als {name}", "shown publicly as {name}"),
    "admin.domains.from_config": ("aus der Konfiguration (federation.blocked_domains)",
                                  "from the configuration (federation.blocked_domains)"),
    "admin.domains.private": ("intern", "internal"),
    "admin.domains.edit": ("Ändern", "Edit"),
    "admin.domains.remove": ("Aufheben", "Remove"),
    "admin.domains.none": ("Noch keine Regeln.", "No policies yet."),
    "admin.domains.form": ("Regel hinzufügen oder ändern", "Add or change a policy"),
    "admin.domains.explain.noop": ("nur die Häkchen unten", "only the boxes below"),
    "admin.domains.explain.limit": ("nicht auf dem Marktplatz und in den Stadtteilen; Folgen bleiben",
                                    "not on the marketplace or district pages; follows stay"),
    "admin.domains.explain.suspend": ("alles abweisen und Gespeichertes löschen",
                                      "refuse everything and delete what is stored"),
    "admin.domains.obfuscate": ("Namen öffentlich nur teilweise zeigen", "Show the name partly hidden in public"),
    "admin.domains.public_comment": ("Öffentliche Begründung", "Public reason"),
    "admin.domains.public_hint": ("Steht auf der öffentlichen Liste der moderierten Server.",
                                  "Shown on the public list of moderated servers."),
    "admin.domains.private_comment": ("Interne Notiz", "Internal note"),
    "admin.domains.save": ("Speichern", "Save"),
    "admin.domains.saved": ("Regel für {domain} gespeichert.", "Policy for {domain} saved."),
    "admin.domains.removed": ("Regel für {domain} aufgehoben.", "Policy for {domain} removed."),
    "admin.domains.import": ("Importieren und exportieren", "Import and export"),
    "admin.domains.import_intro": (
        "Sperrlisten im CSV-Format von Mastodon (#domain,#severity,#reject_media,#reject_reports,#public_comment,"
        "#obfuscate). Alles oder nichts: Ist eine Zeile fehlerhaft, wird nichts übernommen.",
        "Block lists in Mastodon's CSV format (#domain,#severity,#reject_media,#reject_reports,#public_comment,"
        "#obfuscate). All or nothing: if any row is bad, nothing is imported."),
    "admin.domains.file": ("CSV-Datei", "CSV file"),
    "admin.domains.import_button": ("Importieren", "Import"),
    "admin.domains.import_failed": ("Nichts importiert: {n} Fehler.", "Nothing imported: {n} problems."),
    "admin.domains.import_failed.one": ("Nichts importiert: ein Fehler.", "Nothing imported: one problem."),
    "admin.domains.bad_row": ("Zeile {line}: {reason}", "Line {line}: {reason}"),
    "admin.domains.imported": ("{read} Zeilen gelesen, {changed} Regeln neu oder geändert.",
                               "{read} rows read, {changed} policies added or changed."),
    "admin.domains.export": ("Als CSV exportieren (Mastodon-Format)", "Export as CSV (Mastodon's format)"),
    "form.domain": ("Das ist keine gültige Domain.", "This is not a valid domain."),
    "form.csv_encoding": ("Die Datei ist kein UTF-8-Text.", "The file is not UTF-8 text."),
    "form.csv_too_large": ("Die Datei ist zu groß.", "The file is too large."),
    "form.csv_too_many": ("Die Datei hat zu viele Zeilen (höchstens {max}).", "The file has too many rows (at most {max})."),
    "form.domain_in_config": ("{domain} steht in der Konfiguration (federation.blocked_domains) und ist immer "
                              "gesperrt.", "{domain} is in the configuration (federation.blocked_domains) and "
                              "always suspended."),
    "error.domain_in_config": ("{domain} steht in der Konfiguration (federation.blocked_domains) und ist immer "
                               "gesperrt.", "{domain} is in the configuration (federation.blocked_domains) and "
                               "always suspended."),
    "error.no_domain_policy": ("Für {domain} gibt es keine Regel.", "There is no policy for {domain}."),
    "about.moderated_servers": ("Moderierte Server: mit welchen Servern wir nicht oder nur eingeschränkt verbunden sind",
                                "Moderated servers: which servers we limit or do not federate with"),
    "moderated.title": ("Moderierte Server", "Moderated servers"),
    "moderated.intro": (
        "{name} ist mit vielen Servern im Fediverse verbunden. Mit diesen Servern schränken wir den Austausch ein "
        "oder haben ihn beendet, meist wegen Spam, Belästigung oder rechtswidriger Inhalte.",
        "{name} is connected with many servers in the fediverse. With these servers we limit or have ended the "
        "exchange, mostly because of spam, harassment or illegal content."),
    "moderated.explain.limit": ("Beiträge von dort erscheinen nicht auf dem Marktplatz und in den Stadtteilen; "
                                "wer den Konten folgt, sieht sie weiter.",
                                "Posts from there are not shown on the marketplace or district pages; whoever "
                                "follows those accounts still sees them."),
    "moderated.explain.suspend": ("Kein Austausch: nichts von dort wird angenommen oder gespeichert, nichts dorthin "
                                  "geschickt.", "No exchange: nothing from there is accepted or stored, nothing "
                                  "is sent there."),
    "moderated.server": ("Server", "Server"),
    "moderated.severity": ("Einschränkung", "Restriction"),
    "moderated.reason": ("Grund", "Reason"),
    "moderated.no_reason": ("Kein Grund angegeben", "No reason given"),
    "moderated.none": ("Zurzeit schränken wir keinen Server ein.", "We currently limit no server."),
    "moderated.back": ("Zurück zu „Über diese Instanz“", "Back to the about page"),
}
