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
}
