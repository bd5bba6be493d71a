"""Texts of the hashtag pages (web/tag_pages.py), link previews and the idea image's alt text."""

TEXTS: dict[str, tuple[str, str]] = {
    # the hashtag page /tags/<tag>
    "tags.description": ("Ideen und Termine zum Thema #{tag} in {city}.", "Ideas and events on #{tag} in {city}."),
    "tags.lead": ("{n} Ideen und Termine mit diesem Thema.", "{n} ideas and events with this topic."),
    "tags.lead.one": ("Eine Idee oder ein Termin mit diesem Thema.", "One idea or event with this topic."),
    "tags.feed": ("Als Feed abonnieren", "Subscribe as a feed"),
    "tags.event": ("Termin", "Event"),
    "tags.empty": ("Zu #{tag} gibt es noch nichts.", "There is nothing on #{tag} yet."),
    "error.tag_invalid": ("Ein Thema ist ein Wort aus Buchstaben, Ziffern und _ (höchstens 50 Zeichen).",
                          "A topic is one word of letters, digits and _ (at most 50 characters)."),
    # the home page's link preview when the instance has no description
    "og.home_description": ("Ideen, Unterstützung und Termine für {city}: Bürgerinnen und Bürger gestalten ihre Stadt.",
                            "Ideas, support and events for {city}: citizens shaping their city."),
    # the idea form: the picture's description
    "field.image_alt": ("Bildbeschreibung", "Picture description"),
    "idea_form.image_alt_hint": ("Nötig, wenn du ein Bild angibst: Was ist darauf zu sehen? Für Menschen, "
                                 "die das Bild nicht sehen können.",
                                 "Needed when you give a picture: what does it show? For people who cannot see it."),
    "form.image_type": ("Die Adresse muss auf ein Bild zeigen (.jpg, .png, .gif, .webp oder .avif).",
                        "The address must point to a picture (.jpg, .png, .gif, .webp or .avif)."),
    "form.language": ("Bitte gib eine Sprache wie de oder en an.", "Please give a language such as de or en."),
}
