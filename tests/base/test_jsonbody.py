"""The bounded JSON reader: depth counted before parsing (strings do not count), numbers within
64 bits, no NaN or lone surrogates, every http(s) URL parseable; each refusal a ValueError with a
reason (the inbox answers it 400)."""

import json

import pytest

from wecreate_fed import jsonbody
from wecreate_fed.errors import BadRequest


def test_depth_is_counted_outside_strings():
    assert jsonbody.nesting_depth(b'{"a": [1, {"b": "[[[[{{{{"}]}') == 3
    assert jsonbody.nesting_depth(b'["\\"[[[", [[]]]') == 3


@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
                                  b"[" * 65 + b"]" * 65])
def test_too_deep_is_refused_before_json_loads(body):
    with pytest.raises(jsonbody.InvalidJSON, match="deeper than 64"):
        jsonbody.loads(body)


def test_64_levels_are_read():
    assert jsonbody.loads(b"[" * 64 + b"]" * 64) == json.loads(b"[" * 64 + b"]" * 64)


@pytest.mark.parametrize("body", [b"9223372036854775808", b"-9223372036854775809", b"1" * 5000, b"NaN",
                                  b"[Infinity]", b"1e999", b'"\\ud800"', b'{"a": "\\udc00x"}', b"\xff\xfe{}",
                                  b'{"a": "\xc3\x28"}', b"", b"[1,]"])
def test_what_is_not_a_document_is_refused(body):
    with pytest.raises(jsonbody.InvalidJSON):
        jsonbody.loads(body)


def test_paired_surrogates_and_64_bit_ints_are_fine():
    assert jsonbody.loads(b'["\\ud83d\\ude00", 9223372036854775807, -9223372036854775808, 1.5]') == [
        "\U0001F600", 2**63 - 1, -(2**63), 1.5]


@pytest.mark.parametrize("url", ["http://[::1", "https://a:99999/", "http://[::1]:x/", "https://"])
def test_a_malformed_url_anywhere_is_a_400_naming_its_property(url):
    with pytest.raises(BadRequest) as caught:
        jsonbody.activity_document(json.dumps({"type": "Note", "tag": [{"href": url}]}).encode())
    assert caught.value.field == "href" and caught.value.status == 400


def test_a_body_that_is_no_object_is_a_400():
    with pytest.raises(BadRequest, match="JSON object"):
        jsonbody.activity_document(b"[1]")


def test_text_that_begins_like_a_url_is_text():
    document = {"type": "Note", "content": "http://[::1 is loopback", "contentMap": {"en": "http://[::1"}}
    assert jsonbody.activity_document(json.dumps(document).encode()) == document


def test_nul_characters_are_dropped_from_keys_and_values():
    document = jsonbody.loads(b'{"content": "Hal\\u0000lo", "tag": [{"name\\u0000": "\\u0000#x"}], "n": 1}')
    assert document == {"content": "Hallo", "tag": [{"name": "#x"}], "n": 1}
    # an escaped backslash before "u0000" is text, kept as it is
    assert jsonbody.loads(b'{"a": "\\\\u0000"}') == {"a": "\\u0000"}
