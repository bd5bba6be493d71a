"""Form errors tied to their fields: the website's own checks (catalog keys) and the civic
functions' BadRequest messages (one text naming every problem, split at '; ')."""

from __future__ import annotations

import re

from wecreate_fed.errors import BadRequest

# A civic problem's text -> (field, catalog key). The first match wins; a problem that
# matches none is shown above the form as it was written.
_PROBLEMS = [
    (r"^(a )?title is required", "title", "form.required"),
    (r"^(a )?title is longer than (?P<limit>\d+)", "title", "form.too_long"),
    (r"^summary is longer than (?P<limit>\d+)", "summary", "form.too_long"),
    (r"^body is longer than (?P<limit>\d+)", "body", "form.too_long"),
    (r"^kind must be", "kind", "form.invalid_choice"),
    (r"^at least one district is required", "districts", "form.district_required"),
    (r"^at most (?P<limit>\d+) topics", "topics", "form.too_many_topics"),
    (r"^topics are single words", "topics", "form.topics_words"),
    (r"^image_url must be", "image_url", "form.url"),
    (r"^a reform proposal needs addressed_to", "addressed_to", "form.addressee_required"),
    (r"^addressed_to", "addressed_to", "form.addressee_unknown"),
    (r"^the description is longer than (?P<limit>\d+)", "description", "form.too_long"),
    (r"is not a time zone", "timezone", "form.timezone"),
    (r"^the start is", "starts_at", "form.datetime"),
    (r"^the end is", "ends_at", "form.datetime"),
    (r"^the event must end after it starts", "ends_at", "form.end_after_start"),
    (r"^place name is longer than (?P<limit>\d+)", "place_name", "form.too_long"),
    (r"^street is longer than (?P<limit>\d+)", "street", "form.too_long"),
    (r"^postal code is longer than (?P<limit>\d+)", "postal_code", "form.too_long"),
    (r"^locality is longer than (?P<limit>\d+)", "locality", "form.too_long"),
    (r"^the online link", "online_url", "form.url"),
    (r"^a place .* or an online link is required", "place_name", "form.place_required"),
    (r"^the capacity", "capacity", "form.capacity"),
    (r"^the status must be", "status", "form.invalid_choice"),
    (r"^the linked idea", "linked_idea", "form.linked_idea"),
    (r"^a comment needs text", "text", "form.required"),
    (r"^a comment is longer than (?P<limit>\d+)", "text", "form.too_long"),
    # boxes
    (r"^name is required", "name", "form.required"),
    (r"^slug must be", "slug", "form.slug_rules"),
    (r"^visibility must be", "visibility", "form.invalid_choice"),
    (r"^idea: no idea", "idea", "form.linked_idea"),
    (r"^a post needs text", "text", "form.required"),
    (r"^a post is longer than (?P<limit>\d+)", "text", "form.too_long"),
    # motions
    (r"^request is required", "request", "form.request_required"),
    (r"^request is longer than (?P<limit>\d+)", "request", "form.too_long"),
    (r"^reasoning is longer than (?P<limit>\d+)", "reasoning", "form.too_long"),
    (r"^required_cosigners must be", "required_cosigners", "form.cosigners_number"),
    (r"^council: cannot find", "council", "form.council_unknown"),
    (r"^council must be an organisation", "council", "form.council_organisation"),
    (r"^choose the council", "council", "form.council_required"),
    (r"^the motion needs (?P<needed>\d+) co-signers and has (?P<has>\d+)", "cosigners", "form.cosigners_missing"),
]
_PROBLEMS += [(rf"^{name} is longer than (?P<limit>\d+)", name, "form.too_long")
              for name in ("problem", "purpose", "goals", "skills_sought", "partners", "support_sought",
                           "meeting_time", "meeting_place", "meeting_event_ap_id")]


class FormError(BadRequest):
    """The website's own form checks: field -> catalog key (with values for its placeholders)."""

    def __init__(self, errors: dict[str, str], **values):
        super().__init__("; ".join(f"{field}: {key}" for field, key in errors.items()))
        self.errors = errors
        self.values = values


def field_errors(error: BadRequest, translate, districts_field: str = "districts") -> dict[str, str]:
    """Field -> message in the page's language; problems without a field go under '_form'."""
    if isinstance(error, FormError):
        return {field: translate(key, **error.values) for field, key in error.errors.items()}
    found: dict[str, str] = {}
    for problem in str(error).split("; "):
        for pattern, field, key in _PROBLEMS:
            match = re.search(pattern, problem)
            if match:
                values = {k: v for k, v in match.groupdict().items() if v is not None}
                found.setdefault(field, translate(key, **values))
                break
        else:
            if problem.startswith("unknown district"):
                found.setdefault(districts_field, translate("form.district_unknown"))
            else:
                found["_form"] = (found.get("_form", "") + " " + problem).strip()
    return found
