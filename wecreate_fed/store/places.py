"""SQL for naming where something comes from: other instances' cities (instances, from their
NodeInfo) and the names of the actors (districts, instance actors) we know from them."""

from __future__ import annotations

from . import Connection, fetch_all


async def instance_names(conn: Connection, hosts: list[str]) -> dict[str, dict]:
    """host -> {city, node_name, fetched, listed, actor_name}: what the instances table says
    (listed: it has a row) and the name of the host's instance actor (type Application) if we have it."""
    if not hosts:
        return {}
    marks = ", ".join("?" * len(hosts))
    found: dict[str, dict] = {}
    for row in await fetch_all(conn, f"SELECT host, city, node_name, last_fetched FROM instances WHERE host IN ({marks})",
                               hosts):
        found[row["host"]] = {"city": row["city"], "node_name": row["node_name"],
                              "fetched": row["last_fetched"] is not None, "listed": True, "actor_name": None}
    for row in await fetch_all(conn, f"SELECT domain, name FROM actors WHERE type = 'Application' AND is_local = 0 "
                                     f"AND domain IN ({marks})", hosts):
        found.setdefault(row["domain"], {"city": None, "node_name": None, "fetched": False, "listed": False})
        found[row["domain"]]["actor_name"] = row["name"] or None
    return found


async def actor_names(conn: Connection, ap_ids: list[str]) -> dict[str, str]:
    """ap_id -> name of the actors we know among them (a remote district's name, say)."""
    if not ap_ids:
        return {}
    marks = ", ".join("?" * len(ap_ids))
    rows = await fetch_all(conn, f"SELECT ap_id, name FROM actors WHERE ap_id IN ({marks}) AND name != ''", ap_ids)
    return {row["ap_id"]: row["name"] for row in rows}
