"""Consent to the instance's rules and its privacy policy: asked at registration (one checkbox
per document there is), recorded with the version agreed to, and asked once more of a person who
agreed to an earlier version (an interstitial page before the next page they open).

Accounts that never agreed to anything here (made with `wecreate-fed user add`, or before the
instance had rules or a privacy policy) are not stopped: the person who made them vouches.
"""

from __future__ import annotations

from quart import g, redirect, request, url_for

from wecreate_fed import legal
from wecreate_fed.errors import Problems
from wecreate_fed.moderation import rules
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import legal as legal_store

DOCUMENTS = (legal.RULES, legal.PRIVACY)
FIELDS = {document: f"consent_{document}" for document in DOCUMENTS}
# Pages a person may open before agreeing again: the documents themselves, and the way out.
OPEN_ENDPOINTS = frozenset({"legal.consent_form", "legal.consent_agree", "legal.imprint", "legal.privacy",
                            "profiles.about", "auth.logout", "auth.language", "auth.language_link", "static"})


async def current_versions(rt: Runtime) -> dict[str, str]:
    """document -> its version now, for the documents this instance has."""
    versions = {}
    rules_version = await rules.version(rt.db.reader)
    if rules_version:
        versions[legal.RULES] = rules_version
    policy = legal.privacy(rt.config)
    if policy is not None:
        versions[legal.PRIVACY] = policy.version
    return versions


async def given(rt: Runtime, form: dict) -> tuple[dict[str, str], Problems]:
    """The consents a registration form gives (document -> version), and a problem for every box
    not ticked (raised by civic.accounts.register with the form's other problems).

    The form carries the versions it showed: if a document changed meanwhile, the person is asked to
    read it again rather than recorded as agreeing to a text they did not see."""
    versions = await current_versions(rt)
    problems = Problems()
    for document, version in versions.items():
        field = FIELDS[document]
        if form.get(field) != "yes":
            problems.add(field, "consent_required", f"agreeing to the {document} is required to register")
        elif form.get(f"{document}_version", version) != version:
            problems.add(field, "consent_changed", f"the {document} changed while the form was open; read them again")
    return versions, problems


async def outdated(rt: Runtime, actor_id: int) -> dict[str, str]:
    """The documents a person agreed to in an earlier version (or not yet, having agreed to others)."""
    agreed = await legal_store.consents(rt.db.reader, actor_id)
    if not agreed:
        return {}
    return {document: version for document, version in (await current_versions(rt)).items()
            if agreed.get(document) != version}


async def gate(rt: Runtime):
    """before_request: a logged-in person with an outdated consent is sent to agree again (GET pages only)."""
    viewer = g.get("viewer")
    if viewer is None or request.method != "GET" or request.endpoint in OPEN_ENDPOINTS:
        return None
    if not await outdated(rt, viewer.actor.id):
        return None
    return redirect(url_for("legal.consent_form", next=request.full_path), 303)


async def agree(rt: Runtime, actor_id: int, form: dict) -> None:
    """The interstitial's form: every outdated document must be ticked; recorded in one transaction."""
    versions = await outdated(rt, actor_id)
    problems = Problems()
    for document, version in versions.items():
        if form.get(FIELDS[document]) != "yes":
            problems.add(FIELDS[document], "consent_required", f"agreeing to the {document} is required")
        elif form.get(f"{document}_version", version) != version:
            problems.add(FIELDS[document], "consent_changed", f"the {document} changed; read them again")
    problems.raise_if_any()
    async with rt.db.transaction() as conn:
        for document, version in versions.items():
            await legal_store.record_consent(conn, actor_id, document, version)


async def form_context(rt: Runtime) -> dict:
    """What a form asking for consent shows: the rules in force, whether there is a privacy policy, the versions."""
    return {"rules": await legal_store.rules(rt.db.reader), "versions": await current_versions(rt),
            "has_privacy": legal.privacy(rt.config) is not None}
