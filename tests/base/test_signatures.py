"""HTTP Signatures (draft-cavage-12) as Mastodon signs them, checked against httpsig 1.3.0.

httpsig is an independent implementation: it signs requests we must accept, verifies the
requests we sign, and shows the hole we close (it trusts the sender's `algorithm`, so an
hmac-sha256 "signature" keyed by the actor's public key passes there).
"""

from __future__ import annotations

import base64
import json
import random
import time

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from httpsig.sign import HeaderSigner
from httpsig.verify import HeaderVerifier
from werkzeug.datastructures import Headers

from wecreate_fed import signatures
from wecreate_fed.errors import SignatureError

INBOX_URL = "https://leipzig.example/users/anna/inbox"
INBOX_PATH = "/users/anna/inbox"
KEY_ID = "https://meissen.example/users/jonas#main-key"
POST_HEADERS = ["(request-target)", "host", "date", "digest"]
SKEW = 3600
# A Follow as Mastodon 4.x sends it.
FOLLOW = json.dumps({
    "@context": "https://www.w3.org/ns/activitystreams",
    "id": "https://meissen.example/users/jonas#follows/1",
    "type": "Follow",
    "actor": "https://meissen.example/users/jonas",
    "object": "https://leipzig.example/users/anna",
}).encode()


@pytest.fixture(scope="module")
def rsa_keys() -> tuple[str, str]:
    return signatures.generate_key_pair()


@pytest.fixture(scope="module")
def ed25519_keys() -> tuple[ed25519.Ed25519PrivateKey, str]:
    key = ed25519.Ed25519PrivateKey.generate()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return key, public_pem


def verify(headers: dict, public_pem: str, *, method: str = "POST", target: str = INBOX_PATH,
           body: bytes | None = FOLLOW, now: float | None = None) -> None:
    """What the inbox does with a request: parse its Signature header and verify it."""
    request_headers = Headers(headers)  # the case-insensitive type Quart hands the inbox
    params = signatures.parse_signature_header(request_headers.get("signature"))
    signatures.verify_request(params, method=method, target=target, headers=request_headers, body=body,
                              public_key_pem=public_pem, max_skew=SKEW, now=now)


def cavage_sign(private_key, signature_params: str, lines: list[str]) -> str:
    """A Signature header built by hand, independently of the code under test."""
    data = "\n".join(lines).encode()
    if isinstance(private_key, rsa.RSAPrivateKey):
        raw = private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    else:
        raw = private_key.sign(data)
    return f'keyId="{KEY_ID}",{signature_params},signature="{base64.b64encode(raw).decode()}"'


def mastodon_headers(now: float, body: bytes = FOLLOW) -> dict:
    return {"Host": "leipzig.example", "Date": signatures.http_date(now), "Digest": signatures.digest_header(body),
            "Content-Type": "application/activity+json"}


def signing_lines(headers: dict, names: list[str], method: str = "post", target: str = INBOX_PATH) -> list[str]:
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {method} {target}")
        else:
            lines.append(f"{name}: {headers[name.title()]}")
    return lines


def httpsig_verifies(headers: dict, public_pem: str, *, path: str = INBOX_PATH) -> bool:
    verifier = HeaderVerifier(headers, public_pem, required_headers=POST_HEADERS, method="POST",
                              path=path, sign_header="signature")
    return verifier.verify()


# --- our signer and verifier -------------------------------------------------

def test_signed_post_verifies_and_any_change_breaks_it(rsa_keys):
    private_pem, public_pem = rsa_keys
    # Given a Follow signed for Anna's inbox
    headers = signatures.sign_request("POST", INBOX_URL, key_id=KEY_ID, private_key_pem=private_pem, body=FOLLOW)
    assert 'headers="(request-target) host date digest"' in headers["Signature"]
    # Then it verifies as sent
    verify(headers, public_pem)
    # But not at another inbox, nor with another body
    with pytest.raises(SignatureError, match="does not verify"):
        verify(headers, public_pem, target="/users/bert/inbox")
    with pytest.raises(SignatureError, match="Digest does not match"):
        verify(headers, public_pem, body=FOLLOW.replace(b"Follow", b"Block!"))
    # Nor when the Digest is replaced to match a swapped body: the signature covers it
    swapped = FOLLOW.replace(b"Follow", b"Block!")
    with pytest.raises(SignatureError, match="does not verify"):
        verify({**headers, "Digest": signatures.digest_header(swapped)}, public_pem, body=swapped)


