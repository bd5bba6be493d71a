"""Texts of the part "members" (issue 12): organisation spaces, their members and the members-only audience.
German first (du), then English; "key.one" is the singular of a text taking n."""

TEXTS: dict[str, tuple[str, ...]] = {
    # the audience of ideas and events
    "members.audience_label": ("Wer sieht das?", "Who sees this?"),
    "members.audience_hint": ("„Nur Mitglieder“ wird an keinen anderen Server geschickt und erscheint in keiner "
                              "öffentlichen Liste.",
                              "“Members only” is sent to no other server and shown in no public list."),
    "members.audience_all": ("Alle", "Everyone"),
    "members.audience_space": ("Nur Mitglieder von {name}", "Only members of {name}"),
    "members.audience_instance": ("Nur Konten dieser Instanz", "Only accounts of this instance"),
    "members.audience_fixed": ("Wer das sieht, wurde beim Veröffentlichen festgelegt: {audience}.",
                               "Who sees this was chosen when it was published: {audience}."),
    "members.badge": ("Nur für Mitglieder von {name} sichtbar", "Visible to members of {name} only"),
    "members.badge_instance": ("Nur für Konten dieser Instanz sichtbar", "Visible to accounts of this instance only"),
}
