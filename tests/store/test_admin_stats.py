"""The admin dashboard's queries read index ranges, never a whole big table (they must stay fast
with 100,000 ideas and 1,000,000 queue rows; benchmarks/pages.py measures them)."""

from __future__ import annotations

from wecreate_fed.store import Database, admin_stats

# Tables of one row per remote server: read whole. Every other table grows with the instance's
# life, and a query over it must SEARCH an index range.
SMALL = ("hosts", "instances")


async def plans_of(db: Database, calls) -> dict[str, list[str]]:
    """SQL -> its query plan, for every query the calls make."""
    conn = db.reader
    seen: list[tuple[str, tuple]] = []
    real = conn.execute_fetchall

    def recording(sql, params=()):
        seen.append((sql, tuple(params)))
        return real(sql, params)
    conn.execute_fetchall = recording  # type: ignore[method-assign]
    try:
        for call in calls:
            await call(conn)
    finally:
        conn.execute_fetchall = real  # type: ignore[method-assign]
    return {sql: [row[3] for row in await real("EXPLAIN QUERY PLAN " + sql, params)] for sql, params in seen}


async def test_the_dashboards_queries_use_indexes(tmp_path):
    db = await Database(tmp_path / "x.sqlite3").open()
    since, host = "2026-01-01T00:00:00.000000Z", "a.example"
    try:
        plans = await plans_of(db, [
            lambda c: admin_stats.report_counts(c, resolved_since=since),
            lambda c: admin_stats.count_new_accounts(c, since),
            lambda c: admin_stats.count_active_people(c, since),
            lambda c: admin_stats.ideas_per_day(c, since),
            lambda c: admin_stats.supports_per_day(c, since),
            lambda c: admin_stats.pending_by_host(c, limit=10),
            lambda c: admin_stats.troubled_hosts(c, limit=10),
            admin_stats.incoming_counts,
            lambda c: admin_stats.incoming_errors(c, limit=5),
            lambda c: admin_stats.list_instances(c, limit=50),
            admin_stats.domains_not_in_instances,
            lambda c: admin_stats.instances_due(c, fetched_before=since, limit=20),
            lambda c: admin_stats.count_actors_from(c, host),
            lambda c: admin_stats.list_actors_from(c, host, limit=50),
            lambda c: admin_stats.count_followers_from(c, host),
            lambda c: admin_stats.deliveries_to(c, host),
            lambda c: admin_stats.incoming_from(c, host),
        ])
    finally:
        await db.close()
    assert len(plans) >= 17
    for sql, plan in plans.items():
        # A full read is allowed only of small tables, or of the actors' domain index (new hosts, every 10 minutes).
        scans = [step for step in plan if step.startswith("SCAN")]
        assert all(step.split()[1] in SMALL or step == "SCAN actors USING COVERING INDEX actors_domain"
                   for step in scans), (sql, plan)
    # the ones that matter most, by name
    flat = {sql.split(" FROM ")[1].split()[0] + ":" + step for sql, plan in plans.items() for step in plan}
    assert "deliveries:SEARCH deliveries USING COVERING INDEX deliveries_state_host (state=?)" in flat
    assert any("ideas_local_published (is_local=? AND published>? AND published<?)" in step for step in flat)
    assert any("sessions_seen" in step for step in flat)
    assert any("incoming_open_signer" in step for step in flat)