def test_signed_get_with_query_verifies(rsa_keys):
    private_pem, public_pem = rsa_keys
    url = "https://leipzig.example/users/anna/outbox?page=true"
    headers = signatures.sign_request("GET", url, key_id=KEY_ID, private_key_pem=private_pem)
    assert "Digest" not in headers
    verify(headers, public_pem, method="GET", target="/users/anna/outbox?page=true", body=None)
    with pytest.raises(SignatureError, match="does not verify"):
        verify(headers, public_pem, method="GET", target="/users/anna/outbox", body=None)


def test_a_signature_by_another_key_is_refused(rsa_keys):
    _, public_pem = rsa_keys
    other_private, _ = signatures.generate_key_pair()
    headers = signatures.sign_request("POST", INBOX_URL, key_id=KEY_ID, private_key_pem=other_private, body=FOLLOW)
    with pytest.raises(SignatureError, match="does not verify with the actor's key"):
        verify(headers, public_pem)


# --- httpsig 1.3.0 as an independent cross-check ------------------------------

def test_request_signed_by_httpsig_verifies_here(rsa_keys):
    private_pem, public_pem = rsa_keys
    # Given a request signed by httpsig the way Mastodon signs deliveries
    signer = HeaderSigner(KEY_ID, private_pem, algorithm="rsa-sha256", headers=POST_HEADERS,
                          sign_header="signature")
    headers = dict(signer.sign(mastodon_headers(time.time()), method="POST", path=INBOX_PATH))
    # Then our verifier accepts it, for that inbox only
    verify(headers, public_pem)
    with pytest.raises(SignatureError):
        verify(headers, public_pem, target="/inbox")


def test_request_signed_here_verifies_with_httpsig(rsa_keys):
    private_pem, public_pem = rsa_keys
    headers = signatures.sign_request("POST", INBOX_URL, key_id=KEY_ID, private_key_pem=private_pem, body=FOLLOW)
    assert httpsig_verifies(headers, public_pem) is True
    assert httpsig_verifies(headers, public_pem, path="/inbox") is False


def test_hmac_forgery_keyed_by_the_public_key_passes_httpsig_but_not_us(rsa_keys):
    _, public_pem = rsa_keys
    # Given an attacker who knows only Jonas's public key (it is in his actor document)
    forger = HeaderSigner(KEY_ID, public_pem, algorithm="hmac-sha256", headers=POST_HEADERS,
                          sign_header="signature")
    forged = dict(forger.sign(mastodon_headers(time.time()), method="POST", path=INBOX_PATH))
    assert 'algorithm="hmac-sha256"' in forged["signature"]
    # Then httpsig, trusting the header's algorithm, accepts the forgery as Jonas
    assert httpsig_verifies(forged, public_pem) is True
    # And we refuse it: the key is RSA, so only RSA signatures count
    with pytest.raises(SignatureError, match="'hmac-sha256' does not match the actor's rsa key"):
        verify(forged, public_pem)
    # Also when the forger leaves `algorithm` out, hoping we guess from the header
    without_algorithm = {**forged, "signature": forged["signature"].replace('algorithm="hmac-sha256",', "")}
    assert "algorithm" not in without_algorithm["signature"]
    with pytest.raises(SignatureError, match="does not verify"):
        verify(without_algorithm, public_pem)


@pytest.mark.parametrize("algorithm_param", ['algorithm="hs2019",', 'algorithm="RSA-SHA256",', ""],
                         ids=["hs2019", "upper-case name", "no algorithm"])
def test_rsa_signatures_are_accepted_under_hs2019_or_without_algorithm(rsa_keys, algorithm_param):
    private_pem, public_pem = rsa_keys
    key = signatures.load_private_key(private_pem)
    headers = mastodon_headers(time.time())
    headers["Signature"] = cavage_sign(key, f'{algorithm_param}headers="{" ".join(POST_HEADERS)}"',
                                       signing_lines(headers, POST_HEADERS))
    verify(headers, public_pem)


