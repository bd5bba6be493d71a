"""Object proofs (FEP-8b32, eddsa-jcs-2022) and LD signatures (RsaSignature2017), offline.

The eddsa-jcs-2022 vectors are published ones: the W3C Data Integrity EdDSA specification's
(its test key, the Alumni credential) and FEP-8b32's first version (proof options hashed
without @context, as Mitra then made them).
"""

import copy
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from actors import documents
from actors.local import create_account
from tests.conftest import instance_config
from wecreate_fed import ld, signatures, urls
from wecreate_fed.errors import SignatureError
from wecreate_fed.signatures import ld as ld_signatures
from wecreate_fed.signatures import proofs
from wecreate_fed.store import Database, proof_keys

W3C_PUBLIC_KEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
W3C_SECRET_KEY = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"  # multicodec 0x8026 + the 32-byte seed
W3C_SIGNED = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33", "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential", "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678", "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    "proof": {
        "type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022", "created": "2023-02-24T23:36:38Z",
        "verificationMethod": f"did:key:{W3C_PUBLIC_KEY}#{W3C_PUBLIC_KEY}", "proofPurpose": "assertionMethod",
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "proofValue": "z2HnFSSPPBzR36zdDgK8PbEHeXbR56YF24jwMpt3R1eHXQzJDMWS93FCzpvJpwTWd3GAVFuUfjoJdcnTMuVor51aX",
    },
}
FEP_8B32_V1_SIGNED = {
    "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/data-integrity/v1"],
    "type": "Create", "actor": "https://server.example/users/alice",
    "object": {"type": "Note", "content": "Hello world"},
    "proof": {
        "type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022",
        "verificationMethod": "https://server.example/users/alice#ed25519-key", "proofPurpose": "assertionMethod",
        "proofValue": "z3sXaxjKs4M3BRicwWA9peyNPJvJqxtGsDmpt1jjoHCjgeUf71TRFz56osPSfDErszyLp5Ks1EhYSgpDaNM977Rg2",
        "created": "2023-02-24T23:36:38Z",
    },
}


