"""Texts of the mails (wecreate_fed/mail/templates) and of the pages around them: confirming an
address, forgetting a password, changing the address (web/password_pages.py, web/email_pages.py)."""

TEXTS: dict[str, tuple[str, str]] = {
    # every mail's footer
    "mail.footer.sent_by": ("Diese Mail kommt von {instance} ({url}).", "This mail comes from {instance} ({url})."),
    "mail.footer.why": ("Du bekommst sie, weil jemand sie für dein Konto dort angefordert hat.",
                        "You get it because someone asked for it for your account there."),
    "mail.footer.unsubscribe": ("Keine solchen Mails mehr: {url}", "No more mails like this: {url}"),
    "mail.footer.unsubscribe_link": ("Keine solchen Mails mehr", "No more mails like this"),
    "mail.greeting": ("Hallo {name},", "Hello {name},"),
    # confirming an address
    "mail.confirm.subject": ("Bitte bestätige deine E-Mail-Adresse bei {instance}",
                             "Please confirm your email address at {instance}"),
    "mail.confirm.body": ("bitte bestätige, dass {email} deine Adresse für das Konto @{username} ist:",
                          "please confirm that {email} is your address for the account @{username}:"),
    "mail.confirm.button": ("Adresse bestätigen", "Confirm the address"),
    "mail.confirm.expires": ("Der Link gilt {hours} Stunden. Warst du das nicht? Dann musst du nichts tun.",
                             "The link is valid for {hours} hours. Wasn't you? Then there is nothing to do."),
    # resetting a password
    "mail.reset.subject": ("Neues Passwort für {instance}", "A new password for {instance}"),
    "mail.reset.body": ("jemand möchte das Passwort deines Kontos @{username} neu setzen. "
                        "Mit diesem Link wählst du ein neues:",
                        "someone asked to reset the password of your account @{username}. "
                        "This link lets you choose a new one:"),
    "mail.reset.button": ("Neues Passwort wählen", "Choose a new password"),
    "mail.reset.expires": ("Der Link gilt {minutes} Minuten und nur einmal. Warst du das nicht? "
                           "Dann bleibt dein Passwort, wie es ist.",
                           "The link is valid for {minutes} minutes and once only. Wasn't you? "
                           "Then your password stays as it is."),
    # telling the old address
    "mail.email_changed.subject": ("Deine E-Mail-Adresse bei {instance} wurde geändert",
                                   "Your email address at {instance} was changed"),
    "mail.email_changed.body": ("die E-Mail-Adresse deines Kontos @{username} ist jetzt {email}. "
                                "An diese Adresse schicken wir nichts mehr.",
                                "the email address of your account @{username} is now {email}. "
                                "We send nothing to this address any more."),
    "mail.email_changed.not_you": ("Warst du das nicht? Dann setze dein Passwort neu ({url}) und schreib der "
                                   "Moderation.",
                                   "Wasn't you? Then reset your password ({url}) and write to the moderators."),
    # the administrator's test mail (wecreate-fed mail test)
    "mail.test.subject": ("Testmail von {instance}", "Test mail from {instance}"),
    "mail.test.body": ("wenn du das liest, kommen Mails von {instance} an.",
                       "if you can read this, mails from {instance} arrive."),
    "mail.test.name": ("Administration", "administrator"),
    # forgot password (web/password_pages.py)
    "login.forgot": ("Passwort vergessen?", "Forgot your password?"),
    "password.forgot.title": ("Passwort vergessen", "Forgotten password"),
    "password.forgot.lead": ("Gib die E-Mail-Adresse oder den Namen deines Kontos an. Wir schicken dir einen Link, "
                             "mit dem du ein neues Passwort wählst.",
                             "Give the email address or the name of your account. We send you a link to choose "
                             "a new password."),
    "field.email_or_username": ("E-Mail-Adresse oder Name", "Email address or name"),
    "password.forgot.submit": ("Link schicken", "Send the link"),
    "password.forgot.sent": ("Wenn es hier ein Konto mit dieser bestätigten Adresse oder diesem Namen gibt, ist ein "
                             "Link zu einem neuen Passwort unterwegs. Er gilt {minutes} Minuten.",
                             "If there is an account here with this confirmed address or this name, a link to a new "
                             "password is on its way. It is valid for {minutes} minutes."),
    "password.forgot.sent_nothing": ("Keine Mail nach ein paar Minuten? Schau im Spam-Ordner nach. Hat dein Konto keine "
                                     "bestätigte Adresse, kann dir nur die Moderation helfen.",
                                     "No mail after a few minutes? Look in your spam folder. If your account has no "
                                     "confirmed address, only the moderators can help."),
    "password.forgot.too_many": ("Zu viele Anfragen von hier. Bitte versuche es in {minutes} Minuten wieder.",
                                 "Too many requests from here. Please try again in {minutes} minutes."),
    "password.forgot.no_email": ("Diese Instanz verschickt keine E-Mails, darum kann sie dir keinen Link schicken.",
                                 "This instance sends no email, so it cannot send you a link."),
    "password.forgot.contact": ("So erreichst du die Moderation", "How to reach the moderators"),
    "password.back_to_login": ("Zurück zur Anmeldung", "Back to logging in"),
    "password.reset.title": ("Neues Passwort wählen", "Choose a new password"),
    "password.reset.lead": ("Das neue Passwort für dein Konto @{username}:", "The new password for your account @{username}:"),
    "password.reset.sessions_end": ("Danach bist du hier angemeldet und überall sonst abgemeldet.",
                                    "Afterwards you are logged in here and logged out everywhere else."),
    "password.reset.submit": ("Passwort speichern", "Save the password"),
    "notice.password_reset": ("Dein neues Passwort gilt; alle anderen Sitzungen sind beendet.",
                              "Your new password is set; every other session has ended."),
    # links that no longer work
    "link.invalid.title": ("Dieser Link gilt nicht (mehr)", "This link does not work (any more)"),
    "link.invalid.why": ("Er wurde schon benutzt, ist abgelaufen oder durch einen neueren ersetzt.",
                         "It was used already, has expired or was replaced by a newer one."),
    "link.invalid.new_reset": ("Neuen Link anfordern", "Ask for a new link"),
    "link.invalid.new_confirm": ("Zur E-Mail-Einstellung", "To the email settings"),
    # registration and the address's settings (web/email_pages.py)
    "field.email_optional": ("E-Mail-Adresse (freiwillig)", "Email address (optional)"),
    "register.email_hint": ("Damit du ein vergessenes Passwort neu setzen kannst. Wir schicken dir einen Link zur "
                            "Bestätigung; sonst nichts, was du nicht selbst wählst.",
                            "So that you can reset a forgotten password. We send you a link to confirm it; nothing "
                            "else that you do not choose yourself."),
    "notice.confirm_mail_sent": ("Wir haben dir einen Link an {email} geschickt. Erst wenn du ihn öffnest und "
                                 "bestätigst, gilt die Adresse.",
                                 "We sent a link to {email}. The address counts once you open it and confirm."),
    "notice.email_confirmed": ("Deine E-Mail-Adresse ist bestätigt.", "Your email address is confirmed."),
    "email.confirm.title": ("E-Mail-Adresse bestätigen", "Confirm the email address"),
    "email.confirm.lead": ("Soll {email} die Adresse deines Kontos werden?", "Shall {email} be your account's address?"),
    "email.confirm.submit": ("Ja, bestätigen", "Yes, confirm"),
    "settings.email.link": ("E-Mail-Adresse", "Email address"),
    "settings.email.title": ("E-Mail-Adresse", "Email address"),
    "settings.email.back": ("Zurück zu den Einstellungen", "Back to the settings"),
    "settings.email.current": ("Deine Adresse", "Your address"),
    "settings.email.confirmed": ("bestätigt am {date}", "confirmed on {date}"),
    "settings.email.unconfirmed": ("noch nicht bestätigt: öffne den Link in der Mail, oder fordere unten einen neuen an",
                                   "not confirmed yet: open the link in the mail, or ask for a new one below"),
    "settings.email.pending": ("Wartet auf Bestätigung: {email} (der Link ist in der Mail an diese Adresse)",
                               "Waiting for confirmation: {email} (the link is in the mail to that address)"),
    "settings.email.none": ("Du hast keine E-Mail-Adresse angegeben.", "You have given no email address."),
    "settings.email.used_for": ("Wir nutzen sie nur für Links zu einem neuen Passwort und die Mails, die du selbst "
                                "wählst. Niemand sonst sieht sie.",
                                "We use it only for links to a new password and the mails you choose yourself. "
                                "Nobody else sees it."),
    "settings.email.change": ("Adresse ändern", "Change the address"),
    "settings.email.add": ("Adresse angeben", "Give an address"),
    "settings.email.how": ("Wir schicken einen Link an die neue Adresse; sie gilt, sobald du ihn bestätigst (er hält "
                           "{hours} Stunden). Bis dahin bleibt die bisherige, und sie erfährt von der Änderung.",
                           "We send a link to the new address; it counts once you confirm it (the link lasts {hours} "
                           "hours). Until then the current one stays, and it is told of the change."),
    "field.new_email": ("Neue E-Mail-Adresse", "New email address"),
    "settings.email.submit": ("Link schicken", "Send the link"),
    "settings.email.off": ("Diese Instanz verschickt keine E-Mails; eine Adresse lässt sich darum gerade nicht "
                           "bestätigen.", "This instance sends no email, so an address cannot be confirmed now."),
    "form.email_same": ("Das ist schon deine Adresse.", "That is your address already."),
    "form.email_too_often": ("Heute sind schon genug Links verschickt worden. Bitte versuche es morgen wieder.",
                             "Enough links were sent today. Please try again tomorrow."),
    "form.link_invalid": ("Dieser Link gilt nicht (mehr).", "This link does not work (any more)."),
    # the admin area (admin/layout.html, admin/dashboard.html)
    "admin.email_off": ("E-Mail ist aus: Diese Instanz verschickt keine Mails (kein [email] in der Konfiguration). "
                        "Niemand kann eine Adresse bestätigen oder ein vergessenes Passwort neu setzen.",
                        "Email is off: this instance sends no mail (no [email] in its configuration). Nobody can "
                        "confirm an address or reset a forgotten password."),
    "dashboard.mail": ("E-Mail", "Email"),
    "dashboard.mail_on": ("E-Mail ist an: über {host}, als {sender}.", "Email is on: through {host}, as {sender}."),
    "dashboard.mail_off": ("E-Mail ist aus. Trage einen Mailserver unter [email] in der Konfiguration ein "
                           "(siehe config.example.toml).",
                           "Email is off. Configure a mail server under [email] (see config.example.toml)."),
    "dashboard.mail_pending": ("Mails in der Warteschlange", "Mails waiting"),
    "dashboard.mail_sent": ("Mails verschickt", "Mails sent"),
    "dashboard.mail_failed": ("Mails aufgegeben", "Mails given up"),
    "dashboard.mail_error": ("Der Mailserver nimmt gerade nichts an; die Mails warten und werden wieder versucht. "
                             "Letzter Fehler: {error}",
                             "The mail server takes nothing right now; the mails wait and are tried again. "
                             "Last error: {error}"),
}