# --- time, digest and coverage ------------------------------------------------

def test_date_outside_the_skew_window_is_refused_as_replay(rsa_keys):
    private_pem, public_pem = rsa_keys
    now = time.time()
    # A signature from 59 minutes ago is still fine (clocks drift, queues back up)
    recent = signatures.sign_request("POST", INBOX_URL, key_id=KEY_ID, private_key_pem=private_pem,
                                     body=FOLLOW, now=now - SKEW + 60)
    verify(recent, public_pem, now=now)
    # One from 61 minutes ago, or from 61 minutes in the future, is refused
    for sent in (now - SKEW - 60, now + SKEW + 60):
        old = signatures.sign_request("POST", INBOX_URL, key_id=KEY_ID, private_key_pem=private_pem,
                                      body=FOLLOW, now=sent)
        with pytest.raises(SignatureError, match="replay"):
            verify(old, public_pem, now=now)


def test_unreadable_date_is_refused(rsa_keys):
    private_pem, public_pem = rsa_keys
    key = signatures.load_private_key(private_pem)
    headers = {**mastodon_headers(time.time()), "Date": "yesterday-ish"}
    headers["Signature"] = cavage_sign(key, f'algorithm="rsa-sha256",headers="{" ".join(POST_HEADERS)}"',
                                       signing_lines(headers, POST_HEADERS))
    with pytest.raises(SignatureError, match="Date header cannot be read"):
        verify(headers, public_pem)


class TestCreatedAndExpires:
    """hs2019 signatures may carry (created)/(expires) instead of Date."""

    names = ["(request-target)", "host", "(created)", "(expires)", "digest"]

    def signed(self, private_pem: str, created: int, expires: int, *, give: str = "both") -> dict:
        headers = mastodon_headers(time.time())
        del headers["Date"]
        lines = [f"(request-target): post {INBOX_PATH}", "host: leipzig.example", f"(created): {created}",
                 f"(expires): {expires}", f"digest: {headers['Digest']}"]
        extra = {"both": f"created={created},expires={expires},", "created": f"created={created},",
                 "expires": f"expires={expires},"}[give]
        headers["Signature"] = cavage_sign(signatures.load_private_key(private_pem),
                                           f'algorithm="hs2019",{extra}headers="{" ".join(self.names)}"', lines)
        return headers

    def test_fresh_created_and_future_expires_verify(self, rsa_keys):
        private_pem, public_pem = rsa_keys
        now = int(time.time())
        verify(self.signed(private_pem, now - 5, now + 300), public_pem, now=now)

    @pytest.mark.parametrize("created_offset, expires_offset, reason", [
        (-SKEW - 10, 300, "created more than"),
        (SKEW + 10, SKEW + 300, "created in the future"),
        (-60, -1, "expired"),
    ])
    def test_stale_future_or_expired_signatures_are_refused(self, rsa_keys, created_offset, expires_offset, reason):
        private_pem, public_pem = rsa_keys
        now = int(time.time())
        headers = self.signed(private_pem, now + created_offset, now + expires_offset)
        with pytest.raises(SignatureError, match=reason):
            verify(headers, public_pem, now=now)

    def test_signed_created_must_be_given(self, rsa_keys):
        private_pem, public_pem = rsa_keys
        now = int(time.time())
        with pytest.raises(SignatureError, match=r"\(created\) is signed but not given"):
            verify(self.signed(private_pem, now, now + 300, give="expires"), public_pem, now=now)
        with pytest.raises(SignatureError, match=r"\(expires\) is signed but not given"):
            verify(self.signed(private_pem, now, now + 300, give="created"), public_pem, now=now)


