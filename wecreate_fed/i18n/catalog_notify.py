"""Texts of notifications, the mail choices (/settings/notifications), the mails at once and
the digests, and the unsubscribe pages: key -> (German, English)."""

TOPICS = {
    "reply": ("Antworten auf meine Beiträge", "Replies to my posts"),
    "support": ("Unterstützung für meine Ideen", "Support for my ideas"),
    "status": ("Neuer Status bei Ideen, die ich unterstütze, und bei meinen Terminen",
               "A new status of ideas I support and of my events"),
    "district": ("Neu in meinem Stadtbezirk: Ideen und Termine", "New in my district: ideas and events"),
    "box": ("Meine Boxen: Beiträge, Aufgaben, Anträge, Antworten und Einladungen",
            "My boxes: posts, tasks, motions, answers and invitations"),
    "account": ("Mein Konto: Entscheidungen der Moderation", "My account: moderation decisions"),
}

TEXTS = {
    # the kinds' short names (the older kinds' names are in catalog_site/civic/actions)
    "notification.reply": ("Antwort", "Reply"),
    "notification.attend_answered": ("Teilnahme", "Attendance"),
    "notification.box_post": ("Beitrag in einer Box", "Post in a box"),
    "notification.box_task": ("Aufgabe", "Task"),
    "notification.box_invitation": ("Einladung", "Invitation"),
    "notify.kind_other": ("Mitteilung", "Notification"),
    # what happened, in a sentence
    "notify.text.status_changed": ("„{title}“ hat jetzt den Status: {status}", "“{title}” now has the status: {status}"),
    "notify.text.attend": ("{name} nimmt an „{title}“ teil.", "{name} is attending “{title}”."),
    "notify.text.attend_yes": ("Du nimmst an „{title}“ teil.", "You are attending “{title}”."),
    "notify.text.attend_no": ("Deine Anmeldung zu „{title}“ wurde abgelehnt.",
                              "Your request to attend “{title}” was declined."),
    "notify.text.box_invitation": ("{name} lädt dich in die Box „{box}“ ein.", "{name} invites you to the box “{box}”."),
    "notify.text.motion_received": ("Der Antrag „{title}“ ist bei {council} eingegangen.",
                                    "The motion “{title}” was received by {council}."),
    "notify.text.motion_on_agenda": ("Der Antrag „{title}“ steht bei {council} auf der Tagesordnung.",
                                     "The motion “{title}” is on the agenda of {council}."),
    "notify.text.motion_decided": ("{council} hat über den Antrag „{title}“ entschieden.",
                                   "{council} decided on the motion “{title}”."),
    "notify.text.reply": ("{name} hat dir zu „{title}“ geantwortet.", "{name} replied to you on “{title}”."),
    "notify.text.reply_post": ("{name} hat auf deinen Beitrag geantwortet.", "{name} replied to your post."),
    "notify.text.support": ("{name} unterstützt deine Idee „{title}“.", "{name} supports your idea “{title}”."),
    "notify.text.box_post": ("{name} hat in der Box „{box}“ geschrieben.", "{name} posted in the box “{box}”."),
    "notify.text.box_task": ("{name} hat dir in der Box „{box}“ die Aufgabe „{title}“ gegeben.",
                             "{name} gave you the task “{title}” in the box “{box}”."),
    # the settings page
    "notify.settings.link": ("E-Mail-Benachrichtigungen einstellen", "Choose email notifications"),
    "notify.settings.title": ("E-Mail-Benachrichtigungen", "Email notifications"),
    "notify.settings.intro": ("Wähle für jede Art von Mitteilung, ob sie dich sofort per E-Mail erreicht, "
                              "gesammelt einmal am Tag oder einmal in der Woche, oder gar nicht. Auf der Website "
                              "siehst du alle Mitteilungen immer.",
                              "Choose for each kind of notification whether it reaches you by email at once, "
                              "collected once a day or once a week, or not at all. On the website you always "
                              "see every notification."),
    "notify.settings.no_email": ("Du hast noch keine bestätigte E-Mail-Adresse. Ohne sie schicken wir dir "
                                 "nichts; deine Auswahl gilt, sobald du eine bestätigt hast.",
                                 "You have no confirmed email address yet. Without one we send you nothing; "
                                 "your choices apply once you have confirmed one."),
    "notify.settings.email": ("Die E-Mails gehen an {email}.", "The emails go to {email}."),
    "notify.settings.district": ("Dein Stadtbezirk: {district}.", "Your district: {district}."),
    "notify.settings.no_district": ("Du hast noch keinen Stadtbezirk gewählt; ohne ihn gibt es keine "
                                    "Neuigkeiten aus deinem Stadtbezirk.",
                                    "You have not chosen a district yet; without one there is no news "
                                    "from your district."),
    "notify.settings.change_district": ("Stadtbezirk in den Einstellungen ändern", "Change the district in the settings"),
    "notify.settings.when": ("Tägliche Zusammenfassungen kommen um {hour} Uhr, wöchentliche am {weekday} "
                             "um {hour} Uhr.",
                             "Daily digests arrive at {hour}:00, weekly ones on {weekday} at {hour}:00."),
    "notify.settings.save": ("Auswahl speichern", "Save choices"),
    "notify.settings.saved": ("Deine Auswahl ist gespeichert.", "Your choices are saved."),
    **{f"notify.topic.{k}": v for k, v in TOPICS.items()},
    **{f"field.topic_{k}": v for k, v in TOPICS.items()},
    "notify.frequency.now": ("sofort", "at once"),
    "notify.frequency.daily": ("täglich", "daily"),
    "notify.frequency.weekly": ("wöchentlich", "weekly"),
    "notify.frequency.never": ("nie", "never"),
    "notify.weekday.0": ("Montag", "Monday"),
    "notify.weekday.1": ("Dienstag", "Tuesday"),
    "notify.weekday.2": ("Mittwoch", "Wednesday"),
    "notify.weekday.3": ("Donnerstag", "Thursday"),
    "notify.weekday.4": ("Freitag", "Friday"),
    "notify.weekday.5": ("Samstag", "Saturday"),
    "notify.weekday.6": ("Sonntag", "Sunday"),
    "settings.notifications_link": ("E-Mail-Benachrichtigungen", "Email notifications"),
    # mails
    "notify.mail.subject": ("{label} – {instance}", "{label} – {instance}"),
    "notify.mail.open": ("Ansehen", "Open"),
    "notify.mail.why": ("Du bekommst diese Mail, weil du es in deinen Einstellungen so gewählt hast. "
                        "Ändern: {url}",
                        "You get this mail because you chose so in your settings. Change it: {url}"),
    "notify.mail.why_html": ("Du bekommst diese Mail, weil du es in deinen Einstellungen so gewählt hast.",
                             "You get this mail because you chose so in your settings."),
    "notify.mail.settings_link": ("Benachrichtigungen ändern", "Change notifications"),
    "notify.digest.subject_district_weekly": ("Neu in {district} diese Woche", "New in {district} this week"),
    "notify.digest.subject_district_daily": ("Neu in {district} seit gestern", "New in {district} since yesterday"),
    "notify.digest.subject_weekly": ("Deine Woche auf {instance}", "Your week on {instance}"),
    "notify.digest.subject_daily": ("Dein Tag auf {instance}", "Your day on {instance}"),
    "notify.digest.intro_weekly": ("Das ist neu seit {since}:", "This is new since {since}:"),
    "notify.digest.intro_daily": ("Das war neu am {since}:", "This was new on {since}:"),
    "notify.digest.district_heading": ("Neu in {district}", "New in {district}"),
    "notify.digest.ideas": ("Neue Ideen", "New ideas"),
    "notify.digest.events": ("Neue Termine", "New events"),
    "notify.digest.district_quiet": ("In deinem Stadtbezirk gab es diesmal nichts Neues.",
                                     "There was nothing new in your district this time."),
    "notify.digest.yours": ("Deine Mitteilungen", "Your notifications"),
    # unsubscribing (no login)
    "notify.unsubscribe.title": ("E-Mails abbestellen", "Unsubscribe from emails"),
    "notify.unsubscribe.ask": ("Möchtest du diese E-Mails nicht mehr bekommen: {what}?",
                               "Do you want to stop getting these emails: {what}?"),
    "notify.unsubscribe.button": ("Abbestellen", "Unsubscribe"),
    "notify.unsubscribe.all_button": ("Alle E-Mail-Benachrichtigungen abbestellen", "Unsubscribe from all email notifications"),
    "notify.unsubscribe.done": ("Erledigt: Du bekommst diese E-Mails nicht mehr ({what}).",
                                "Done: you will not get these emails any more ({what})."),
    "notify.unsubscribe.settings": ("Alles Weitere wählst du in deinen Einstellungen, wenn du angemeldet bist.",
                                    "You can choose everything else in your settings when logged in."),
    "error.unsubscribe_invalid": ("Dieser Abmeldelink ist ungültig. Prüfe, ob er vollständig kopiert wurde, "
                                   "oder ändere deine Auswahl in den Einstellungen.",
                                   "This unsubscribe link is not valid. Check that it was copied completely, "
                                   "or change your choices in the settings."),
    "notify.scope.all": ("alle E-Mail-Benachrichtigungen", "all email notifications"),
    "notify.scope.daily": ("die tägliche Zusammenfassung", "the daily digest"),
    "notify.scope.weekly": ("die wöchentliche Zusammenfassung", "the weekly digest"),
}
