"""Numbers from outside (query parameters, form fields, headers), read one way.

str.isdigit() admits "²" and "①", on which int() raises (a 500), and any count of digits,
which SQLite cannot bind past 64 bits (another 500). Only ASCII digits within a range are a
number here; the caller decides whether anything else is a 400 or simply ignored.
"""

from __future__ import annotations

# What SQLite stores in an INTEGER, and so the most an id, offset or count from outside may be.
INT64_MAX = 2**63 - 1


def whole_number(value, *, high: int = INT64_MAX) -> int | None:
    """The number written in `value` (ASCII digits, surrounding spaces allowed) if it is at most `high`, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= high else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 19 or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= high else None