def test_digest_mismatch_and_missing_sha256_are_refused(rsa_keys):
    private_pem, public_pem = rsa_keys
    key = signatures.load_private_key(private_pem)
    # The signature is valid for the Digest header, but the Digest lies about the body
    headers = {**mastodon_headers(time.time()), "Digest": signatures.digest_header(b"{}")}
    headers["Signature"] = cavage_sign(key, f'headers="{" ".join(POST_HEADERS)}"', signing_lines(headers, POST_HEADERS))
    with pytest.raises(SignatureError, match="Digest does not match the body"):
        verify(headers, public_pem)
    # A Digest with only another algorithm proves nothing about the body
    headers = {**mastodon_headers(time.time()), "Digest": "SHA-512=" + base64.b64encode(b"x" * 64).decode()}
    headers["Signature"] = cavage_sign(key, f'headers="{" ".join(POST_HEADERS)}"', signing_lines(headers, POST_HEADERS))
    with pytest.raises(SignatureError, match="no SHA-256"):
        verify(headers, public_pem)
    # Several algorithms are fine when the SHA-256 one matches (RFC 3230 allows a list)
    listed = "SHA-512=" + base64.b64encode(b"x" * 64).decode() + ", " + signatures.digest_header(FOLLOW)
    headers = {**mastodon_headers(time.time()), "Digest": listed}
    headers["Signature"] = cavage_sign(key, f'headers="{" ".join(POST_HEADERS)}"', signing_lines(headers, POST_HEADERS))
    verify(headers, public_pem)


@pytest.mark.parametrize("signed_names, method, body, missing", [
    (["(request-target)", "host", "date"], "post", FOLLOW, "digest"),
    (["host", "date", "digest"], "post", FOLLOW, r"\(request-target\)"),
    (["(request-target)", "date", "digest"], "post", FOLLOW, "host"),
    (["(request-target)", "host", "digest"], "post", FOLLOW, "date"),
    (["date"], "get", None, r"\(request-target\), host"),
])
def test_signatures_that_do_not_cover_what_matters_are_refused(rsa_keys, signed_names, method, body, missing):
    private_pem, public_pem = rsa_keys
    # Signed by httpsig over too few headers: a valid signature, but of too little
    signer = HeaderSigner(KEY_ID, private_pem, algorithm="rsa-sha256", headers=signed_names, sign_header="signature")
    headers = dict(signer.sign(mastodon_headers(time.time()), method=method.upper(), path=INBOX_PATH))
    with pytest.raises(SignatureError, match=f"does not cover {missing}"):
        verify(headers, public_pem, method=method.upper(), body=body)


def test_a_signed_header_absent_from_the_request_is_refused(rsa_keys):
    private_pem, public_pem = rsa_keys
    names = POST_HEADERS + ["content-type"]
    signer = HeaderSigner(KEY_ID, private_pem, algorithm="rsa-sha256", headers=names, sign_header="signature")
    headers = dict(signer.sign(mastodon_headers(time.time()), method="POST", path=INBOX_PATH))
    verify(headers, public_pem)
    headers = {name: value for name, value in headers.items() if name.lower() != "content-type"}
    with pytest.raises(SignatureError, match="'content-type' is missing"):
        verify(headers, public_pem)


# --- Ed25519 keys --------------------------------------------------------------

@pytest.mark.parametrize("algorithm_param", ['algorithm="ed25519",', 'algorithm="hs2019",', ""])
def test_ed25519_signatures_verify(ed25519_keys, algorithm_param):
    private_key, public_pem = ed25519_keys
    headers = mastodon_headers(time.time())
    headers["Signature"] = cavage_sign(private_key, f'{algorithm_param}headers="{" ".join(POST_HEADERS)}"',
                                       signing_lines(headers, POST_HEADERS))
    verify(headers, public_pem)
    with pytest.raises(SignatureError, match="does not verify"):
        verify(headers, public_pem, target="/inbox")


def test_rsa_algorithm_name_with_an_ed25519_key_is_refused(ed25519_keys):
    private_key, public_pem = ed25519_keys
    headers = mastodon_headers(time.time())
    headers["Signature"] = cavage_sign(private_key, f'algorithm="rsa-sha256",headers="{" ".join(POST_HEADERS)}"',
                                       signing_lines(headers, POST_HEADERS))
    with pytest.raises(SignatureError, match="'rsa-sha256' does not match the actor's ed25519 key"):
        verify(headers, public_pem)


def test_sign_request_with_an_ed25519_key_verifies_here(ed25519_keys):
    private_key, public_pem = ed25519_keys
    private_pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()).decode()
    headers = signatures.sign_request("POST", INBOX_URL, key_id=KEY_ID, private_key_pem=private_pem, body=FOLLOW)
    verify(headers, public_pem)


