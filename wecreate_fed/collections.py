"""Paginated OrderedCollections, the way Mastodon pages them (newest first, `?page=true&max_id=`)."""

from __future__ import annotations

from . import inputs, ld

PAGE_SIZE = 20


def collection(collection_id: str, total: int) -> dict:
    """The collection itself: its total and a link to the first page."""
    return {
        "@context": ld.AS_CONTEXT,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": total,
        "first": f"{collection_id}?page=true",
    }


def page(collection_id: str, items: list, *, max_id: int | str | None, last_row_id: int | str | None,
         full: bool) -> dict:
    """One page; `last_row_id` is the row id (or other cursor) of its last item, `full` whether more may follow."""
    query = f"?page=true&max_id={max_id}" if max_id is not None else "?page=true"
    result = {
        "@context": ld.AS_CONTEXT,
        "id": collection_id + query,
        "type": "OrderedCollectionPage",
        "partOf": collection_id,
        "orderedItems": items,
    }
    if full and last_row_id is not None:
        result["next"] = f"{collection_id}?page=true&max_id={last_row_id}"
    return result


def parse_max_id(value: str | None) -> int | None:
    return inputs.whole_number(value)  # anything else means no max_id: the first page
