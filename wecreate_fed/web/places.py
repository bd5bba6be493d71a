"""Where an idea or event of another instance comes from, as people say it: its city and its
districts ("Leipzig · Mitte"), never a host and port.

The city is what the instance's NodeInfo says (metadata.city, else metadata.nodeName; stored in
the instances table and refreshed daily by nodeinfo.NodeInfoWorker), else the name of its
instance actor. A host never asked yet is handed to the worker at once (nodeinfo.ask_soon), so
the label is there from the next page on. A district is named by its actor as we know it, else
by the last part of its id ("leipzig-west" -> "Leipzig-West").
"""

from __future__ import annotations

from wecreate_fed import nodeinfo
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import places as places_store

SEPARATOR = " · "


class Places:
    """The names for a page's remote hosts and districts, read in two queries."""

    def __init__(self, instances: dict[str, dict], districts: dict[str, str]):
        self.instances = instances
        self.districts = districts

    def city(self, host: str) -> str | None:
        known = self.instances.get(host) or {}
        return known.get("city") or known.get("node_name") or known.get("actor_name")

    def district(self, ap_id: str, city: str | None) -> str:
        name = self.districts.get(ap_id)
        if name and city and name.startswith(city + " ") and len(name) > len(city) + 1:
            name = name[len(city) + 1:]  # district actors are called "Leipzig Mitte"
        if name:
            return name
        slug = ap_id.rstrip("/").rsplit("/", 1)[-1]
        return "-".join(part[:1].upper() + part[1:] for part in slug.split("-")) or ap_id

    def label(self, host: str, district_ids: list[str]) -> str | None:
        """"Leipzig · Mitte, West"; None when the city is not known (the page says "another city")."""
        city = self.city(host)
        if city is None:
            return None
        names = [self.district(d, city) for d in district_ids[:3]]
        return city + (SEPARATOR + ", ".join(names) if names else "")


async def load(rt: Runtime, hosts: list[str], district_ids: list[str]) -> Places:
    """The names for these hosts and districts; hosts never asked for their NodeInfo are asked now."""
    conn = rt.db.reader
    hosts = sorted({h for h in hosts if h and h != rt.config.host})
    instances = await places_store.instance_names(conn, hosts)
    unasked = [h for h in hosts if not instances.get(h, {}).get("fetched")]
    if unasked:
        await nodeinfo.ask_soon(rt, unasked)
    return Places(instances, await places_store.actor_names(conn, sorted(set(district_ids))))
