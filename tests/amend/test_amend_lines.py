"""Line numbers of a motion's text and merging amendments into it (amendments_lines), as Antragsgrün
numbers and merges: wrapped at 80 characters after a space or hyphen, blank lines unnumbered,
stable for a text; adopted amendments applied each at its own lines, later lines shifting."""

import random

import pytest

from wecreate_fed.civic.boxes.amendments_lines import (
    LINE_LENGTH,
    Change,
    LineRangeError,
    OverlapError,
    canonical,
    excerpt,
    lines_of,
    merge,
)

SENTENCE = "Die Stadt baut sichere Radwege an allen Hauptstraßen und öffnet die Einbahnstraßen für Räder. "
TEXT = (SENTENCE * 3).strip() + "\n\nZweitens: Tempo 30 vor jeder Schule.\nDrittens: mehr Bänke.\n\nSchluss."


def test_lines_are_wrapped_at_the_line_length_after_a_space_and_numbered_from_one():
    lines = lines_of(TEXT)
    assert [line.number for line in lines] == list(range(1, len(lines) + 1))
    paragraph = [line for line in lines if line.start < len((SENTENCE * 3).strip())]
    assert all(len(line.text.rstrip()) <= LINE_LENGTH for line in lines)
    assert all(line.text.endswith(" ") for line in paragraph[:-1])  # broken after a space, kept on the line
    assert "".join(line.text for line in paragraph) == (SENTENCE * 3).strip()
    # A line break and a paragraph each start a new line; the blank lines get no number
    texts = [line.text for line in lines]
    assert texts[-3:] == ["Zweitens: Tempo 30 vor jeder Schule.", "Drittens: mehr Bänke.", "Schluss."]
    assert [line.sep for line in lines[-4:]] == ["\n\n", "\n", "\n\n", ""]


def test_a_hyphen_is_a_place_to_break_and_a_word_longer_than_a_line_is_cut():
    lines = lines_of("Die " + "x" * 75 + "-Regelung gilt")
    assert lines[0].text == "Die " + "x" * 75 + "-" and lines[1].text == "Regelung gilt"
    long = lines_of("y" * 170)
    assert [len(line.text) for line in long] == [80, 80, 10]


def test_the_numbers_are_stable_for_a_text_however_it_was_typed():
    typed = TEXT.replace("\n", "\r\n").replace("Schluss.", "Schluss.   \r\n\r\n\r\n")
    assert [(x.number, x.text) for x in lines_of(typed)] == [(x.number, x.text) for x in lines_of(TEXT)]
    assert canonical(typed) == TEXT
    assert lines_of("") == []


def test_two_amendments_one_adopted_later_lines_shift_in_the_final_version():
    lines = lines_of(TEXT)
    n = len(lines)
    tempo = next(line.number for line in lines if line.text.startswith("Zweitens"))
    # Ä1 replaces line 2 with a longer text that takes two lines more; Ä2 (rejected) would change Tempo 30
    longer = "Die Stadt baut breite, baulich getrennte Radwege " * 4
    final, where = merge(TEXT, [Change(1, 2, 2, longer.strip())])
    final_lines = lines_of(final)
    assert len(final_lines) == n + 2
    assert where[1] == (1, 4)  # the paragraph flows anew: its first words still fit on line 1
    # every line after the amended paragraph moved down by two, word for word
    shifted = next(line for line in final_lines if line.text.startswith("Zweitens"))
    assert shifted.number == tempo + 2
    assert final.endswith("\n\nZweitens: Tempo 30 vor jeder Schule.\nDrittens: mehr Bänke.\n\nSchluss.")
    assert final.startswith(lines[0].text + longer.strip() + " " + lines[2].text)
    # Two adopted at once: each at its own lines of the original; the later one lands shifted
    final2, where2 = merge(TEXT, [Change("b", tempo, tempo, "Zweitens: Tempo 30 in der ganzen Stadt."),
                                  Change("a", 2, 2, longer.strip())])
    assert where2["b"] == (tempo + 2, tempo + 2)
    assert "Zweitens: Tempo 30 in der ganzen Stadt.\nDrittens" in final2 and longer.strip() in final2


def test_deleting_lines_joins_what_was_around_them_and_moves_the_rest_up():
    lines = lines_of(TEXT)
    drittens = next(line.number for line in lines if line.text.startswith("Drittens"))
    final, where = merge(TEXT, [Change("d", drittens, drittens, "")])
    assert final.endswith("Zweitens: Tempo 30 vor jeder Schule.\n\nSchluss.")
    assert lines_of(final)[-1].number == len(lines) - 1
    assert where["d"] == (drittens, drittens - 1)  # (before line …)
    whole, _ = merge(TEXT, [Change("p", drittens - 1, drittens, "")])
    assert whole.endswith("Einbahnstraßen für Räder.\n\nSchluss.")  # a whole paragraph gone, one blank line left


def test_overlapping_amendments_and_lines_the_text_has_not_are_refused():
    with pytest.raises(OverlapError):
        merge(TEXT, [Change(1, 2, 3, "eins"), Change(2, 3, 4, "zwei")])
    with pytest.raises(LineRangeError):
        merge(TEXT, [Change(1, 0, 1, "null")])
    with pytest.raises(LineRangeError):
        excerpt(lines_of(TEXT), 3, 99)
    assert excerpt(lines_of(TEXT), 1, 2) == lines_of(TEXT)[0].text + lines_of(TEXT)[1].text


def test_any_non_overlapping_amendments_merge_into_a_canonical_text_each_where_it_says():
    """Many texts and amendment sets (seeded, so every run is the same): the lines always join to the
    text, every replacement stands on the final lines its span names, and untouched lines survive."""
    rnd = random.Random(12)
    words = "Radweg Stadt Schule Tempo 30 Bänke Haltestelle Ä-Regel öffnen grün Süd-Ost ein der die und".split()

    def paragraph() -> str:
        return " ".join(rnd.choice(words) for _ in range(rnd.randint(1, 60)))

    for _ in range(400):
        text = "\n\n".join("\n".join(paragraph() for _ in range(rnd.randint(1, 3))) for _ in range(rnd.randint(1, 4)))
        lines = lines_of(text)
        assert "".join(line.text + line.sep for line in lines) == canonical(text)
        changes: list[Change] = []
        for first in sorted(rnd.sample(range(1, len(lines) + 1), min(len(lines), rnd.randint(1, 6)))):
            if changes and first <= changes[-1].last:
                continue
            last = min(len(lines), first + rnd.choice((0, 0, 1, 2)))
            new = "" if rnd.random() < .3 else f"NEU{len(changes)} {paragraph()}"
            changes.append(Change(len(changes), first, last, new))
        final, spans = merge(text, changes)
        assert final == canonical(final)
        final_lines = lines_of(final)
        for change in changes:
            first, last = spans[change.key]
            if change.text:
                on = [line.number for line in final_lines if f"NEU{change.key} " in line.text + " "]
                assert on and first <= on[0] <= last, (change, spans[change.key])
        touched = {n for c in changes for n in range(c.first, c.last + 1)}
        flat = final.replace("\n", " ")
        assert all(line.text.strip() in flat for line in lines if line.number not in touched)
