"""`wecreate-fed demo`: two instances on loopback, Leipzig and Meißen, federating live.

The first run writes a config per city, creates invented demo people, starts both
servers, and then lets the people follow each other and post across the two
instances through the real client-to-server API and signed server-to-server delivery.
Later runs reuse what is there.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from actors import local as local_actors
from wecreate_fed import config as config_module
from wecreate_fed import store
from wecreate_fed.errors import WeCreateError
from wecreate_fed.store import actors as actors_store

# Leipzig's ten Stadtbezirke, and a selection of Meißen's Stadtteile.
LEIPZIG_DISTRICTS = ["Mitte", "Nordost", "Ost", "Südost", "Süd", "Südwest", "West", "Alt-West", "Nordwest", "Nord"]
MEISSEN_DISTRICTS = ["Altstadt", "Cölln", "Triebischtal", "Zaschendorf", "Bohnitzsch", "Spaar", "Siebeneichen",
                     "Lercha", "Zscheila", "Proschwitz"]


@dataclass(frozen=True)
class DemoPerson:
    username: str
    name: str
    type: str
    summary: str
    category: str | None = None


@dataclass(frozen=True)
class DemoCity:
    slug: str
    city: str
    districts: list[str]
    people: list[DemoPerson]


CITIES = [
    DemoCity("leipzig", "Leipzig", LEIPZIG_DISTRICTS, [
        DemoPerson("anna", "Anna Schulz", "Person", "Fährt Rad in Plagwitz und will mehr Trinkbrunnen."),
        DemoPerson("mehmet", "Mehmet Yıldız", "Person", "Elternvertreter in Grünau."),
        DemoPerson("stadtverwaltung", "Stadtverwaltung Leipzig (Demo)", "Organization",
                   "Ein erfundenes Demo-Konto der Verwaltung.", "administration"),
    ]),
    DemoCity("meissen", "Meißen", MEISSEN_DISTRICTS, [
        DemoPerson("jonas", "Jonas Weber", "Person", "Organisiert Putzaktionen an der Elbe."),
        DemoPerson("lena", "Lena Richter", "Person", "Studiert in Meißen, engagiert im Jugendbeirat."),
        DemoPerson("buergerliste", "Bürgerliste Meißen (Demo)", "Organization", "Eine erfundene Wählergruppe.",
                   "party"),
    ]),
]

# Who follows whom across the two cities, and what they post once the follows are accepted.
FOLLOWS = [("meissen", "jonas", "leipzig", "anna"), ("leipzig", "anna", "meissen", "jonas"),
           ("meissen", "lena", "leipzig", "stadtverwaltung"), ("leipzig", "mehmet", "meissen", "buergerliste")]
POSTS = [
    ("leipzig", "anna", "<p>Idee: ein Trinkbrunnen am Lindenauer Markt. Wer macht mit? #Leipzig #West</p>"),
    ("meissen", "jonas", "<p>Samstag 10 Uhr: Elbwiesen-Putzaktion in Cölln. Handschuhe gibt es vor Ort.</p>"),
    ("leipzig", "stadtverwaltung", "<p>Die Sitzung des Stadtbezirksbeirats West ist öffentlich. Willkommen!</p>"),
]


def write_config(directory: Path, city: DemoCity, port: int) -> Path:
    """The demo city's config.toml (written once; edit it freely afterwards)."""
    path = directory / city.slug / "config.toml"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    districts = "\n".join(
        f'[[city.districts]]\nslug = "{_slug(d)}"\nname = "{d}"\n' for d in city.districts
    )
    path.write_text(
        f"""# Demo instance written by 'wecreate-fed demo'. Plain http on loopback is allowed only
# because federation.allow_private_addresses is true; never do this in production.
[instance]
name = "WeCreate {city.city} (Demo)"
base_url = "http://127.0.0.1:{port}"
description = "Demo-Instanz für {city.city}: Ideen, Unterstützung und Boxen. Alle Personen sind erfunden."
registration = "open"
default_language = "de"

[city]
name = "{city.city}"

{districts}
[database]
path = "wecreate.sqlite3"

[server]
host = "127.0.0.1"
port = {port}

[federation]
allow_private_addresses = true
""",
        encoding="utf-8",
    )
    return path


