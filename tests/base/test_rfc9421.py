"""RFC 9421 HTTP Message Signatures: the RFC's own test vectors (Appendix B.2), our signing,
and the forgeries a verifier must refuse (hmac, a key of the wrong type, unbound or stale
signatures, missing or wrong Content-Digest)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding
from werkzeug.datastructures import Headers

from wecreate_fed import signatures
from wecreate_fed.errors import SignatureError
from wecreate_fed.signatures import knock, rfc9421

# RFC 9421 Appendix B.1.2 and B.1.4 (test-key-rsa-pss, test-key-ed25519), public keys.
RSA_PSS_PUBLIC = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2
+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+
oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq
gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W
Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4
aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI
2wIDAQAB
-----END PUBLIC KEY-----
"""
ED25519_PUBLIC = """-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----
"""
ED25519_PRIVATE_D = "n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU"  # B.1.4, the JWK's "d"

# The request of Appendix B.2.
RFC_URL = "https://example.com/foo?param=Value&Pet=dog"
RFC_BODY = b'{"hello": "world"}'
RFC_HEADERS = Headers({
    "Host": "example.com", "Date": "Tue, 20 Apr 2021 02:07:55 GMT", "Content-Type": "application/json",
    "Content-Digest": "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHW"
                      "XvJwew==:",
    "Content-Length": "18",
})
RFC_CREATED = 1618884473
VECTORS = {
    # B.2.2: rsa-pss-sha512 (randomised: the RFC's own signature value is verified).
    "b22": ('sig-b22=("@authority" "content-digest");created=1618884473;keyid="test-key-rsa-pss"',
            "sig-b22=:Fee1uy9YGZq5UUwwYU6vz4dZNvfw3GYrFl1L6YlVIyUMuWswWDNSvql4dVtSeidYjYZUm7SBCENIb5KYy2ByoC3bI+7gyd"
            "d2i4OAT5lyDtmeapnAa8uP/b9xUpg+VSPElbBs6JWBIQsd+nMdHDe+ls/IwVMwXktC37SqsnbNyhNp6kcvcWpevjzFcD2VqdZleUz4"
            "jN7P+W5A3wHiMGfIjIWn36KXNB+RKyrlGnIS8yaBBrom5rcZWLrLbtg6VlrH1+/07RV+kgTh/l10h8qgpl9zQHu7mWbDKTq0tJ8K4y"
            "wcPoC4s2I4rU88jzDKDGdTTQFZoTVZxZmuTM1FvHfzIw==:", RSA_PSS_PUBLIC),
    # B.2.3: rsa-pss-sha512 over method, path, query, authority, headers and the digest.
    "b23": ('sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" '
            '"content-length");created=1618884473;keyid="test-key-rsa-pss"',
            "sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt683+qRpRRU5p2"
            "voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1pFkh/aYA2HXXZzNBXmI"
            "koQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8LZH896+QIF61ka39VBrohr9iyMUJpv"
            "RX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:", RSA_PSS_PUBLIC),
    # B.2.6: ed25519 (deterministic: we also reproduce it with the RFC's private key).
    "b26": ('sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;'
            'keyid="test-key-ed25519"',
            "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:",
            ED25519_PUBLIC),
}

URL = "https://leipzig.example/users/anna/inbox"
KEY_ID = "https://meissen.example/users/jonas#main-key"
BODY = json.dumps({"id": "https://meissen.example/1", "type": "Follow", "actor": "https://meissen.example/users/jonas",
                   "object": "https://leipzig.example/users/anna"}).encode()
SKEW = 3600


def public(pem: str):
    return serialization.load_pem_public_key(pem.encode())


def rfc_base(name: str) -> tuple[rfc9421.Signature, bytes]:
    signature_input, signature, _ = VECTORS[name]
    [sig] = rfc9421.parse(signature_input, signature)
    return sig, rfc9421.signature_base(sig.components, sig.serialized_params, method="POST", url=RFC_URL,
                                       headers=RFC_HEADERS)


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_the_rfc_vectors_verify(name):
    sig, base = rfc_base(name)
    rfc9421.verify_signature(public(VECTORS[name][2]), "rsa-pss-sha512" if name != "b26" else None, base,
                             sig.signature)
    # One changed byte of the base and it does not.
    with pytest.raises(SignatureError, match="does not verify"):
        rfc9421.verify_signature(public(VECTORS[name][2]), "rsa-pss-sha512" if name != "b26" else None,
                                 base.replace(b"example.com", b"example.org"), sig.signature)


