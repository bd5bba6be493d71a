"""The transparency report (DSA Art. 15 style) for a year, a half-year or a month: notices received
by source and category, actions taken by kind and reason, appeals and their outcome, and how long
reports took to resolve. As figures for the page and as CSV rows."""

from __future__ import annotations

import csv
import io
import re
import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from wecreate_fed.errors import BadRequest
from wecreate_fed.store import Connection, iso, utcnow
from wecreate_fed.store import transparency as store

_PERIOD = re.compile(r"([0-9]{4})(?:-(H[12]|0[1-9]|1[0-2]))?")  # ASCII digits only: \d takes ２０２６
APPEAL_STATES = ("open", "upheld", "reversed")


@dataclass(frozen=True)
class Period:
    name: str         # 2026, 2026-H1, 2026-05
    start: datetime
    end: datetime     # exclusive

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(days=1)).date()


def period(value: str | None, *, now: datetime | None = None) -> Period:
    """`2026`, `2026-H1` / `2026-H2` or `2026-05`; nothing: the current year."""
    value = (value or str((now or utcnow()).year)).strip()
    match = _PERIOD.fullmatch(value)
    year = int(match.group(1)) if match else 0
    if match is None or not 2000 <= year <= 9998:
        raise BadRequest("period must be a year (2026), a half-year (2026-H1) or a month (2026-05)",
                         field="period", code="period")
    part = match.group(2)
    if part is None:
        return Period(value, datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC))
    if part.startswith("H"):
        first = 1 if part == "H1" else 7
        end = datetime(year, 7, 1, tzinfo=UTC) if part == "H1" else datetime(year + 1, 1, 1, tzinfo=UTC)
        return Period(value, datetime(year, first, 1, tzinfo=UTC), end)
    month = int(part)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return Period(value, datetime(year, month, 1, tzinfo=UTC), end)


@dataclass(frozen=True)
class Report:
    period: Period
    notices: list[dict]          # source, category, rule_id, rule, n
    actions: list[dict]          # kind, category, rule_id, rule, n, undone
    appeals: dict[str, int]      # open, upheld, reversed
    reports_opened: int
    reports_resolved: int
    median_hours: float | None   # to resolve a report; None: none resolved

    @property
    def notices_total(self) -> int:
        return sum(r["n"] for r in self.notices)

    @property
    def actions_total(self) -> int:
        return sum(r["n"] for r in self.actions)

    @property
    def appeals_total(self) -> int:
        return sum(self.appeals.values())

    def by(self, rows: str, key: str) -> dict[str, int]:
        """Totals of `notices` or `actions` per source / kind / category."""
        totals: dict[str, int] = {}
        for row in getattr(self, rows):
            totals[row[key]] = totals.get(row[key], 0) + row["n"]
        return totals


def _hours(created: str, resolved: str) -> float:
    def parse(text: str) -> datetime:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (parse(resolved) - parse(created)).total_seconds() / 3600


async def report(conn: Connection, chosen: Period) -> Report:
    start, end = iso(chosen.start), iso(chosen.end)
    resolved = await store.resolved_reports(conn, start, end)
    appeals = await store.appeals(conn, start, end)
    return Report(
        period=chosen, notices=await store.notices(conn, start, end), actions=await store.actions(conn, start, end),
        appeals={state: appeals.get(state, 0) for state in APPEAL_STATES},
        reports_opened=await store.reports_opened(conn, start, end), reports_resolved=len(resolved),
        median_hours=round(statistics.median(_hours(*r) for r in resolved), 2) if resolved else None)


CSV_HEADER = ("section", "kind", "category", "rule", "count")


def _cell(text: str | None) -> str:
    """A rule's text as a CSV cell a spreadsheet will not run as a formula."""
    text = text or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_text(figures: Report) -> str:
    """One row per figure: section (notices, actions, actions_undone, appeals, reports), what, category, rule, count."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerow(("period", figures.period.name, "", "", ""))
    for row in figures.notices:
        writer.writerow(("notices", row["source"], row["category"], _cell(row["rule"]), row["n"]))
    for row in figures.actions:
        writer.writerow(("actions", row["kind"], row["category"], _cell(row["rule"]), row["n"]))
        if row["undone"]:
            writer.writerow(("actions_undone", row["kind"], row["category"], _cell(row["rule"]), row["undone"]))
    for state, n in figures.appeals.items():
        writer.writerow(("appeals", state, "", "", n))
    writer.writerow(("reports", "opened", "", "", figures.reports_opened))
    writer.writerow(("reports", "resolved", "", "", figures.reports_resolved))
    writer.writerow(("reports", "median_hours_to_resolve", "", "",
                     "" if figures.median_hours is None else figures.median_hours))
    return out.getvalue()
