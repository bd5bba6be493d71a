"""Line numbers of a motion's text and the merging of amendments into it, as Antragsgrün does it.

A text is numbered as Antragsgrün numbers a motion: paragraphs (separated by blank lines) are
wrapped at a fixed line length, breaking after the last space or hyphen that fits (a word longer
than a line is cut), a single line break in the source starts a new line too, and every line gets
the next number from 1 on; blank lines get none. The numbering depends only on the text and the
line length, so a given text keeps its numbers wherever it is shown (page, print, PDF).

An amendment replaces lines `first`..`last` of the text it was proposed against; the final
version applies every adopted amendment to that same text, each at its own lines (applied from
the last one up, so earlier ones are not moved by later ones), and is then numbered anew.
Where each amendment lands in the final version is tracked by character offsets.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Antragsgrün's default line length for motion texts; fixed so that numbers never change for a text.
LINE_LENGTH = 80
# Separators between lines, weakest first: same paragraph (wrapped), a line break, a paragraph's end.
WRAPPED, BREAK, PARAGRAPH = "", "\n", "\n\n"
_STRENGTH = {WRAPPED: 0, BREAK: 1, PARAGRAPH: 2}


@dataclass(frozen=True)
class Line:
    number: int
    text: str    # as wrapped: a wrapped line keeps its trailing space, so the lines join to the text
    start: int   # offset of the line in the canonical text
    sep: str     # what follows the line: WRAPPED, BREAK, PARAGRAPH (or "" after the last)

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(frozen=True)
class Change:
    """One amendment to apply: lines first..last replaced by `text` (empty: deleted)."""

    key: object
    first: int
    last: int
    text: str


class LineRangeError(ValueError):
    pass


class OverlapError(ValueError):
    def __init__(self, a: Change, b: Change):
        super().__init__(f"lines {a.first}-{a.last} and {b.first}-{b.last} overlap")
        self.a, self.b = a, b


def canonical(text: str) -> str:
    """The text as numbered: NFC, Unix line ends, no trailing spaces, one blank line between paragraphs."""
    text = unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    paragraphs, current = [], []
    for raw in text.split("\n"):
        line = raw.rstrip()
        if line:
            current.append(line)
        elif current:
            paragraphs.append(BREAK.join(current))
            current = []
    if current:
        paragraphs.append(BREAK.join(current))
    return PARAGRAPH.join(paragraphs)


def _wrap(source: str, length: int) -> list[str]:
    """One source line as lines of at most `length` characters (plus the space it breaks at)."""
    pieces, pos = [], 0
    while len(source) - pos > length:
        window = source[pos:pos + length + 1]
        if window[length] == " ":
            cut = length + 1                     # the space after a full line stays on it
        else:
            at = max(window.rfind(" ", 0, length), window.rfind("-", 0, length))
            cut = at + 1 if at > 0 else length   # no place to break: the word is cut
        pieces.append(source[pos:pos + cut])
        pos += cut
    pieces.append(source[pos:])
    return pieces


def lines_of(text: str, length: int = LINE_LENGTH) -> list[Line]:
    """The numbered lines of a text (its canonical form)."""
    text = canonical(text)
    out: list[Line] = []
    offset = 0
    paragraphs = text.split(PARAGRAPH) if text else []
    for p, paragraph in enumerate(paragraphs):
        sources = paragraph.split(BREAK)
        for s, source in enumerate(sources):
            pieces = _wrap(source, length)
            for i, piece in enumerate(pieces):
                if i < len(pieces) - 1:
                    sep = WRAPPED
                elif s < len(sources) - 1:
                    sep = BREAK
                elif p < len(paragraphs) - 1:
                    sep = PARAGRAPH
                else:
                    sep = ""
                out.append(Line(len(out) + 1, piece, offset, sep))
                offset += len(piece) + len(sep)
    return out


def excerpt(lines: list[Line], first: int, last: int) -> str:
    """The text of lines first..last, as it stands in the text."""
    check_range(lines, first, last)
    chosen = lines[first - 1:last]
    return "".join(line.text + line.sep for line in chosen[:-1]) + chosen[-1].text


def check_range(lines: list[Line], first: int, last: int) -> None:
    if not lines:
        raise LineRangeError("the text has no lines")
    if not 1 <= first <= last <= len(lines):
        raise LineRangeError(f"lines must be from 1 to {len(lines)}, the first not after the last")


def _cut(lines: list[Line], change: Change) -> tuple[int, int, str]:
    """Where one change cuts the canonical text (start, end) and what it puts there."""
    first, last = lines[change.first - 1], lines[change.last - 1]
    new = canonical(change.text)
    if new:
        if last.sep == WRAPPED and last.text.endswith(" "):
            new += " "  # the paragraph goes on after it
        return first.start, last.end, new
    # A deletion: what stood around it is joined by the stronger of the two separators.
    end = last.end + len(last.sep)
    if change.first == 1:
        return 0, end, ""
    previous = lines[change.first - 2]
    sep = max((previous.sep, last.sep), key=lambda s: _STRENGTH.get(s, 0)) if change.last < len(lines) else ""
    start = previous.start + len(previous.text.rstrip()) if sep != WRAPPED else previous.end
    return start, end, sep


def merge(text: str, changes: Iterable[Change], length: int = LINE_LENGTH) -> tuple[str, dict[object, tuple]]:
    """The text with all `changes` applied (each at its lines in `text`), and where each landed in it:
    key → (first, last) line of the final version, or (line, line - 1) for a deletion (before `line`).

    Raises LineRangeError for lines the text does not have, OverlapError when two changes share a line.
    """
    lines = lines_of(text, length)
    ordered = sorted(changes, key=lambda c: (c.first, c.last))
    for change in ordered:
        check_range(lines, change.first, change.last)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.first <= a.last:
            raise OverlapError(a, b)
    result = canonical(text)
    spans: dict[object, tuple[int, int]] = {}
    for change in reversed(ordered):
        # Applied from the end up: the lines of the ones still to apply have not moved.
        start, end, new = _cut(lines, change)
        moved = len(new) - (end - start)
        spans = {key: (a + moved, b + moved) for key, (a, b) in spans.items()}
        result = result[:start] + new + result[end:]
        if canonical(change.text):
            spans[change.key] = (start, start + len(canonical(change.text)))
        else:
            spans[change.key] = (start + len(new), start + len(new))
    final = canonical(result)
    return final, {key: _lines_at(final, a, b, length) for key, (a, b) in spans.items()}


def _lines_at(text: str, start: int, end: int, length: int) -> tuple[int, int]:
    """The lines of `text` that characters start..end lie on (an empty span: the line it is before)."""
    lines = lines_of(text, length)
    if not lines:
        return 1, 0
    def line_of(offset: int) -> int:
        for line in lines:
            if offset < line.end + len(line.sep):
                return line.number
        return lines[-1].number
    if end <= start:
        return line_of(start), line_of(start) - 1
    return line_of(start), line_of(end - 1)