def test_the_signature_base_is_the_rfcs_and_the_ed25519_vector_is_reproduced():
    _, base = rfc_base("b23")
    assert base.decode().splitlines() == [
        '"date": Tue, 20 Apr 2021 02:07:55 GMT', '"@method": POST', '"@path": /foo', '"@query": ?param=Value&Pet=dog',
        '"@authority": example.com', '"content-type": application/json',
        '"content-digest": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWX'
        'vJwew==:', '"content-length": 18',
        '"@signature-params": ("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" '
        '"content-length");created=1618884473;keyid="test-key-rsa-pss"']
    sig, base = rfc_base("b26")
    key = ed25519.Ed25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(ED25519_PRIVATE_D + "="))
    assert rfc9421.sign_base(key, base) == ("ed25519", sig.signature)
    rfc9421.check_content_digest(RFC_HEADERS["Content-Digest"], RFC_BODY)  # the RFC's sha-512 digest


def test_rsa_pss_is_verified_only_when_alg_names_it():
    sig, base = rfc_base("b22")
    # Without alg an RSA key means rsa-v1_5-sha256, which this PSS signature is not.
    with pytest.raises(SignatureError, match="does not verify"):
        rfc9421.verify_signature(public(RSA_PSS_PUBLIC), None, base, sig.signature)


def signed(private_pem: str, *, method: str = "POST", url: str = URL, body: bytes | None = BODY,
           now: float | None = None, **kwargs) -> Headers:
    return Headers(rfc9421.sign_request(method, url, key_id=KEY_ID, private_key=signatures.load_private_key(private_pem),
                                        body=body, date=signatures.http_date(now), now=now, **kwargs))


def verify(headers: Headers, public_pem: str, *, method: str = "POST", url: str = URL, body: bytes | None = BODY,
           now: float | None = None) -> None:
    [sig] = rfc9421.parse(headers.get("signature-input"), headers.get("signature"))
    rfc9421.verify_request(sig, method=method, url=url, headers=headers, body=body,
                           public_key=signatures.load_public_key(public_pem), max_skew=SKEW, now=now)


@pytest.fixture(scope="module")
def rsa_keys() -> tuple[str, str]:
    return signatures.generate_key_pair()


def test_our_rfc9421_post_and_get_verify(rsa_keys):
    private_pem, public_pem = rsa_keys
    headers = signed(private_pem)
    assert headers["Signature-Input"].startswith('sig1=("@method" "@target-uri" "@authority" "date" "content-digest")')
    assert 'alg="rsa-v1_5-sha256"' in headers["Signature-Input"]
    verify(headers, public_pem)
    get = signed(private_pem, method="GET", url=URL + "?page=true", body=None)
    verify(get, public_pem, method="GET", url=URL + "?page=true", body=None)
    # Bound to its target and method.
    with pytest.raises(SignatureError):
        verify(get, public_pem, method="GET", url=URL + "?page=2", body=None)
    with pytest.raises(SignatureError):
        verify(headers, public_pem, method="PUT")


def test_hmac_and_a_key_of_another_type_are_refused(rsa_keys):
    private_pem, public_pem = rsa_keys
    headers = signed(private_pem)
    # The classic confusion: hmac-sha256 keyed by the actor's *public* key.
    [sig] = rfc9421.parse(headers["Signature-Input"], headers["Signature"])
    forged_input = headers["Signature-Input"].replace('alg="rsa-v1_5-sha256"', 'alg="hmac-sha256"')
    [forged] = rfc9421.parse(forged_input, headers["Signature"])
    base = rfc9421.signature_base(forged.components, forged.serialized_params, method="POST", url=URL, headers=headers)
    mac = hmac.new(public_pem.encode(), base, hashlib.sha256).digest()
    attempt = Headers({**dict(headers), "Signature-Input": forged_input,
                       "Signature": f"sig1=:{base64.b64encode(mac).decode()}:"})
    with pytest.raises(SignatureError, match="hmac-sha256"):
        verify(attempt, public_pem)
    # An Ed25519 alg on an RSA key, and an RSA alg on an Ed25519 key.
    with pytest.raises(SignatureError, match="does not match"):
        verify(Headers({**dict(headers), "Signature-Input": forged_input.replace("hmac-sha256", "ed25519")}), public_pem)
    ed_key = ed25519.Ed25519PrivateKey.generate()
    ed_public = ed_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    with pytest.raises(SignatureError, match="does not match"):
        rfc9421.verify_signature(signatures.load_public_key(ed_public), "rsa-v1_5-sha256", base, sig.signature)