def _slug(name: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"})
    return name.translate(table).lower().replace(" ", "-")


async def create_people(config, city: DemoCity) -> dict[str, str]:
    """Create the demo people (once) and return a fresh access token for each."""
    db = await store.Database(config.database_path).open()
    tokens = {}
    try:
        async with db.transaction() as conn:
            await local_actors.ensure_instance_actor(conn, config)
            for person in city.people:
                if await actors_store.get_local_actor(conn, person.username) is None:
                    await local_actors.create_account(conn, config, username=person.username, name=person.name,
                                                      type_=person.type, summary=f"<p>{person.summary}</p>",
                                                      password="demo-passwort", category=person.category)
                tokens[person.username] = await local_actors.issue_token(conn, person.username, "demo")
    finally:
        await db.close()
    return tokens


async def wait_until_up(base_url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(f"{base_url}/.well-known/nodeinfo") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise WeCreateError(f"{base_url} did not start within {timeout:.0f} s; see its log above")


async def federate(bases: dict[str, str], tokens: dict[str, dict[str, str]]) -> None:
    """Follow across the two cities, wait for the Accepts, then post."""
    async with aiohttp.ClientSession() as session:
        async def post(city, user, document):
            async with session.post(f"{bases[city]}/users/{user}/outbox", json=document,
                                    headers={"Authorization": f"Bearer {tokens[city][user]}"}) as response:
                if response.status != 201:
                    raise WeCreateError(f"demo: {user}@{city} could not post: {await response.text()}")

        for city, user, other_city, other in FOLLOWS:
            await post(city, user, {"type": "Follow", "object": f"{bases[other_city]}/users/{other}"})
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            counts = []
            for city, user, _, _ in FOLLOWS:
                async with session.get(f"{bases[city]}/users/{user}/following",
                                       headers={"Accept": "application/activity+json"}) as response:
                    counts.append((await response.json())["totalItems"])
            if all(counts):
                break
            await asyncio.sleep(0.3)
        for city, user, html in POSTS:
            await post(city, user, {"type": "Note", "content": html})


def run(args) -> int:
    directory = Path(args.dir)
    ports = {"leipzig": args.leipzig_port, "meissen": args.meissen_port}
    configs, tokens, bases = {}, {}, {}
    first_run = not (directory / "seeded").exists()
    for city in CITIES:
        config = config_module.load(write_config(directory, city, ports[city.slug]))
        configs[city.slug], bases[city.slug] = config, config.base_url
        tokens[city.slug] = asyncio.run(create_people(config, city))
    servers = [
        subprocess.Popen([sys.executable, "-m", "wecreate_fed.cli", "serve", "--config", str(config.source_path)])
        for config in configs.values()
    ]
    try:
        for base in bases.values():
            asyncio.run(wait_until_up(base))
        if first_run:
            asyncio.run(federate(bases, tokens))
            (directory / "seeded").write_text("demo people have followed each other and posted\n")
        print("\nWeCreate demo is running (Ctrl-C stops it):", file=sys.stderr)
        for city in CITIES:
            handles = ", ".join(f"@{p.username}@{configs[city.slug].host}" for p in city.people)
            print(f"  {city.city}: {bases[city.slug]}/  people: {handles}", file=sys.stderr)
        print(f"  access tokens for the client-to-server API: {directory / 'tokens.json'}", file=sys.stderr)
        (directory / "tokens.json").write_text(json.dumps(tokens, indent=2) + "\n")
        while all(server.poll() is None for server in servers):
            time.sleep(0.5)
        return 1  # a server stopped on its own: its error is above
    except KeyboardInterrupt:
        return 0
    finally:
        for server in servers:
            if server.poll() is None:
                server.send_signal(signal.SIGINT)
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
