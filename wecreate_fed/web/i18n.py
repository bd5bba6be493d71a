"""The website's strings in German and English, and dates and numbers in either.

No build step: one catalog of `key: (German, English)`. Templates call `_("key", name=…)`,
routes `common._()`. A new language is one more column (and a name in LANGUAGE_NAMES).
tests/web/test_i18n.py checks that every key used in a template or module is here.
"""

from __future__ import annotations

from datetime import date, datetime

from quart import g

LANGUAGES = ("de", "en")
LANGUAGE_NAMES = {"de": "Deutsch", "en": "English"}

CATALOG: dict[str, tuple[str, str]] = {
    # layout
    "a11y.skip": ("Zum Inhalt springen", "Skip to content"),
    "a11y.main_nav": ("Hauptnavigation", "Main navigation"),
    "a11y.account_nav": ("Konto", "Account"),
    "a11y.pagination": ("Seiten", "Pages"),
    "nav.marketplace": ("Marktplatz", "Marketplace"),
    "nav.events": ("Termine", "Events"),
    "nav.districts": ("Stadtbezirke", "Districts"),
    "nav.new_idea": ("Neue Idee", "New idea"),
    "nav.notifications": ("Mitteilungen", "Notifications"),
    "nav.settings": ("Einstellungen", "Settings"),
    "nav.logout": ("Abmelden", "Log out"),
    "nav.login": ("Anmelden", "Log in"),
    "nav.register": ("Registrieren", "Sign up"),
    "footer.about": ("Über diese Instanz", "About this instance"),
    "footer.feed": ("Ideen als Feed", "Ideas as a feed"),
    "footer.calendar": ("Termine als Kalender", "Events as a calendar"),
    "footer.software": ("WeCreate Fed – Teil des Fediverse", "WeCreate Fed – part of the fediverse"),
    # notices after an action
    "notice.welcome": ("Willkommen! Dein Konto ist angelegt.", "Welcome! Your account is ready."),
    "notice.logged_out": ("Du bist abgemeldet.", "You are logged out."),
    "notice.idea_published": ("Deine Idee ist veröffentlicht.", "Your idea is published."),
    "notice.idea_saved": ("Die Änderungen sind gespeichert.", "Your changes are saved."),
    "notice.idea_deleted": ("Die Idee ist gelöscht.", "The idea is deleted."),
    "notice.supported": ("Du unterstützt diese Idee.", "You support this idea."),
    "notice.already_supported": ("Du unterstützt diese Idee bereits.", "You already support this idea."),
    "notice.withdrawn": ("Deine Unterstützung ist zurückgezogen.", "Your support is withdrawn."),
    "notice.shared": ("Die Idee ist mit deinen Folgenden geteilt.", "The idea is shared with your followers."),
    "notice.already_shared": ("Du hast diese Idee bereits geteilt.", "You already shared this idea."),
    "notice.commented": ("Dein Kommentar ist veröffentlicht.", "Your comment is published."),
    "notice.status_changed": ("Der Status ist geändert.", "The status is changed."),
    "notice.event_published": ("Der Termin ist veröffentlicht.", "The event is published."),
    "notice.event_saved": ("Der Termin ist gespeichert.", "The event is saved."),
    "notice.event_deleted": ("Der Termin ist gelöscht.", "The event is deleted."),
    "notice.attending": ("Du nimmst teil.", "You are attending."),
    "notice.cannot_attend": ("Teilnahme nicht möglich: {reason}", "Cannot attend: {reason}"),
    "notice.left": ("Du nimmst nicht mehr teil.", "You no longer attend."),
    "notice.followed": ("Folgeanfrage gesendet.", "Follow request sent."),
    "notice.unfollowed": ("Du folgst nicht mehr.", "You no longer follow."),
    "notice.saved": ("Gespeichert.", "Saved."),
    "notice.password_changed": ("Dein Passwort ist geändert; andere Sitzungen sind beendet.",
                                "Your password is changed; other sessions have ended."),
    "notice.account_deleted": ("Dein Konto ist gelöscht.", "Your account is deleted."),
    "notice.done": ("Erledigt.", "Done."),
    # errors
    "error.400": ("Das hat nicht geklappt", "That did not work"),
    "error.403": ("Nicht erlaubt", "Not allowed"),
    "error.404": ("Nicht gefunden", "Not found"),
    "error.410": ("Gelöscht", "Deleted"),
    "error.429": ("Zu viele Versuche", "Too many attempts"),
    "error.other": ("Ein Fehler ist aufgetreten", "Something went wrong"),
    "error.home": ("Zur Startseite", "To the home page"),
    "error.csrf": ("Das Formular ist abgelaufen oder kam nicht von dieser Seite. Bitte lade die Seite neu und "
                   "versuche es noch einmal.",
                   "The form has expired or did not come from this site. Please reload the page and try again."),
    "error.too_many": ("Zu viele fehlgeschlagene Versuche. Bitte versuche es in {minutes} Minuten wieder.",
                       "Too many failed attempts. Please try again in {minutes} minutes."),
    "error.not_yours": ("Nur die Person, die das veröffentlicht hat, oder die Moderation darf es bearbeiten.",
                        "Only the person who published this, or a moderator, may edit it."),
    # forms
    "form.check": ("Bitte prüfe deine Angaben.", "Please check what you entered."),
    "form.required_mark": ("Pflichtfeld", "required"),
    "form.required": ("Bitte fülle dieses Feld aus.", "Please fill in this field."),
    "form.too_long": ("Höchstens {limit} Zeichen.", "At most {limit} characters."),
    "form.invalid_choice": ("Bitte wähle eine der Möglichkeiten.", "Please choose one of the options."),
    "form.district_required": ("Bitte wähle mindestens einen Stadtbezirk.", "Please choose at least one district."),
    "form.district_unknown": ("Diesen Stadtbezirk gibt es hier nicht.", "There is no such district here."),
    "form.too_many_topics": ("Höchstens {limit} Themen.", "At most {limit} topics."),
    "form.topics_words": ("Themen sind einzelne Wörter (Buchstaben, Ziffern, _).",
                          "Topics are single words (letters, digits, _)."),
    "form.url": ("Bitte gib eine Adresse an, die mit https:// beginnt.", "Please give an address starting with https://."),
    "form.addressee_required": ("Ein Reformvorschlag richtet sich an die Verwaltung oder eine Partei.",
                                "A reform proposal is addressed to the administration or a party."),
    "form.addressee_unknown": ("Diese Verwaltung oder Partei wurde nicht gefunden.",
                               "That administration or party was not found."),
    "form.timezone": ("Keine bekannte Zeitzone (z. B. Europe/Berlin).", "Not a known time zone (e.g. Europe/Berlin)."),
    "form.datetime": ("Bitte gib Datum und Uhrzeit an.", "Please give a date and time."),
    "form.end_after_start": ("Das Ende muss nach dem Beginn liegen.", "The end must be after the start."),
    "form.place_required": ("Bitte gib einen Ort oder einen Online-Link an.", "Please give a place or an online link."),
    "form.capacity": ("Eine ganze Zahl über null, oder leer für unbegrenzt.",
                      "A whole number above zero, or empty for no limit."),
    "form.linked_idea": ("Diese Idee wurde nicht gefunden.", "That idea was not found."),
    "form.username_rules": ("1 bis 30 Buchstaben, Ziffern oder Unterstriche.", "1 to 30 letters, digits or underscores."),
    "form.username_taken": ("Dieser Name ist schon vergeben.", "This name is taken."),
    "form.invitation_invalid": ("Dieser Einladungscode gilt nicht (mehr).", "This invitation code is not valid."),
    "form.password_short": ("Mindestens {min} Zeichen.", "At least {min} characters."),
    "form.password_mismatch": ("Die beiden Passwörter stimmen nicht überein.", "The two passwords do not match."),
    "form.password_wrong": ("Das Passwort stimmt nicht.", "The password is not correct."),
    "form.login_failed": ("Name oder Passwort stimmen nicht.", "Wrong name or password."),
    "form.avatar_size": ("Das Bild ist größer als {kb} KB.", "The picture is larger than {kb} KB."),
    "form.avatar_type": ("Bitte ein PNG-, JPEG- oder GIF-Bild.", "Please a PNG, JPEG or GIF picture."),
    "form.markdown_hint": ("Markdown geht: **fett**, *kursiv*, - Listen, [Link](https://…).",
                           "Markdown works: **bold**, *italic*, - lists, [link](https://…)."),
    "form.preview": ("Vorschau", "Preview"),
    "form.preview_button": ("Vorschau", "Preview"),
    "form.cancel": ("Abbrechen", "Cancel"),
    # fields
    "field.title": ("Titel", "Title"),
    "field.summary": ("Kurzfassung", "Summary"),
    "field.body": ("Beschreibung", "Description"),
    "field.description": ("Beschreibung", "Description"),
    "field.kind": ("Art", "Kind"),
    "field.district": ("Stadtbezirk", "District"),
    "field.districts": ("Stadtbezirke", "Districts"),
    "field.home_district": ("Dein Stadtbezirk", "Your district"),
    "field.status": ("Status", "Status"),
    "field.author": ("Von", "By"),
    "field.topic": ("Thema", "Topic"),
    "field.topics": ("Themen", "Topics"),
    "field.sort": ("Sortieren nach", "Sort by"),
    "field.image_url": ("Bild (Adresse)", "Picture (address)"),
    "field.addressed_to": ("Gerichtet an", "Addressed to"),
    "field.starts_at": ("Beginn", "Starts"),
    "field.ends_at": ("Ende", "Ends"),
    "field.timezone": ("Zeitzone", "Time zone"),
    "field.place_name": ("Ort", "Place"),
    "field.street": ("Straße und Hausnummer", "Street and number"),
    "field.postal_code": ("Postleitzahl", "Postal code"),
    "field.locality": ("Stadt", "Town"),
    "field.online_url": ("Online-Link", "Online link"),
    "field.capacity": ("Plätze", "Places"),
    "field.linked_idea": ("Zugehörige Idee (Adresse)", "Related idea (address)"),
    "field.username": ("Benutzername", "Username"),
    "field.name": ("Angezeigter Name", "Display name"),
    "field.password": ("Passwort", "Password"),
    "field.password_repeat": ("Passwort wiederholen", "Repeat the password"),
    "field.current_password": ("Aktuelles Passwort", "Current password"),
    "field.new_password": ("Neues Passwort", "New password"),
    "field.invitation": ("Einladungscode", "Invitation code"),
    "field.bio": ("Über dich", "About you"),
    "field.avatar": ("Profilbild", "Profile picture"),
    "field.language": ("Sprache", "Language"),
    # words for values
    "status.proposed": ("Vorgeschlagen", "Proposed"),
    "status.in_discussion": ("In Diskussion", "In discussion"),
    "status.being_implemented": ("In Umsetzung", "Being implemented"),
    "status.implemented": ("Umgesetzt", "Implemented"),
    "status.declined": ("Abgelehnt", "Declined"),
    "status.withdrawn": ("Zurückgezogen", "Withdrawn"),
    "kind.idea": ("Idee", "Idea"),
    "kind.reform_proposal": ("Reformvorschlag", "Reform proposal"),
    "category.citizen": ("Bürger:in", "Citizen"),
    "category.party": ("Partei", "Party"),
    "category.administration": ("Stadtverwaltung", "City administration"),
    "category.organisation": ("Organisation", "Organisation"),
    "sort.newest": ("Neueste", "Newest"),
    "sort.supported": ("Meiste Unterstützung", "Most supported"),
    "sort.trending": ("Im Trend", "Trending"),
    "event_status.scheduled": ("Geplant", "Scheduled"),
    "event_status.cancelled": ("Abgesagt", "Cancelled"),
    "event_status.postponed": ("Verschoben", "Postponed"),
    "notification.status_changed": ("Neuer Status", "New status"),
    "notification.support": ("Unterstützung", "Support"),
    "notification.comment": ("Kommentar", "Comment"),
    "notification.follow": ("Neue Folgende", "New follower"),
    "notification.attend": ("Teilnahme", "Attendance"),
    "badge.verified_hint": ("Von der Instanz bestätigtes Konto", "Account confirmed by this instance"),
    "origin.from": ("von {host}", "from {host}"),
    "origin.note": ("Diese Idee stammt von {host}.", "This idea comes from {host}."),
    "origin.original": ("Original ansehen", "View the original"),
    # marketplace
    "market.title": ("Marktplatz", "Marketplace"),
    "market.heading": ("Ideen für {city}", "Ideas for {city}"),
    "market.lead": ("Ideen und Vorschläge aus der Stadt: unterstützen, diskutieren, gemeinsam umsetzen.",
                    "Ideas and proposals from the city: support, discuss, make them happen together."),
    "market.filter": ("Filtern", "Filter"),
    "market.all_districts": ("Alle Stadtbezirke", "All districts"),
    "market.all_kinds": ("Alle Arten", "All kinds"),
    "market.all_statuses": ("Jeder Status", "Any status"),
    "market.all_authors": ("Alle", "Everyone"),
    "market.topic_placeholder": ("z. B. radverkehr", "e.g. cycling"),
    "market.apply": ("Anzeigen", "Show"),
    "market.reset": ("Zurücksetzen", "Reset"),
    "market.results": ("{n} Ideen", "{n} ideas"),
    "market.empty": ("Keine Ideen gefunden.", "No ideas found."),
    "market.be_first": ("Schreib die erste!", "Write the first one!"),
    "market.prev": ("Zurück", "Previous"),
    "market.next": ("Weiter", "Next"),
    "market.page_of": ("Seite {page} von {pages}", "Page {page} of {pages}"),
    "impact.heading": ("Was bisher bewegt wurde", "What has been moved so far"),
    "impact.ideas": ("Ideen", "Ideas"),
    "impact.supports": ("Unterstützungen", "Supports"),
    "impact.implemented": ("Umgesetzt", "Implemented"),
    "impact.active": ("Aktive (30 Tage)", "Active (30 days)"),
    "impact.events_held": ("Termine", "Events held"),
    "impact.registered": ("Registriert", "Registered"),
    "impact.population": ("Einwohner:innen", "Inhabitants"),
    "impact.share": ("{percent} % registriert", "{percent} % registered"),
    "impact.district_line": ("{district}: {ideas} Ideen, {implemented} umgesetzt.",
                             "{district}: {ideas} ideas, {implemented} implemented."),
    # districts
    "districts.heading": ("Stadtbezirke", "Districts"),
    "districts.lead": ("Ideen und Termine in deiner Nähe: wähle einen Stadtbezirk von {city}.",
                       "Ideas and events near you: choose a district of {city}."),
    "districts.line": ("{ideas} Ideen, {implemented} umgesetzt", "{ideas} ideas, {implemented} implemented"),
    "districts.none": ("Für diese Stadt sind keine Stadtbezirke eingerichtet.", "No districts are set up for this city."),
    "district.heading": ("{district} ({city})", "{district} ({city})"),
    "district.ideas": ("Ideen in diesem Stadtbezirk", "Ideas in this district"),
    "district.follow": ("Stadtbezirk folgen", "Follow the district"),
    "district.unfollow": ("Nicht mehr folgen", "Unfollow"),
    "district.events": ("Nächste Termine", "Upcoming events"),
    "district.fediverse_hint": ("Im Fediverse (z. B. Mastodon) folgen: {handle} · {n} Folgende",
                                "Follow in the fediverse (e.g. Mastodon): {handle} · {n} followers"),
    # ideas
    "idea.by": ("von", "by"),
    "idea.addressed_to": ("Gerichtet an", "Addressed to"),
    "idea.actions": ("Mitmachen", "Take part"),
    "idea.supports_n": ("{n} Unterstützungen", "{n} supports"),
    "idea.shares_n": ("{n}-mal geteilt", "shared {n} times"),
    "idea.comments_n": ("{n} Kommentare", "{n} comments"),
    "idea.support": ("Unterstützen", "Support"),
    "idea.withdraw": ("Unterstützung zurückziehen", "Withdraw support"),
    "idea.share": ("Teilen", "Share"),
    "idea.unshare": ("Nicht mehr teilen", "Unshare"),
    "idea.plan_event": ("Termin dazu planen", "Plan an event for it"),
    "idea.login_to_support": ("Anmelden und unterstützen", "Log in to support"),
    "idea.manage": ("Verwalten", "Manage"),
    "idea.edit": ("Idee bearbeiten", "Edit the idea"),
    "idea.new_status": ("Neuer Status", "New status"),
    "idea.status_note": ("Anmerkung zum Status", "Note on the status"),
    "idea.change_status": ("Status ändern", "Change the status"),
    "idea.delete": ("Idee löschen", "Delete the idea"),
    "idea.delete_confirm": ("Diese Idee wirklich löschen?", "Really delete this idea?"),
    "idea.events": ("Termine zu dieser Idee", "Events for this idea"),
    "idea.history": ("Verlauf", "History"),
    "idea.comments": ("Diskussion", "Discussion"),
    "idea.no_comments": ("Noch keine Kommentare.", "No comments yet."),
    "idea.reply": ("Antworten", "Reply"),
    "idea.your_reply": ("Deine Antwort", "Your reply"),
    "idea.send_reply": ("Antwort senden", "Send the reply"),
    "idea.your_comment": ("Dein Kommentar", "Your comment"),
    "idea.send_comment": ("Kommentieren", "Comment"),
    "idea_form.new_title": ("Neue Idee", "New idea"),
    "idea_form.edit_title": ("Idee bearbeiten", "Edit the idea"),
    "idea_form.summary_hint": ("Ein, zwei Sätze für die Übersicht.", "One or two sentences for the overview."),
    "idea_form.topics_hint": ("Einzelne Wörter, durch Leerzeichen getrennt, z. B. radverkehr schule.",
                              "Single words separated by spaces, e.g. cycling school."),
    "idea_form.image_hint": ("Optional: die Adresse eines Bildes (https://…).", "Optional: the address of a picture (https://…)."),
    "idea_form.addressed_hint": ("Für einen Reformvorschlag: an die Verwaltung oder eine Partei.",
                                 "For a reform proposal: to the administration or a party."),
    "idea_form.addressed_other": ("oder eine Adresse im Fediverse", "or an address in the fediverse"),
    "idea_form.nobody": ("– niemand Bestimmtes –", "– nobody in particular –"),
    "idea_form.publish": ("Veröffentlichen", "Publish"),
    "idea_form.save": ("Speichern", "Save"),
    # events
    "calendar.title": ("Termine", "Events"),
    "calendar.new": ("Termin anlegen", "Create an event"),
    "calendar.empty": ("Keine kommenden Termine.", "No upcoming events."),
    "event.organised_by": ("Veranstaltet von", "Organised by"),
    "event.where": ("Wo", "Where"),
    "event.online": ("Online", "Online"),
    "event.attendees": ("Teilnahme", "Attendance"),
    "event.attending_n": ("{n} nehmen teil", "{n} attending"),
    "event.places_left": ("{n} Plätze frei", "{n} places left"),
    "event.idea": ("Zur Idee", "Idea"),
    "event.attend_heading": ("Teilnehmen", "Attend"),
    "event.attend": ("Ich nehme teil", "I will attend"),
    "event.leave": ("Doch nicht teilnehmen", "Cancel my attendance"),
    "event.you_attend": ("Du nimmst teil.", "You are attending."),
    "event.you_asked": ("Deine Anfrage wartet auf Antwort.", "Your request is waiting for an answer."),
    "event.login_to_attend": ("Anmelden und teilnehmen", "Log in to attend"),
    "event.over": ("Dieser Termin ist vorbei.", "This event is over."),
    "event.calendar_feed": ("Kalender abonnieren (iCal)", "Subscribe to the calendar (iCal)"),
    "event.manage": ("Verwalten", "Manage"),
    "event.edit": ("Termin bearbeiten", "Edit the event"),
    "event.delete": ("Termin löschen", "Delete the event"),
    "event.delete_confirm": ("Diesen Termin wirklich löschen?", "Really delete this event?"),
    "event_form.new_title": ("Neuer Termin", "New event"),
    "event_form.edit_title": ("Termin bearbeiten", "Edit the event"),
    "event_form.where": ("Wo findet es statt?", "Where does it take place?"),
    "event_form.where_hint": ("Ein Ort, ein Online-Link, oder beides.", "A place, an online link, or both."),
    "event_form.no_district": ("– kein bestimmter –", "– none in particular –"),
    "event_form.capacity_hint": ("Leer lassen für unbegrenzt.", "Leave empty for no limit."),
    "event_form.linked_hint": ("Optional: die Adresse der Idee, um die es geht.", "Optional: the address of the idea it is about."),
    "event_form.publish": ("Veröffentlichen", "Publish"),
    "event_form.save": ("Speichern", "Save"),
    # people
    "profile.followers": ("Folgende", "Followers"),
    "profile.following": ("Folgt", "Following"),
    "profile.ideas": ("Ideen", "Ideas"),
    "profile.no_ideas": ("Noch keine Ideen.", "No ideas yet."),
    "profile.events": ("Termine", "Events"),
    "profile.follow": ("Folgen", "Follow"),
    "profile.unfollow": ("Nicht mehr folgen", "Unfollow"),
    "profile.follow_pending": ("Anfrage gesendet", "Request sent"),
    "profile.edit_own": ("Profil bearbeiten", "Edit your profile"),
    "profile.fediverse_hint": ("Im Fediverse (z. B. Mastodon) suchen nach: {handle}",
                               "Search for this in the fediverse (e.g. Mastodon): {handle}"),
    # accounts
    "login.title": ("Anmelden", "Log in"),
    "login.submit": ("Anmelden", "Log in"),
    "login.no_account": ("Noch kein Konto?", "No account yet?"),
    "register.title": ("Konto anlegen", "Create an account"),
    "register.lead": ("Mach mit bei den Ideen für {city}.", "Take part in the ideas for {city}."),
    "register.invitation_hint": ("Diese Instanz nimmt neue Konten nur mit Einladung auf.",
                                 "This instance takes new accounts by invitation only."),
    "register.username_hint": ("Buchstaben, Ziffern und _, höchstens 30. Er ist Teil deiner Adresse und bleibt.",
                               "Letters, digits and _, at most 30. It is part of your address and stays."),
    "register.name_hint": ("So sehen dich andere; später änderbar.", "How others see you; can be changed later."),
    "register.password_hint": ("Mindestens 8 Zeichen.", "At least 8 characters."),
    "register.district_hint": ("Optional; zählt für die Zahlen deines Stadtbezirks.", "Optional; counts towards your district's figures."),
    "register.no_district": ("– keine Angabe –", "– not given –"),
    "register.submit": ("Konto anlegen", "Create the account"),
    "register.have_account": ("Schon ein Konto?", "Already have an account?"),
    "settings.title": ("Einstellungen", "Settings"),
    "settings.profile": ("Profil", "Profile"),
    "settings.avatar_hint": ("PNG, JPEG oder GIF, höchstens 512 KB.", "PNG, JPEG or GIF, at most 512 KB."),
    "settings.remove_avatar": ("Profilbild entfernen", "Remove the picture"),
    "settings.save": ("Speichern", "Save"),
    "settings.preferences": ("Sprache und Stadtbezirk", "Language and district"),
    "settings.password": ("Passwort ändern", "Change the password"),
    "settings.change_password": ("Passwort ändern", "Change the password"),
    "settings.delete": ("Konto löschen", "Delete the account"),
    "settings.delete_explained": ("Deine Ideen und Termine werden gelöscht, und andere Server erfahren davon. "
                                  "Das lässt sich nicht rückgängig machen.",
                                  "Your ideas and events are deleted, and other servers are told. "
                                  "This cannot be undone."),
    "settings.delete_confirm": ("Dein Konto endgültig löschen?", "Delete your account for good?"),
    "settings.delete_button": ("Konto endgültig löschen", "Delete my account"),
    # acting across servers
    "interact.title": ("Von deiner Instanz aus", "From your instance"),
    "interact.lead": ("Du hast ein Konto auf Mastodon oder einem anderen Server im Fediverse? Dann mach von dort aus mit.",
                      "You have an account on Mastodon or another server in the fediverse? Take part from there."),
    "interact.handle": ("Deine Adresse im Fediverse", "Your address in the fediverse"),
    "interact.hint": ("Zum Beispiel name@mastodon.social", "For example name@mastodon.social"),
    "interact.go": ("Weiter zu meiner Instanz", "Go to my instance"),
    "interact.back": ("Zurück", "Back"),
    "interact.support_from_elsewhere": ("Von deiner Instanz aus unterstützen (Mastodon …)",
                                        "Support from your instance (Mastodon …)"),
    "interact.comment_from_elsewhere": ("Von deiner Instanz aus kommentieren (Mastodon …)",
                                        "Comment from your instance (Mastodon …)"),
    "interact.follow_from_elsewhere": ("Von deiner Instanz aus folgen (Mastodon …)",
                                       "Follow from your instance (Mastodon …)"),
    "interact.attend_from_elsewhere": ("Von deiner Instanz aus teilnehmen",
                                       "Attend from your instance"),
    "interact.error.handle": ("Das ist keine Adresse wie name@beispiel.org.", "That is not an address like name@example.org."),
    "interact.error.unreachable": ("Dein Server antwortet gerade nicht.", "Your server does not answer right now."),
    "interact.error.no_interaction": ("Dein Server bietet keinen Weg dafür an. Suche dort nach der Adresse dieser Seite.",
                                      "Your server offers no way for this. Search for this page's address there."),
    "authorize.title": ("Von hier aus mitmachen", "Take part from here"),
    "authorize.about": ("Es geht um", "This is about"),
    "authorize.login": ("Anmelden, um fortzufahren", "Log in to continue"),
    "authorize.like": ("Gefällt mir", "Like"),
    # about
    "about.title": ("Über {name}", "About {name}"),
    "about.city": ("Die Instanz für {city}.", "The instance for {city}."),
    "about.fediverse": ("Sie ist Teil des Fediverse: Menschen auf Mastodon und anderen Servern können Ideen folgen, "
                        "sie unterstützen und kommentieren.",
                        "It is part of the fediverse: people on Mastodon and other servers can follow ideas, "
                        "support them and comment."),
    "about.registration.open": ("Jede:r kann ein Konto anlegen.", "Anyone can create an account."),
    "about.registration.invite": ("Neue Konten gibt es mit Einladung.", "New accounts are by invitation."),
    "about.registration.closed": ("Neue Konten werden derzeit nicht angelegt.", "New accounts are not being created at the moment."),
    "notifications.none": ("Keine Mitteilungen.", "No notifications."),
    # singular forms: used instead of the key without ".one" when n == 1
    "idea.supports_n.one": ("1 Unterstützung", "1 support"),
    "idea.shares_n.one": ("einmal geteilt", "shared once"),
    "idea.comments_n.one": ("1 Kommentar", "1 comment"),
    "event.attending_n.one": ("1 nimmt teil", "1 attending"),
    "event.places_left.one": ("1 Platz frei", "1 place left"),
    "market.results.one": ("1 Idee", "1 idea"),
}

