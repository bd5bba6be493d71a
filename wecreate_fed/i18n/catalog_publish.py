"""Texts of publishing an internal draft to the city's marketplace (web/publish_pages.py,
civic/orgs/publishing.py): {key: (German, English)}."""

TEXTS: dict[str, tuple[str, ...]] = {
    "publish.title": ("Auf dem Marktplatz der Stadt veröffentlichen", "Publish on the city's marketplace"),
    "publish.action": ("Auf dem Marktplatz der Stadt veröffentlichen", "Publish on the city's marketplace"),
    "publish.back_to_draft": ("Zurück zum Entwurf", "Back to the draft"),
    "publish.draft_of": ("Interner Entwurf von {org}", "Internal draft of {org}"),
    "publish.what_heading": ("Was dabei geschieht", "What happens"),
    "publish.what_copied": ("{org} veröffentlicht eine neue öffentliche Idee mit Titel, Kurzfassung, Text und Ort "
                            "dieses Entwurfs.",
                            "{org} publishes a new public idea with this draft's title, summary, text and place."),
    "publish.what_stays": ("Die interne Diskussion bleibt intern: Kommentare, Unterstützungen und der Entwurf "
                           "selbst werden nicht verlinkt und nicht weitergegeben.",
                           "The internal discussion stays internal: comments, supports and the draft itself are "
                           "neither linked nor passed on."),
    "publish.what_after": ("Unterstützung und Kommentare kommen danach von allen, wie bei jeder Idee auf dem "
                           "Marktplatz.",
                           "Supports and comments then come from everyone, as for any idea on the marketplace."),
    "publish.cities": ("Stadt-Instanzen, auf deren Marktplatz die Idee erscheint",
                       "City instances whose marketplace lists the idea"),
    "publish.no_cities": ("Auf der Liste der erlaubten Server steht noch keine Stadt-Instanz. Eine Administratorin "
                          "oder ein Administrator kann sie dort eintragen.",
                          "No city instance is on the list of allowed servers yet. An admin can add it there."),
    "publish.only_board": ("Nur der Vorstand und die Admins des Raums können diesen Entwurf veröffentlichen.",
                           "Only the board and the admins of the space can publish this draft."),
    "publish.published_heading": ("Veröffentlicht", "Published"),
    "publish.published_on": ("Am {date} als öffentliche Idee von {org} veröffentlicht.",
                             "Published on {date} as a public idea of {org}."),
    "publish.published_by": ("Veröffentlicht hat ihn {name}.", "Published by {name}."),
    "publish.public_deleted": ("Die öffentliche Idee wurde inzwischen gelöscht.",
                               "The public idea has since been deleted."),
    "publish.to_public_idea": ("Zur öffentlichen Idee", "To the public idea"),
    "publish.delivered_to": ("Zugestellt an:", "Delivered to:"),
    "publish.line_published": ("Dieser Entwurf ist auf dem Marktplatz veröffentlicht.",
                               "This draft is published on the marketplace."),
    "publish.done": ("Die Idee steht jetzt auf dem Marktplatz.", "The idea is on the marketplace now."),
    "form.publish_city_required": ("Wähle mindestens eine Stadt-Instanz.", "Choose at least one city instance."),
    "form.publish_city_unknown": ("{domain} steht nicht auf der Liste der erlaubten Server.",
                                  "{domain} is not on the list of allowed servers."),
    "form.publish_city_unreachable": ("{domain} ist gerade nicht als WeCreate-Stadt erreichbar. Versuch es später "
                                      "noch einmal.",
                                      "{domain} cannot be reached as a WeCreate city right now. Try again later."),
    "error.publish_not_draft": ("Nur ein interner Entwurf eines Organisationsraums wird auf dem Marktplatz "
                                "veröffentlicht.",
                                "Only an internal draft of an organisation space is published on the marketplace."),
    "error.publish_already": ("Dieser Entwurf ist schon veröffentlicht.", "This draft is published already."),
}