def test_unreadable_or_unsupported_public_keys_are_signature_errors(rsa_keys):
    private_pem, _ = rsa_keys
    headers = signatures.sign_request("POST", INBOX_URL, key_id=KEY_ID, private_key_pem=private_pem, body=FOLLOW)
    with pytest.raises(SignatureError, match="cannot be read"):
        verify(headers, "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----")
    ec_pem = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    with pytest.raises(SignatureError, match="only RSA and Ed25519"):
        verify(headers, ec_pem)


# --- parsing the Signature header ----------------------------------------------

def test_mastodon_signature_header_is_parsed():
    header = ('keyId="https://mastodon.social/users/Gargron#main-key",algorithm="rsa-sha256",'
              'headers="(request-target) host date digest content-type",signature="AAEC"')
    params = signatures.parse_signature_header(header)
    assert params.key_id == "https://mastodon.social/users/Gargron#main-key"
    assert params.algorithm == "rsa-sha256"
    assert params.headers == ("(request-target)", "host", "date", "digest", "content-type")
    assert params.signature == b"\x00\x01\x02"
    assert (params.created, params.expires) == (None, None)
    assert signatures.key_owner_hint(params.key_id) == "https://mastodon.social/users/Gargron"


def test_bare_created_and_expires_numbers_are_parsed():
    params = signatures.parse_signature_header(
        'keyId="k",algorithm="hs2019",created=1700000000,expires=1700000300,headers="(created)",signature="AA=="')
    assert (params.created, params.expires) == (1700000000, 1700000300)


@pytest.mark.parametrize("header", [
    None,
    "",
    "garbage",
    'keyId="k"',
    'signature="AA=="',
    'keyId="k",signature="not base64!"',
    'keyId="k",keyId="other",signature="AA=="',
    'keyId="k" signature="AA=="',
    'keyId=k,signature="AA=="',
    'keyId="k,signature="AA=="',
    'keyId="k",signature="AA==",created="soon"',
    'keyId="k",signature="AA==",expires="-5"',
    'keyId="k",signature="AA==",created="²"',
    'keyId="k",signature="AA==",created=٣',
    'keyId="k",="x",signature="AA=="',
])
def test_malformed_signature_headers_raise_signature_error(header):
    with pytest.raises(SignatureError):
        signatures.parse_signature_header(header)


def test_parser_fuzz_only_ever_raises_signature_error():
    """Seeded fuzz: mutations of real headers either parse or raise SignatureError, nothing else."""
    rng = random.Random(20240501)
    seeds = [
        'keyId="https://m.example/users/a#main-key",algorithm="rsa-sha256",'
        'headers="(request-target) host date digest",signature="c2lnbmF0dXJl"',
        'keyId="k",created="1700000000",expires="1700000300",headers="(created) (expires)",signature="AA=="',
        'keyId="k",algorithm="hs2019",created=1700000000,expires=1700000300,headers="(created)",signature="AA=="',
    ]
    alphabet = 'keyIdalgorithmheaderssignaturecreatedexpires=",  ()0123456789+/=\\\t\n\x00é²٣\u2028'
    parsed = refused = 0
    for _ in range(3000):
        text = rng.choice(seeds)
        for _ in range(rng.randint(1, 6)):
            pos = rng.randint(0, len(text))
            action = rng.random()
            if action < 0.4:
                text = text[:pos] + rng.choice(alphabet) + text[pos:]
            elif action < 0.8:
                text = text[:pos] + text[pos + rng.randint(1, 4):]
            else:
                text = text[:pos] + "".join(rng.choices(alphabet, k=rng.randint(1, 12))) + text[pos:]
        try:
            params = signatures.parse_signature_header(text)
        except SignatureError:
            refused += 1
        else:
            parsed += 1
            assert isinstance(params.signature, bytes) and isinstance(params.key_id, str)
            assert all(isinstance(n, int) for n in (params.created, params.expires) if n is not None)
    # Both outcomes occur, so the fuzz explores both sides of the parser
    assert parsed > 50 and refused > 50
