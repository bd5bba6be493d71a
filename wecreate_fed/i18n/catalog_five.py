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
    # city.district_label: the word for the city's parts, in the forms the texts below take
    # ({Unit} starts a sentence or stands alone, {unit} inside one: German nouns are capitalised
    # anyway, so both languages' texts take the same placeholders)
    "district_label.Stadtbezirk.Unit": ("Stadtbezirk", "District"),
    "district_label.Stadtbezirk.unit": ("Stadtbezirk", "district"),
    "district_label.Stadtbezirk.Units": ("Stadtbezirke", "Districts"),
    "district_label.Stadtbezirk.units": ("Stadtbezirke", "districts"),
    "district_label.Stadtbezirk.unit_gen": ("Stadtbezirks", "district's"),
    "district_label.Stadtteil.Unit": ("Stadtteil", "Neighbourhood"),
    "district_label.Stadtteil.unit": ("Stadtteil", "neighbourhood"),
    "district_label.Stadtteil.Units": ("Stadtteile", "Neighbourhoods"),
    "district_label.Stadtteil.units": ("Stadtteile", "neighbourhoods"),
    "district_label.Stadtteil.unit_gen": ("Stadtteils", "neighbourhood's"),
    "district_label.Ortsteil.Unit": ("Ortsteil", "Locality"),
    "district_label.Ortsteil.unit": ("Ortsteil", "locality"),
    "district_label.Ortsteil.Units": ("Ortsteile", "Localities"),
    "district_label.Ortsteil.units": ("Ortsteile", "localities"),
    "district_label.Ortsteil.unit_gen": ("Ortsteils", "locality's"),
    # the texts that name districts, with the configured word (they replace nav.districts,
    # field.district(s), field.home_district, market.all_districts, districts.heading/lead/none,
    # district.ideas, district.follow, register.district_hint, settings.preferences)
    "place.unit": ("{Unit}", "{Unit}"),
    "place.units": ("{Units}", "{Units}"),
    "place.home_unit": ("Dein {unit}", "Your {unit}"),
    "place.all_units": ("Alle {units}", "All {units}"),
    "place.units_lead": ("Ideen und Termine in deiner Nähe: wähle einen {unit} von {city}.",
                         "Ideas and events near you: choose a {unit} of {city}."),
    "place.units_none": ("Für diese Stadt sind keine {units} eingerichtet.", "No {units} are set up for this city."),
    "place.unit_ideas": ("Ideen in diesem {unit}", "Ideas in this {unit}"),
    "place.unit_follow": ("{unit} folgen", "Follow the {unit}"),
    "place.home_unit_hint": ("Optional; zählt für die Zahlen deines {unit_gen}.",
                             "Optional; counts towards your {unit_gen} figures."),
    "place.language_and_unit": ("Sprache und {unit}", "Language and {unit}"),
    # ideas of another instance, by its city's name (they replace origin.from and origin.note there)
    "origin.from_place": ("aus {place}", "from {place}"),
    "origin.note_place": ("Diese Idee stammt aus {place}.", "This idea comes from {place}."),
    "origin.elsewhere": ("einer anderen Stadt", "another city"),
    # the header: a person's own links in one menu
    "nav.account_menu": ("Dein Konto", "Your account"),
    "nav.profile": ("Mein Profil", "My profile"),
    # the marketplace's filters, folded away behind one button
    "market.filter_button": ("Filtern und sortieren", "Filter and sort"),
    "market.filters_active": ("{n} aktiv", "{n} active"),
    "market.filters_active.one": ("{n} aktiv", "{n} active"),
}