def test_ed25519_and_rsa_pss_senders_verify(rsa_keys):
    ed_key = ed25519.Ed25519PrivateKey.generate()
    ed_private = ed_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()).decode()
    ed_public = ed_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    headers = signed(ed_private)
    assert 'alg="ed25519"' in headers["Signature-Input"]
    verify(headers, ed_public)
    # rsa-pss-sha512 as another implementation would send it.
    private_pem, public_pem = rsa_keys
    created = int(time.time())
    params = f'("@method" "@target-uri" "content-digest");created={created};keyid="{KEY_ID}";alg="rsa-pss-sha512"'
    request = Headers({"Content-Digest": rfc9421.content_digest(BODY, "sha-512"), "Signature-Input": f"pss={params}"})
    [sig] = rfc9421.parse(request["Signature-Input"], "pss=:AA==:")
    base = rfc9421.signature_base(sig.components, sig.serialized_params, method="POST", url=URL, headers=request)
    value = signatures.load_private_key(private_pem).sign(
        base, padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64), hashes.SHA512())
    request["Signature"] = f"pss=:{base64.b64encode(value).decode()}:"
    verify(request, public_pem)


def test_unbound_signatures_are_refused(rsa_keys):
    private_pem, public_pem = rsa_keys
    cases = {
        "@method": ("@target-uri", "content-digest"),
        "@authority": ("@method", "@path", "content-digest"),
        "@path": ("@method", "@authority", "content-digest"),
        "content-digest": ("@method", "@target-uri"),
    }
    for missing, components in cases.items():
        headers = signed(private_pem, components=components)
        if missing == "content-digest":
            headers["Signature-Input"] = headers["Signature-Input"].replace(' "content-digest"', "")
        with pytest.raises(SignatureError, match=f"does not cover {missing}"):
            verify(headers, public_pem)
    # @path without @query on a URL with a query binds nothing of the query.
    url = URL + "?page=true"
    headers = signed(private_pem, method="GET", url=url, body=None, components=("@method", "@authority", "@path"))
    with pytest.raises(SignatureError, match="does not cover @query"):
        verify(headers, public_pem, method="GET", url=url, body=None)
    verify(signed(private_pem, method="GET", url=url, body=None,
                  components=("@method", "@authority", "@path", "@query")), public_pem, method="GET", url=url, body=None)


def test_content_digest_must_be_there_and_match(rsa_keys):
    private_pem, public_pem = rsa_keys
    headers = signed(private_pem)
    del headers["Content-Digest"]
    with pytest.raises(SignatureError, match="Content-Digest header is missing"):
        verify(headers, public_pem)
    headers = signed(private_pem)
    with pytest.raises(SignatureError, match="does not match the body"):
        verify(headers, public_pem, body=BODY + b" ")
    # A matching sha-256 beside a wrong sha-512 is still a mismatch; an unknown algorithm alone is not enough.
    with pytest.raises(SignatureError, match="does not match the body"):
        rfc9421.check_content_digest(rfc9421.content_digest(BODY) + ", " + rfc9421.content_digest(b"x", "sha-512"), BODY)
    with pytest.raises(SignatureError, match="no sha-256 or sha-512"):
        rfc9421.check_content_digest("md5=:AAAA:", BODY)
    with pytest.raises(SignatureError, match="not a byte sequence"):
        rfc9421.check_content_digest("sha-256=abc", BODY)
    with pytest.raises(SignatureError, match="structured field"):
        rfc9421.check_content_digest("sha-256=:AAAA", BODY)
    rfc9421.check_content_digest(rfc9421.content_digest(BODY, "sha-512"), BODY)