_MONTHS = {
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}
_WEEKDAYS = {"de": ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."), "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}


def gettext(lang: str, key: str, **values) -> str:
    """The string for `key` in `lang` with {placeholders} filled (its ".one" form when n is 1); the key if missing."""
    entry = CATALOG.get(f"{key}.one") if values.get("n") == 1 else None
    entry = entry or CATALOG.get(key)
    if entry is None:
        return key
    text = entry[LANGUAGES.index(lang) if lang in LANGUAGES else 0]
    return text.format(**values) if values else text


def negotiate(header: str, default: str) -> str:
    """The first of our languages in an Accept-Language header, by its q weight; else `default`."""
    best, best_q = default, -1.0
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if primary in LANGUAGES and q > best_q:
            best, best_q = primary, q
    return best


def _lang() -> str:
    """The page's language (template filters run inside a request)."""
    return g.get("lang", "de")


def format_date(value, lang: str | None = None) -> str:
    """14. Mai 2026 / 14 May 2026, with the weekday for dates of the calendar."""
    lang = lang or _lang()
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    day = value if isinstance(value, date) else value.date()
    weekday = _WEEKDAYS[lang][day.weekday()]
    month = _MONTHS[lang][day.month - 1]
    return f"{weekday}, {day.day}. {month} {day.year}" if lang == "de" else f"{weekday} {day.day} {month} {day.year}"


def format_datetime(value, lang: str | None = None) -> str:
    lang = lang or _lang()
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    suffix = " Uhr" if lang == "de" else ""
    return f"{format_date(value, lang)}, {value.strftime('%H:%M')}{suffix}"


def format_number(value, lang: str | None = None) -> str:
    lang = lang or _lang()
    text = f"{int(value or 0):,}"
    return text.replace(",", ".") if lang == "de" else text
