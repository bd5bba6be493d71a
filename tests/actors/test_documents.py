"""Our actor documents as JSON-LD consumers read them: expanded offline with bundled contexts."""

from __future__ import annotations

import pytest

from actors import documents
from actors import local as local_actors
from wecreate_fed import config as config_module
from wecreate_fed import ld, store

AS = "https://www.w3.org/ns/activitystreams#"
SEC = "https://w3id.org/security#"
LDP_INBOX = "http://www.w3.org/ns/ldp#inbox"


@pytest.fixture
def leipzig_config(tmp_path):
    return config_module.from_dict({
        "instance": {"name": "WeCreate Leipzig", "base_url": "https://leipzig.example"},
        "city": {"name": "Leipzig"},
        "database": {"path": str(tmp_path / "leipzig.sqlite3")},
    })


@pytest.fixture
async def anna(leipzig_config):
    """A local person created the way `wecreate-fed user add` creates one."""
    db = await store.Database(leipzig_config.database_path).open()
    try:
        async with db.transaction() as conn:
            actor = await local_actors.create_account(conn, leipzig_config, username="anna", name="Anna Schulz")
    finally:
        await db.close()
    return actor


async def test_our_actor_document_expands_offline_to_activitystreams_and_security_iris(anna):
    document = documents.actor_document(anna)
    [expanded] = ld.expand(document)
    assert expanded["@id"] == anna.ap_id
    assert expanded["@type"] == [AS + "Person"]
    assert expanded[AS + "preferredUsername"] == [{"@value": "anna"}]
    assert expanded[LDP_INBOX] == [{"@id": anna.inbox_url}]
    assert expanded[AS + "endpoints"][0][AS + "sharedInbox"] == [{"@id": "https://leipzig.example/inbox"}]
    assert expanded[AS + "manuallyApprovesFollowers"] == [{"@value": False}]
    [key] = expanded[SEC + "publicKey"]
    assert key["@id"] == anna.key_id
    assert key[SEC + "owner"] == [{"@id": anna.ap_id}]
    assert key[SEC + "publicKeyPem"] == [{"@value": anna.public_key_pem}]


async def test_no_term_of_our_actor_document_is_dropped_by_expansion(anna):
    # JSON-LD silently drops terms no context defines; a consumer that expands would lose them
    document = documents.actor_document(anna)
    [expanded] = ld.expand(document)
    published_terms = len(document) - 1  # all but @context
    assert len(expanded) == published_terms, sorted(expanded)


async def test_our_actor_document_survives_compaction(anna):
    document = documents.actor_document(anna)
    compacted = ld.compact(document)
    assert compacted["publicKey"]["publicKeyPem"] == anna.public_key_pem
    assert compacted["inbox"] == anna.inbox_url
    assert compacted["discoverable"] is True


async def test_webfinger_names_the_actor_by_its_handle(leipzig_config, anna):
    jrd = documents.webfinger(leipzig_config, anna)
    assert jrd["subject"] == "acct:anna@leipzig.example"
    [self_link] = [link for link in jrd["links"] if link["rel"] == "self"]
    assert self_link == {"rel": "self", "type": "application/activity+json", "href": anna.ap_id}
