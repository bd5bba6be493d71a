"""Texts of the data export (/settings/export, the archive's README.txt) and of deleting an
account (/settings/delete): key -> (German, English)."""

TEXTS = {
    # the settings page's list of sub-pages
    "settings.more": ("Weitere Einstellungen", "More settings"),
    "settings.delete_summary": ("Deine Ideen, Termine, Kommentare und Beiträge werden gelöscht, und andere Server "
                                "erfahren davon. Vorher kannst du deine Daten herunterladen.",
                                "Your ideas, events, comments and posts are deleted, and other servers are told. "
                                "You can download your data first."),
    "settings.link_export": ("Meine Daten herunterladen (ZIP)", "Download my data (ZIP)"),
    "settings.link_delete": ("Konto löschen …", "Delete the account …"),
    # /settings/export
    "export.title": ("Meine Daten herunterladen", "Download my data"),
    "export.lead": ("Du bekommst alles, was du hier eingebracht hast, in einer ZIP-Datei: zum Nachlesen, zum "
                    "Aufheben oder zum Umziehen auf einen anderen Server.",
                    "You get everything you put in here in one ZIP file: to read, to keep, or to move to "
                    "another server."),
    "export.contents": ("Darin ist:", "It contains:"),
    "export.item_actor": ("dein Profil (actor.json) und dein Profilbild",
                          "your profile (actor.json) and your profile picture"),
    "export.item_outbox": ("alles, was du veröffentlicht hast, als ActivityStreams-Sammlung (outbox.json) – im "
                           "Aufbau des Mastodon-Archivs, den auch andere Server einlesen",
                           "everything you published as an ActivityStreams collection (outbox.json), shaped like "
                           "Mastodon's archive, which other servers read too"),
    "export.item_civic": ("deine Ideen, Termine, Kommentare, Unterstützungen, Boxen und Anträge, jeweils als JSON "
                          "und als Tabelle (CSV)",
                          "your ideas, events, comments, supports, boxes and motions, each as JSON and as a "
                          "table (CSV)"),
    "export.item_follows": ("wem du folgst (following_accounts.csv, im Importformat von Mastodon) und wer dir folgt",
                            "whom you follow (following_accounts.csv, in Mastodon's import format) and who "
                            "follows you"),
    "export.limit": ("Du kannst die Datei bis zu {n} Mal pro Stunde herunterladen.",
                     "You can download the file up to {n} times an hour."),
    "export.limit.one": ("Du kannst die Datei einmal pro Stunde herunterladen.",
                         "You can download the file once an hour."),
    "export.download": ("ZIP-Datei herunterladen", "Download the ZIP file"),
    "export.too_many": ("Du hast deine Daten gerade schon heruntergeladen. Versuche es in {seconds} Sekunden wieder.",
                        "You have just downloaded your data. Try again in {seconds} seconds."),
    "export.busy": ("Gerade werden andere Exporte erstellt. Versuche es in einer Minute wieder.",
                    "Other exports are being made right now. Try again in a minute."),
    # the archive's README.txt
    "export.readme_title": ("Deine Daten bei {name} ({handle}), Stand {date}",
                            "Your data at {name} ({handle}), as of {date}"),
    "export.readme_avatar": ("Dein Profilbild liegt als avatar.png, avatar.jpg oder avatar.gif bei, wenn du eins hast.",
                             "Your profile picture is included as avatar.png, avatar.jpg or avatar.gif if you have one."),
    "export.file.actor_json": ("dein Profil als ActivityPub-Actor", "your profile as an ActivityPub actor"),
    "export.file.outbox_json": ("was du veröffentlicht und geteilt hast (Create und Announce), wie im Mastodon-Archiv",
                                "what you published and shared (Create and Announce), as in Mastodon's archive"),
    "export.file.likes_json": ("was du unterstützt hast (die Adressen)", "what you supported (the addresses)"),
    "export.file.ideas_json": ("deine Ideen als ActivityStreams", "your ideas as ActivityStreams"),
    "export.file.ideas_csv": ("deine Ideen als Tabelle", "your ideas as a table"),
    "export.file.events_json": ("deine Termine und deine Teilnahmen als ActivityStreams",
                                "your events and your attendances as ActivityStreams"),
    "export.file.events_csv": ("deine Termine und deine Teilnahmen als Tabelle",
                               "your events and your attendances as a table"),
    "export.file.comments_json": ("deine Kommentare und Beiträge in Boxen als ActivityStreams",
                                  "your comments and box posts as ActivityStreams"),
    "export.file.comments_csv": ("deine Kommentare und Beiträge in Boxen als Tabelle",
                                 "your comments and box posts as a table"),
    "export.file.supports_json": ("deine Unterstützungen (Like) als ActivityStreams",
                                  "your supports (Like) as ActivityStreams"),
    "export.file.supports_csv": ("deine Unterstützungen als Tabelle", "your supports as a table"),
    "export.file.boxes_json": ("die Boxen, in denen du bist, als ActivityStreams",
                               "the boxes you are in as ActivityStreams"),
    "export.file.boxes_csv": ("die Boxen, in denen du bist, mit deiner Rolle", "the boxes you are in, with your role"),
    "export.file.motions_json": ("Anträge, die du entworfen oder mitgezeichnet hast, als ActivityStreams",
                                 "motions you drafted or co-signed as ActivityStreams"),
    "export.file.motions_csv": ("Anträge, die du entworfen oder mitgezeichnet hast, als Tabelle",
                                "motions you drafted or co-signed as a table"),
    "export.file.following_accounts_csv": ("wem du folgst, im Importformat von Mastodon",
                                           "whom you follow, in Mastodon's import format"),
    "export.file.followers_csv": ("wer dir folgt", "who follows you"),
    # /settings/delete
    "delete.title": ("Konto löschen", "Delete the account"),
    "delete.export_first": ("Lade vorher deine Daten herunter: Nach dem Löschen kommst du nicht mehr an sie heran.",
                            "Download your data first: once the account is deleted, you cannot get at it any more."),
    "delete.now": ("Sofort:", "At once:"),
    "delete.now_login": ("Du wirst abgemeldet und kannst dich nicht mehr anmelden.",
                         "You are logged out and can no longer log in."),
    "delete.now_content": ("Deine Ideen, Termine, Kommentare und Beiträge in Boxen werden gelöscht, dein Profil "
                           "verschwindet, und alle Server, die sie haben, bekommen ein Delete.",
                           "Your ideas, events, comments and box posts are deleted, your profile disappears, and "
                           "every server that has them gets a Delete."),
    "delete.later": ("Nach {n} Tagen:", "After {n} days:"),
    "delete.later.one": ("Nach einem Tag:", "After one day:"),
    "delete.later_none": ("Sobald die anderen Server Bescheid wissen:", "As soon as the other servers know:"),
    "delete.later_purge": ("Auch der Rest wird entfernt: deine Unterstützungen (sie zählen dann nicht mehr), "
                           "Teilnahmen, Mitgliedschaften in Boxen, Benachrichtigungen, Zustimmungen und was du "
                           "gesendet hast. Bis dahin bleibt es gespeichert, damit das Delete alle Server erreicht.",
                           "The rest is removed as well: your supports (they stop counting then), attendances, box "
                           "memberships, notifications, consents and what you sent. Until then it is kept, so that "
                           "the Delete reaches every server."),
    "delete.stays": ("Was bleibt:", "What stays:"),
    "delete.stays_name": ("Dein Benutzername bleibt vergeben, damit niemand anderes unter deiner alten Adresse "
                          "auftritt. Anträge, die du mitgezeichnet hast, gehören der Box und bleiben mit deiner "
                          "Unterschrift; was die Moderation zu deinem Konto festgehalten hat, bleibt nach ihren "
                          "eigenen Fristen.",
                          "Your username stays taken, so that nobody else appears under your old address. Motions "
                          "you co-signed belong to the box and keep your signature; what the moderators recorded "
                          "about your account stays by their own rules."),
    "delete.confirm_heading": ("Löschen bestätigen", "Confirm the deletion"),
}
