"""The transparency report (DSA Art. 15 style): for a known set of notices, actions and appeals
the page and the CSV give the right figures for a month, a half-year and a year; bad periods 400.

The rows are inserted with SQL in the test, as the report and action parts write them into the
tables of migration 0012; the report only reads those tables."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from tests.web.conftest import text_of
from wecreate_fed.errors import BadRequest
from wecreate_fed.moderation import roles, rules, transparency


def at(text: str) -> str:
    """A stored timestamp (as store.iso writes them)."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# report: (created, resolved or None); filings: (report, source, category, uses the rule, created)
REPORTS = [("2026-05-02T10:00", "2026-05-02T14:00"), ("2026-05-03T00:00", "2026-05-04T00:00"),
           ("2026-05-10T00:00", "2026-05-10T01:00"), ("2026-04-30T23:00", "2026-05-01T01:00"),
           ("2026-05-20T00:00", None), ("2026-06-01T00:00", None)]
FILINGS = [(0, "member", "spam", False, "2026-05-02T10:00"), (0, "member", "spam", False, "2026-05-02T11:00"),
           (1, "notice", "illegal", False, "2026-05-03T00:00"), (2, "remote", "rule", True, "2026-05-10T00:00"),
           (4, "remote", "harassment", False, "2026-05-31T23:59:59.999999"),
           (3, "member", "other", False, "2026-04-30T23:00"), (5, "member", "spam", False, "2026-06-01T00:00"),
           (5, "notice", "privacy", False, "2026-07-01T00:00")]
# action: (kind, category, uses the rule, created, undone)
ACTIONS = [("hide", "spam", False, "2026-05-02T14:00", None), ("hide", "spam", False, "2026-05-05T09:00",
                                                                 "2026-05-06T09:00"),
           ("suspend", "rule", True, "2026-05-10T01:00", None), ("remove", "illegal", False, "2026-05-04T00:00", None),
           ("warn", "other", False, "2026-04-30T12:00", None)]
# appeal: (action, state, created)
APPEALS = [(0, "upheld", "2026-05-03T00:00"), (1, "reversed", "2026-05-05T10:00"), (2, "open", "2026-05-11T00:00"),
           (3, "upheld", "2026-06-02T00:00")]


async def fill(site) -> None:
    async with site.rt.db.transaction() as conn:
        rule_id = await rules.add(conn, "Keine Werbung.", "No ads.", by=roles.CLI)
        report_ids = []
        for n, (created, resolved) in enumerate(REPORTS):
            cur = await conn.execute(
                "INSERT INTO reports (target_ap_id, target_kind, account_ap_id, snapshot, state, created_at, "
                "updated_at, resolved_at) VALUES (?, 'idea', 'https://x.example/u/a', '{}', ?, ?, ?, ?)",
                (f"https://x.example/i/{n}", "resolved" if resolved else "open", at(created), at(created),
                 at(resolved) if resolved else None))
            report_ids.append(cur.lastrowid)
        for report, source, category, cites, created in FILINGS:
            await conn.execute("INSERT INTO report_filings (report_id, source, category, rule_id, created_at) "
                               "VALUES (?, ?, ?, ?, ?)",
                               (report_ids[report], source, category, rule_id if cites else None, at(created)))
        action_ids = []
        for kind, category, cites, created, undone in ACTIONS:
            cur = await conn.execute(
                "INSERT INTO moderation_actions (kind, target_ap_id, target_kind, category, rule_id, explanation, "
                "created_at, undone_at) VALUES (?, 'https://x.example/i/0', 'idea', ?, ?, 'why', ?, ?)",
                (kind, category, rule_id if cites else None, at(created), at(undone) if undone else None))
            action_ids.append(cur.lastrowid)
        for action, state, created in APPEALS:
            await conn.execute("INSERT INTO appeals (action_id, text, state, created_at) VALUES (?, 'bitte', ?, ?)",
                               (action_ids[action], state, at(created)))


def test_periods_are_years_half_years_and_months():
    assert transparency.period("2026-H2").end == datetime(2027, 1, 1, tzinfo=UTC)
    assert transparency.period("2026-H1").end == datetime(2026, 7, 1, tzinfo=UTC)
    assert transparency.period("2026-12").start == datetime(2026, 12, 1, tzinfo=UTC)
    assert transparency.period("2026-12").end == datetime(2027, 1, 1, tzinfo=UTC)
    assert transparency.period("2026").end == datetime(2027, 1, 1, tzinfo=UTC)
    assert transparency.period(None, now=datetime(2031, 3, 4, tzinfo=UTC)).name == "2031"
    for bad in ("2026-13", "2026-00", "2026-H3", "26", "1999", "2026-5", "2026/05", "x" * 5000, "２０２６"):
        with pytest.raises(BadRequest):
            transparency.period(bad)


