"""The motion book of a box as a PDF (fpdf2): every motion with its numbered lines, reasoning,
co-signers, amendments and final version, as the printable motion book shows them.

fpdf2 is pure Python: no browser, no system library and no font file to install. Its core
fonts (Helvetica) are Latin-1, which covers German (ä ö ü ß, «»); the few characters beyond
it that German texts use (typographic quotes, dashes, the euro sign) are written as their
nearest Latin-1 form, anything else as "?", so that a text never fails to print.
"""

from __future__ import annotations

from datetime import date

from fpdf import FPDF

FONT, SIZE, LINE_HEIGHT = "Helvetica", 10, 5.0
NUMBER_WIDTH = 12  # mm: the column of line numbers
_NEAREST = str.maketrans({
    "„": '"', "“": '"', "”": '"', "‚": "'", "‘": "'", "’": "'", "–": "-", "—": "-", "−": "-", "…": "...",
    "€": "EUR", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "•": "·", "‹": "<", "›": ">", "≤": "<=", "≥": ">=",
})
STATE_WORDS = {"proposed": "offen", "adopted": "übernommen", "rejected": "abgelehnt"}


def latin1(text: str) -> str:
    """The text in the core fonts' Latin-1, German kept whole."""
    return (text or "").translate(_NEAREST).encode("latin-1", "replace").decode("latin-1")


def _name(who) -> str:
    return who if isinstance(who, str) else (who.name or who.handle)


def _lines_words(label: tuple[str, dict]) -> str:
    key, values = label
    if key == "amend.line":
        return f"Zeile {values['line']}"
    if key == "amend.lines":
        return f"Zeilen {values['first']}-{values['last']}"
    return f"vor Zeile {values['line']}"


class _Book(FPDF):
    def __init__(self, title: str):
        super().__init__(format="A4")
        self.book_title = title
        self.set_margins(20, 18, 18)
        self.set_auto_page_break(True, margin=18)
        self.set_title(latin1(title))
        self.set_lang("de")

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, size=8)
        self.cell(0, 5, latin1(f"{self.book_title} · Seite {self.page_no()}"), align="C")

    def heading(self, text: str, size: int) -> None:
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.5, latin1(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1.5)

    def para(self, text: str, style: str = "") -> None:
        self.set_font(FONT, style, SIZE)
        self.multi_cell(0, LINE_HEIGHT, latin1(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def numbered(self, lines) -> None:
        """Each line with its number in the margin column, a blank line after each paragraph."""
        for line in lines:
            self.set_font(FONT, size=8)
            self.set_text_color(90, 90, 90)
            self.cell(NUMBER_WIDTH, LINE_HEIGHT, str(line.number), align="R")
            self.set_text_color(0, 0, 0)
            text = latin1(line.text.rstrip())
            self.set_x(self.l_margin + NUMBER_WIDTH + 3)
            # One numbered line stays one printed line: a line of wide letters is set a little smaller.
            width, size = self.w - self.r_margin - self.get_x() - 1, float(SIZE)
            self.set_font(FONT, size=size)
            while size > 7 and self.get_string_width(text) > width:
                size -= 0.5
                self.set_font(FONT, size=size)
            self.multi_cell(0, LINE_HEIGHT, text, new_x="LMARGIN", new_y="NEXT")
            if line.sep == "\n\n":
                self.ln(2)
        self.ln(2)


def render(book: dict) -> bytes:
    """The PDF of `book` (what amendment_pages._book reads: the box, its motions with their views)."""
    box = book["box"]
    title = f"Antragsbuch: {box.name or box.handle}"
    pdf = _Book(title)
    pdf.add_page()
    pdf.heading(title, 20)
    pdf.para(f"{book['city']} · Stand: {date.today().isoformat()} · {len(book['motions'])} Anträge")
    for m in book["motions"]:
        pdf.para(f"A{m['number']}  {m['motion'].title}")
    for m in book["motions"]:
        _motion(pdf, m)
    return bytes(pdf.output())


def _motion(pdf: _Book, m: dict) -> None:
    motion = m["motion"]
    pdf.add_page()
    pdf.heading(f"A{m['number']}: {motion.title}", 15)
    pdf.para(f"Antragsteller*in: {_name(m['author'])} · Fassung {motion.revision} · Stand: {motion.updated_at[:10]}")
    pdf.heading("Antragstext", 12)
    pdf.numbered(m["lines"])
    if motion.reasoning:
        pdf.heading("Begründung", 12)
        pdf.para(motion.reasoning)
    pdf.para("Mitzeichnende: " + (", ".join(_name(c) for c in m["motion_cosigners"]) or "-"))
    if m["entries"]:
        pdf.heading(f"Änderungsanträge zu A{m['number']}", 12)
    for item in m["entries"]:
        a = item["a"]
        outdated = "" if item["current"] else f" (zu Fassung {a.revision})"
        pdf.heading(f"Ä{a.number} zu A{m['number']}, {_lines_words(item['label'])}: {STATE_WORDS[a.state]}{outdated}",
                    11)
        pdf.para(f"Antragsteller*in: {_name(item['proposer'])}")
        pdf.para("Bisher: " + a.original, "I")
        pdf.para("Neu: " + (a.replacement or "(gestrichen)"))
        pdf.para("Begründung: " + a.reason)
        if item["cosigners"]:
            pdf.para("Mitzeichnende: " + ", ".join(_name(c) for c in item["cosigners"]))
    if m["has_adopted"]:
        pdf.heading(f"A{m['number']}: Endfassung mit den übernommenen Änderungsanträgen", 12)
        pdf.numbered(m["final_lines"])