def w3c_private_pem() -> str:
    seed = proofs.base58btc_decode(W3C_SECRET_KEY[1:])[2:]
    key = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def paths(value, prefix=()):
    """Every leaf of a JSON value, as a path of keys and indexes."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))
    else:
        yield prefix


def mutated(document, path):
    changed = copy.deepcopy(document)
    target = changed
    for step in path[:-1]:
        target = target[step]
    old = target[path[-1]]
    target[path[-1]] = (old + "x") if isinstance(old, str) else (not old if isinstance(old, bool) else "x")
    return changed


@pytest.mark.parametrize("signed", [W3C_SIGNED, FEP_8B32_V1_SIGNED], ids=["w3c-vc-di-eddsa", "fep-8b32-v1"])
def test_published_eddsa_jcs_2022_vectors_verify_and_any_change_breaks_them(signed):
    key = proofs.public_key_from_multibase(W3C_PUBLIC_KEY)
    proofs.verify(signed, proofs.proof_of(signed), key)
    for path in paths({k: v for k, v in signed.items() if k != "proof"}):
        changed = mutated(signed, path)
        with pytest.raises(SignatureError):
            proofs.verify(changed, proofs.proof_of(changed), key)
    for name in ("created", "verificationMethod", "proofValue"):
        changed = mutated(signed, ("proof", name))
        with pytest.raises(SignatureError):
            proofs.verify(changed, proofs.proof_of(changed), key)


def test_we_sign_the_w3c_vector_byte_for_byte_and_derive_its_multikey():
    private_pem = w3c_private_pem()
    public = signatures.load_private_key(private_pem).public_key()
    assert proofs.multibase_of(public) == W3C_PUBLIC_KEY
    unsigned = {k: v for k, v in W3C_SIGNED.items() if k != "proof"}
    ours = proofs.sign(unsigned, private_key_pem=private_pem, verification_method=W3C_SIGNED["proof"]["verificationMethod"],
                       created="2023-02-24T23:36:38Z", add_context=False)  # credentials/v2 defines `proof`
    # Our proof omits the optional copy of @context; the bytes signed are the same, and Ed25519 is deterministic
    assert ours["proof"]["proofValue"] == W3C_SIGNED["proof"]["proofValue"]


def test_our_proof_survives_the_wire_and_breaks_on_any_change():
    private_pem, multibase = proofs.generate_key_pair()
    activity = {"@context": ld.default_context(), "id": "https://a.example/activities/1", "type": "Create",
                "actor": "https://a.example/users/anna", "to": [ld.PUBLIC],
                "object": {"id": "https://a.example/objects/1", "type": "Note", "content": "<p>Grüße 🌳</p>",
                           "attributedTo": "https://a.example/users/anna", "tag": [{"type": "Hashtag", "name": "#x"}]}}
    signed = proofs.sign(activity, private_key_pem=private_pem, verification_method="https://a.example/users/anna#ed25519-key")
    assert signed["@context"][-1] == proofs.DATA_INTEGRITY_CONTEXT  # so JSON-LD readers (Fedify) see `proof`
    wire = json.loads(json.dumps(signed, indent=2))  # re-serialised: JCS makes that irrelevant
    key = proofs.public_key_from_multibase(multibase)
    proofs.verify(wire, proofs.proof_of(wire), key)
    for path in paths(wire):
        if path[0] == "proof" and path[1] in ("type", "cryptosuite", "proofPurpose"):
            continue  # those make it no proof of ours, or a refused one (below)
        changed = mutated(wire, path)
        with pytest.raises(SignatureError):
            proofs.verify(changed, proofs.proof_of(changed), key)
    with pytest.raises(SignatureError, match="purpose"):
        proofs.proof_of(mutated(wire, ("proof", "proofPurpose")))
    # Another key does not verify it
    with pytest.raises(SignatureError):
        proofs.verify(wire, proofs.proof_of(wire), ed25519.Ed25519PrivateKey.generate().public_key())


def test_malformed_proofs_and_keys_are_refused_with_a_reason():
    private_pem, _ = proofs.generate_key_pair()
    signed = proofs.sign({"@context": ld.AS_CONTEXT, "type": "Note"}, private_key_pem=private_pem,
                         verification_method="https://a.example/k")
    assert proofs.proof_of({"type": "Note"}) is None
    assert proofs.proof_of({"type": "Note", "proof": {"type": "DataIntegrityProof", "cryptosuite": "other"}}) is None
    for broken in ({"proofValue": "0abc"}, {"proofValue": "zI0O"}, {"created": 5}, {"verificationMethod": None}):
        with pytest.raises(SignatureError):
            proofs.proof_of({**signed, "proof": {**signed["proof"], **broken}})
    with pytest.raises(SignatureError, match="more than one"):
        proofs.proof_of({**signed, "proof": [signed["proof"], signed["proof"]]})
    for bad_key in ("abc", "z111", "z" + proofs.base58btc_encode(b"\x12\x00" + bytes(32)), 5):
        with pytest.raises(SignatureError):
            proofs.public_key_from_multibase(bad_key)
    with pytest.raises(SignatureError, match="JCS"):
        proofs.verify({**signed, "n": 2 ** 60}, proofs.proof_of(signed), ed25519.Ed25519PrivateKey.generate().public_key())


def test_an_ld_signature_verifies_and_any_change_breaks_it():
    private_pem, public_pem = signatures.generate_key_pair()
    activity = {"@context": [ld.AS_CONTEXT, ld.SECURITY_CONTEXT], "id": "https://m.example/users/jonas/statuses/1/activity",
                "type": "Create", "actor": "https://m.example/users/jonas", "to": [ld.PUBLIC],
                "object": {"id": "https://m.example/users/jonas/statuses/1", "type": "Note", "content": "<p>Hallo</p>",
                           "attributedTo": "https://m.example/users/jonas", "inReplyTo": "https://a.example/objects/1"}}
    signed = ld_signatures.sign(activity, key_id="https://m.example/users/jonas#main-key", private_key_pem=private_pem)
    assert signed["signature"]["type"] == "RsaSignature2017"
    ld_signatures.verify(json.loads(json.dumps(signed)), public_key_pem=public_pem)
    for path in paths(signed):
        if path[0] == "@context" or path[-1] == "type" and path[0] == "signature":
            continue  # a context we do not ship is refused below; another type is not ours
        with pytest.raises(SignatureError):
            ld_signatures.verify(mutated(signed, path), public_key_pem=public_pem)
    with pytest.raises(SignatureError):
        ld_signatures.verify(signed, public_key_pem=signatures.generate_key_pair()[1])


def test_an_ld_signature_never_fetches_a_context():
    private_pem, public_pem = signatures.generate_key_pair()
    document = {"@context": [ld.AS_CONTEXT, "https://evil.example/context.jsonld"], "type": "Note", "content": "x"}
    with pytest.raises(SignatureError, match="not bundled"):
        ld_signatures.sign(document, key_id="https://m.example/k", private_key_pem=private_pem)


async def test_our_actor_document_lists_the_proof_key_as_a_multikey_assertion_method(tmp_path):
    config = instance_config(tmp_path, "leipzig", 8000)
    db = await Database(config.database_path).open()
    try:
        async with db.transaction() as conn:
            anna = await create_account(conn, config, username="anna")
            document = await documents.local_actor_document(conn, anna)
            private_pem, multibase = await proof_keys.get_proof_key(conn, anna.id)
    finally:
        await db.close()
    [method] = document["assertionMethod"]
    assert method == {"id": urls.proof_key_id(anna.ap_id), "type": "Multikey", "controller": anna.ap_id,
                      "publicKeyMultibase": multibase}
    assert document["publicKey"]["publicKeyPem"] == anna.public_key_pem  # RSA stays for HTTP signatures
    assert proofs.multibase_of(signatures.load_private_key(private_pem).public_key()) == multibase
    # JSON-LD readers (Fedify) understand it: assertionMethod and Multikey expand to their IRIs, offline
    [expanded] = ld.expand(document)
    [key] = expanded["https://w3id.org/security#assertionMethod"]
    assert key["@type"] == ["https://w3id.org/security#Multikey"]
    assert key["https://w3id.org/security#publicKeyMultibase"][0]["@value"] == multibase
