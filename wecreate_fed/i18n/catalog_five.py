"""Texts of the first five minutes: own ideas, motions' co-signers, other cities' labels, the
home page's figures, the folded filters and header, the districts' word (web/idea_pages.py and others)."""

TEXTS: dict[str, tuple[str, str]] = {
    # an author and their own idea
    "idea.own_idea": ("Das ist deine Idee – unterstützen können sie die anderen.",
                      "This is your idea – the others can support it."),
    "notice.own_idea": ("Deine eigene Idee kannst du nicht unterstützen.", "You cannot support your own idea."),
    "error.own_idea": ("Deine eigene Idee kannst du nicht unterstützen.", "You cannot support your own idea."),
    # the home page's figures: "Termine" counts the events that took place
    "impact.events_past": ("Stattgefundene Termine", "Events held"),
    # the remote-interaction pages name the object by its title; this where none is known here
    "interact.something_on": ("einen Beitrag auf {host}", "a post on {host}"),
}