async def test_the_figures_of_a_month_on_the_page_and_in_the_csv(site, visitor_for):
    await fill(site)
    guest = visitor_for(site)
    status, html, _ = await guest.get("/transparency?period=2026-05")
    assert status == 200
    text = text_of(html)
    assert "Zeitraum 2026-05" in text and "5 Meldungen insgesamt." in text and "4 Entscheidungen insgesamt." in text
    assert "Mitglieder dieser Instanz Spam 2" in text and "Andere Server Regel der Instanz: Keine Werbung. 1" in text
    assert "Konto gesperrt Regel der Instanz: Keine Werbung. 1 0" in text and "Vom Marktplatz genommen Spam 2 1" in text
    assert "Entscheidung bestätigt 1" in text and "Entscheidung aufgehoben 1" in text and "Noch offen 1" in text
    assert "Mittlere Bearbeitungszeit (Median): 3,0 Stunden." in text  # of 4, 24, 1 and 2 hours
    assert 'href="/transparency.csv?period=2026-05"' in html
    async with guest.session.get(guest.url("/transparency.csv?period=2026-05")) as r:
        assert r.status == 200 and r.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert r.headers["Content-Disposition"] == 'attachment; filename="transparency-2026-05.csv"'
        rows = list(csv.reader(io.StringIO(await r.text())))
    assert rows == [
        ["section", "kind", "category", "rule", "count"],
        ["period", "2026-05", "", "", ""],
        ["notices", "member", "spam", "", "2"],
        ["notices", "notice", "illegal", "", "1"],
        ["notices", "remote", "harassment", "", "1"],
        ["notices", "remote", "rule", "Keine Werbung.", "1"],
        ["actions", "hide", "spam", "", "2"],
        ["actions_undone", "hide", "spam", "", "1"],
        ["actions", "remove", "illegal", "", "1"],
        ["actions", "suspend", "rule", "Keine Werbung.", "1"],
        ["appeals", "open", "", "", "1"],
        ["appeals", "upheld", "", "", "1"],
        ["appeals", "reversed", "", "", "1"],
        ["reports", "opened", "", "", "4"],
        ["reports", "resolved", "", "", "4"],
        ["reports", "median_hours_to_resolve", "", "", "3.0"],
    ]


async def test_a_year_and_a_half_year_take_in_every_month(site, visitor_for):
    await fill(site)
    figures = await transparency.report(site.rt.db.reader, transparency.period("2026-H1"))
    assert figures.notices_total == 7 and figures.actions_total == 5  # April's and June's too, July's not
    assert figures.appeals == {"open": 1, "upheld": 2, "reversed": 1} and figures.reports_opened == 6
    second = await transparency.report(site.rt.db.reader, transparency.period("2026-H2"))
    assert second.notices == [{"source": "notice", "category": "privacy", "rule_id": None, "rule": None, "n": 1}]
    year = await transparency.report(site.rt.db.reader, transparency.period("2026"))
    assert year.notices_total == 8 and year.appeals_total == 4 and year.by("notices", "source") == {
        "member": 4, "notice": 2, "remote": 2}
    empty = await transparency.report(site.rt.db.reader, transparency.period("2025"))
    assert empty.notices_total == 0 and empty.median_hours is None
    status, html, _ = await visitor_for(site).get("/transparency?period=2025")
    assert status == 200 and "keine Meldung abgeschlossen" in text_of(html)
    english = visitor_for(site, accept_language="en")
    status, html, _ = await english.get("/transparency?period=2026-05")
    assert "Median time to resolve: 3.0 hours." in text_of(html)


async def test_a_bad_period_is_a_400_in_german(site, visitor_for):
    guest = visitor_for(site)
    for path in ("/transparency?period=2026-13", "/transparency.csv?period=letztes-jahr",
                 "/transparency?period=2026-H3"):
        status, html, _ = await guest.get(path)
        assert status == 400, path
        assert "Diesen Zeitraum gibt es nicht" in text_of(html), path
    status, html, _ = await guest.get("/transparency")  # no period: this year
    assert status == 200 and f"Zeitraum {datetime.now(UTC).year}" in text_of(html)
