"""Hypothesis strategies for ActivityPub-shaped JSON: real types and properties, with values of
every JSON type where a string, an id or a list is expected, nested objects, and the malformed
URLs, huge numbers and odd text an attacker sends. Shaped so that the handlers are reached,
not only the JSON parser: ids live on the sender's host, objects carry our civic terms."""

from __future__ import annotations

from hypothesis import strategies as st

ACTIVITY_TYPES = ["Create", "Update", "Delete", "Follow", "Accept", "Reject", "Undo", "Like", "Announce",
                  "Add", "Remove", "Block", "Flag", "Move", "Join", "Leave", "Invite", "TentativeAccept",
                  "Offer", "Question", "Dislike", "EmojiReact"]
OBJECT_TYPES = ["Note", "Article", "Event", "Page", "Person", "Group", "Organization", "Tombstone", "Question",
                "Image", "Document", "Hashtag", "Mention", "Place", "Collection", "OrderedCollection"]
# Properties that activities and objects carry (ActivityStreams, Mastodon, ours).
PROPERTIES = ["id", "type", "actor", "object", "target", "origin", "result", "to", "cc", "bto", "bcc", "audience",
              "attributedTo", "inReplyTo", "content", "contentMap", "name", "summary", "published", "updated",
              "startTime", "endTime", "tag", "attachment", "url", "href", "context", "conversation", "location",
              "icon", "image", "sensitive", "mediaType", "oneOf", "anyOf", "closed", "replies", "likes", "shares",
              "instrument", "preferredUsername", "inbox", "outbox", "followers", "following", "publicKey",
              "civicKind", "civicStatus", "abstract", "districts", "district", "addressedTo", "linkedIdea",
              "timezone", "joinMode", "maximumAttendeeCapacity", "eventStatus", "organizers", "address",
              "cosigners", "visibility", "problem", "purpose", "goals", "meetingTime", "implements", "statusNote",
              "formerType", "deleted", "@context", "source", "quoteUrl", "votersCount"]
CIVIC_KINDS = ["idea", "reform_proposal", "motion", "complaint", "project", "x"]
CIVIC_STATUSES = ["proposed", "in_discussion", "accepted", "implemented", "rejected", "withdrawn", "x"]
AS_PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
# Text that handlers must cope with. (Malformed URLs, numbers past 64 bits and lone surrogates
# are refused by the JSON reader before any handler: the tests send those on their own.)
NASTY_TEXT = ["javascript:alert(1)", "\x00", "²", "\u202e", "data:text/html,x", "acct:a@b",
              "<script>x</script>", "a" * 3000, "2026-13-45T99:99:99Z", "9999-12-31T23:59:59Z", "", " ",
              "0001-01-01T00:00:00Z", "P1D", "mitte", "west", "\r\n", "-1", "1e5"]


def hosts(*base_urls: str) -> st.SearchStrategy[str]:
    """The instances under test, and a loopback port nothing listens on (fetches fail at once)."""
    return st.sampled_from([*base_urls, "http://127.0.0.1:9"])


def url_on(base: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    paths = st.sampled_from(["/users/", "/ideas/", "/events/", "/boxes/", "/motions/", "/objects/", "/activities/",
                             "/notes/", "/districts/", "/"])
    tail = st.text("abcdef0123456789-", min_size=0, max_size=12)
    return st.builds(lambda b, p, t: b + p + t, base, paths, tail)


def scalars(urls: st.SearchStrategy[str]) -> st.SearchStrategy:
    return st.one_of(
        st.none(), st.booleans(),
        st.integers(min_value=-(2**63), max_value=2**63 - 1), st.integers(-2, 1_000),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20), st.sampled_from(NASTY_TEXT), urls, st.just(AS_PUBLIC),
        st.sampled_from(ACTIVITY_TYPES + OBJECT_TYPES + CIVIC_KINDS + CIVIC_STATUSES),
    )


def values(urls: st.SearchStrategy[str]) -> st.SearchStrategy:
    """Any JSON value, weighted to what ActivityPub properties hold."""
    return st.recursive(
        scalars(urls),
        lambda inner: st.one_of(st.lists(inner, max_size=4),
                                st.dictionaries(st.sampled_from(PROPERTIES), inner, max_size=5)),
        max_leaves=12,
    )


def objects(urls: st.SearchStrategy[str], actor_id: str | None, *, own: st.SearchStrategy[str] | None = None,
            depth: int = 2) -> st.SearchStrategy[dict]:
    """An object (or activity) as servers send them: a type, mostly an id (on the author's host when
    `own` gives such ids) and an author, random other properties."""
    own = urls if own is None else own
    nested = objects(urls, actor_id, own=own, depth=depth - 1) if depth > 0 else values(urls)
    author = st.just(actor_id) if actor_id else urls
    base = st.fixed_dictionaries(
        {"type": st.one_of(st.sampled_from(OBJECT_TYPES + ACTIVITY_TYPES), st.lists(st.sampled_from(OBJECT_TYPES),
                                                                                    max_size=2), scalars(urls))},
        optional={"id": st.one_of(own, own, own, urls, scalars(urls)), "attributedTo": st.one_of(author, author, values(urls)),
                  "actor": st.one_of(author, values(urls)), "content": st.one_of(st.text(max_size=40), values(urls)),
                  "name": st.one_of(st.text(max_size=40), values(urls)), "civicKind": st.sampled_from(CIVIC_KINDS),
                  "civicStatus": st.sampled_from(CIVIC_STATUSES), "to": st.one_of(st.just([AS_PUBLIC]), values(urls)),
                  "object": st.one_of(urls, nested, nested, values(urls)), "inReplyTo": st.one_of(urls, values(urls)),
                  "tag": values(urls), "startTime": st.one_of(st.sampled_from(NASTY_TEXT), values(urls)),
                  "districts": values(urls)},
    )
    extra = st.dictionaries(st.sampled_from(PROPERTIES), values(urls), max_size=4)
    return st.builds(lambda b, e: {**e, **b}, base, extra)


def activities(actor_id: str, own: st.SearchStrategy[str], urls: st.SearchStrategy[str],
               ) -> st.SearchStrategy[dict]:
    """An activity by `actor_id` that passes the inbox's first checks (ids on the actor's host), with any object."""
    return st.builds(
        lambda obj, type_, id_, what, extra: {**extra, **obj, "id": id_, "type": type_, "actor": actor_id,
                                              "object": what},
        objects(urls, actor_id, own=own), st.sampled_from(ACTIVITY_TYPES), own,
        st.one_of(st.builds(lambda obj, id_: {**obj, "id": id_}, objects(urls, actor_id, own=own, depth=1), own),
                  objects(urls, actor_id, own=own, depth=1), own, urls, values(urls)),
        st.dictionaries(st.sampled_from(["to", "cc", "audience", "target", "published"]), values(urls), max_size=3),
    )
