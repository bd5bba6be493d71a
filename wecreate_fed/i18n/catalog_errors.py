"""The website's texts, the error pages: a heading for every status a person can meet, what
each of the server's own errors (no such address, wrong method, too large) means, and what is
missing when a page's object is not there.

`error.<status>` is a page's heading; `error.http_<status>` the text of the server's own errors
(werkzeug's English descriptions are never shown); `error.no_such_<kind>` and
`error.<kind>_deleted` the text of a generic "not found"/"gone" on a page of that kind.
"""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # headings of the statuses catalog_problems has none for
    "error.401": ("Bitte melde dich an", "Please log in"),
    "error.405": ("So geht das nicht", "Not like this"),
    "error.413": ("Zu groß", "Too large"),
    "error.415": ("Das Format passt nicht", "Wrong format"),
    "error.500": ("Ein Fehler auf unserer Seite", "An error on our side"),
    "error.502": ("Ein anderer Server antwortet nicht", "Another server does not answer"),
    "error.503": ("Gleich wieder da", "Back in a moment"),
    # the server's own errors
    "error.http_400": ("Die Anfrage war unvollständig oder fehlerhaft. Bitte lade die Seite neu und versuche es "
                       "noch einmal.", "The request was incomplete or malformed. Please reload the page and try "
                       "again."),
    "error.http_403": ("Das darfst du hier nicht.", "You may not do that here."),
    "error.http_409": ("Das passt gerade nicht zum Stand der Dinge. Bitte lade die Seite neu.",
                       "That does not fit how things stand now. Please reload the page."),
    "error.http_404": ("Diese Seite gibt es hier nicht. Vielleicht ist die Adresse falsch geschrieben, oder die "
                       "Seite wurde entfernt.", "There is no such page here. Perhaps the address is misspelt, or "
                       "the page was removed."),
    "error.http_405": ("Diese Adresse lässt sich so nicht aufrufen. Öffne sie bitte über einen Link oder ein "
                       "Formular dieser Seite.", "This address cannot be opened like this. Please open it through a "
                       "link or a form of this site."),
    "error.http_413": ("Das Hochgeladene ist zu groß: Höchstens {megabytes} MB gehen auf einmal.",
                       "What you sent is too large: at most {megabytes} MB at a time."),
    "error.http_415": ("Das Formular kam in einem Format, das wir nicht lesen können.",
                       "The form came in a format we cannot read."),
    "error.http_500": ("Dabei ist bei uns etwas schiefgegangen. Bitte versuche es später noch einmal.",
                       "Something went wrong on our side. Please try again later."),
    "error.http_other": ("Diese Anfrage können wir nicht beantworten.", "We cannot answer this request."),
    "error.unavailable": ("Der Server startet gerade neu. Bitte versuche es in einer Minute noch einmal.",
                          "The server is restarting. Please try again in a minute."),
    "error.fetch_failed": ("Der andere Server war nicht zu erreichen oder hat nicht verständlich geantwortet.",
                           "The other server could not be reached or gave no answer we understand."),
    # a page whose object is not here, by the kind of page
    "error.no_such_idea": ("Diese Idee gibt es hier nicht (oder nicht mehr).", "There is no such idea here (or no "
                           "longer)."),
    "error.no_such_event": ("Diesen Termin gibt es hier nicht (oder nicht mehr).",
                            "There is no such event here (or no longer)."),
    "error.no_such_person": ("Niemand hier hat diesen Namen.", "No one here has this name."),
    "error.no_such_district": ("Diesen Stadtbezirk gibt es hier nicht.", "There is no such district here."),
    "error.no_such_box": ("Diese Box gibt es hier nicht, oder sie ist nicht öffentlich.",
                          "There is no such box here, or it is not public."),
    "error.no_such_motion": ("Diesen Antrag gibt es hier nicht, oder er ist nicht öffentlich.",
                             "There is no such motion here, or it is not public."),
    "error.idea_deleted": ("Diese Idee wurde gelöscht.", "This idea was deleted."),
    "error.event_deleted": ("Dieser Termin wurde gelöscht.", "This event was deleted."),
    "error.motion_deleted": ("Dieser Antrag wurde gelöscht.", "This motion was deleted."),
    # what to do next
    "error.look_around": ("Auf der Startseite findest du alle Ideen, im Kalender die Termine.",
                          "The home page lists every idea, the calendar the events."),
    "error.events": ("Zu den Terminen", "To the events"),
    "error.status_code": ("Fehlercode {status}", "Error code {status}"),
    # the name of a query parameter an error names (field.<name>)
    "field.lang": ("Sprache", "Language"),
    "field.page": ("Seite", "Page"),
    "field.per_page": ("Ideen pro Seite", "Ideas per page"),
    "field.handle": ("Adresse im Fediverse", "Address in the fediverse"),
    # the box page's invitation form (at its field, instead of a notice after the redirect)
    "form.invite_whom": ("Wen möchtest du einladen? Einen Namen hier oder eine Adresse wie name@beispiel.org.",
                         "Whom would you like to invite? A name here or an address like name@example.org."),
    "form.invite_unknown": ("{handle} wurde nicht gefunden. Prüfe die Schreibweise, bei anderen Servern mit "
                            "@server.", "{handle} was not found. Check the spelling; on another server with "
                            "@server."),
}