def test_the_time_window(rsa_keys):
    private_pem, public_pem = rsa_keys
    now = time.time()
    with pytest.raises(SignatureError, match="more than 3600 s ago"):
        verify(signed(private_pem, now=now - SKEW - 10), public_pem, now=now)
    with pytest.raises(SignatureError, match="in the future"):
        verify(signed(private_pem, now=now + SKEW + 10), public_pem, now=now)
    headers = signed(private_pem, now=now)
    headers["Signature-Input"] = headers["Signature-Input"].replace(";keyid", f";expires={int(now) - 5};keyid")
    with pytest.raises(SignatureError, match="expired"):
        verify(headers, public_pem, now=now)
    no_created = signed(private_pem, now=now)
    no_created["Signature-Input"] = no_created["Signature-Input"].replace(f";created={int(now)}", "")
    with pytest.raises(SignatureError, match="no created"):
        verify(no_created, public_pem, now=now)


@pytest.mark.parametrize("signature_input, signature", [
    ("sig1", "sig1=:AA==:"),                                            # not a list
    ('sig1=("@method" "@target-uri");created=1', "sig1=:AA==:"),        # no keyid
    ('sig1=("@method");keyid="k";created=-1', "sig1=:AA==:"),           # negative created
    ('sig1=("@method");keyid="k";created=1', "sig2=:AA==:"),            # no signature for the label
    ('sig1=("@method");keyid="k";created=1', 'sig1="text"'),            # not a byte sequence
    ('sig1=("@method" "@method");keyid="k";created=1', "sig1=:AA==:"),  # repeated component
    ('sig1=("@query-param";name="a");keyid="k";created=1', "sig1=:AA==:"),  # a component we do not support
    ('sig1=("@status");keyid="k";created=1', "sig1=:AA==:"),            # a response component
    ('sig1=(@method);keyid="k";created=1', "sig1=:AA==:"),              # a token, not a string
    ('sig1=("@method");keyid="k";created=1;alg=hmac', "sig1=:AA==:"),   # alg not a string
    ('sig1=("Date");keyid="k";created=1', "sig1=:AA==:"),               # not lower case
    ('sig1=("@method"', "sig1=:AA==:"),                                 # truncated
    ('sig1=("\u00e9");keyid="k";created=1', "sig1=:AA==:"),             # not ASCII
])
def test_malformed_headers_are_refused(signature_input, signature):
    with pytest.raises(SignatureError):
        rfc9421.parse(signature_input, signature)


def test_accept_signature_is_fulfilled_only_when_we_can(rsa_keys):
    private_pem, public_pem = rsa_keys
    key = signatures.load_private_key(private_pem)
    asked = 'sig2=("@method" "@target-uri" "content-digest");created;keyid="' + KEY_ID + '";nonce="n-1"'
    wanted = rfc9421.accepted(asked, key_id=KEY_ID, private_key=key, available={"content-digest"})
    assert wanted is not None
    assert (wanted["label"], wanted["components"]) == ("sig2", ("@method", "@target-uri", "content-digest"))
    headers = Headers(knock.sign("rfc9421", "POST", URL, key_id=KEY_ID, private_key_pem=private_pem, body=BODY,
                                 accept=wanted))
    assert headers["Signature-Input"].startswith('sig2=("@method" "@target-uri" "content-digest");nonce="n-1";')
    verify(headers, public_pem)
    # Another key, another algorithm, or a header we do not send: not something we can do.
    for other in ('sig2=("@method");keyid="https://elsewhere.example/key"', 'sig2=("@method");alg="ed25519"',
                  'sig2=("@method" "x-custom")', 'sig2=("@query-param";name="a")', "garbage((", None):
        assert rfc9421.accepted(other, key_id=KEY_ID, private_key=key, available={"content-digest"}) is None


def test_the_scheme_memory_forgets_after_its_time():
    memory = knock.SchemeMemory("rfc9421", max_age=0.05, size=2)
    assert memory.first == "rfc9421" and memory.get("a.example") is None
    memory.remember("a.example", "cavage")
    assert memory.get("a.example") == "cavage"
    memory.remember("b.example", "rfc9421")
    memory.remember("c.example", "rfc9421")  # over the size: the oldest goes
    assert memory.get("a.example") is None and memory.get("c.example") == "rfc9421"
    time.sleep(0.06)
    assert memory.get("c.example") is None
