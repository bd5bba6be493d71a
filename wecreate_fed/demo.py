"""`wecreate-fed demo`: two instances on loopback, Leipzig and Meißen, federating live.

The first run writes a config per city, creates invented demo people, starts both
servers, and then lets the people follow each other, publish ideas, support and comment
on them, announce an event and join a box across the two instances, through the real
client-to-server API and signed server-to-server delivery. Later runs reuse what is there.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp

from actors import local as local_actors
from wecreate_fed import config as config_module
from wecreate_fed import store
from wecreate_fed.civic import boxes, motions
from wecreate_fed.errors import WeCreateError
from wecreate_fed.http import HttpClient
from wecreate_fed.runtime import Runtime
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
IDEAS = [  # (city, author, the idea as a client-to-server object)
    ("leipzig", "anna", {"name": "Trinkbrunnen am Lindenauer Markt", "districts": ["west"], "type": "Note", "civicKind": "idea",
                         "abstract": "Ein öffentlicher Trinkbrunnen für heiße Sommertage.",
                         "source": {"mediaType": "text/markdown", "content":
                                    "Im Sommer gibt es am Markt **kein Trinkwasser**.\n\n- Standort: Nordseite\n"
                                    "- Pflege: Wasserwerke fragen"},
                         "tag": ["#wasser", "#sommer"]}),
    ("leipzig", "mehmet", {"name": "Sicherer Schulweg in Grünau", "districts": ["west"], "type": "Note", "civicKind": "idea",
                           "abstract": "Eine Ampel und Schülerlotsen an der Stuttgarter Allee.",
                           "source": {"mediaType": "text/markdown", "content": "Morgens ist es hier gefährlich."},
                           "tag": ["#schulweg", "#verkehr"]}),
    ("leipzig", "stadtverwaltung", {"name": "Bürgerhaushalt 2027: Ideen gesucht", "districts": ["mitte"],
                                    "type": "Note", "civicKind": "idea", "abstract": "Wofür soll die Stadt Geld ausgeben?",
                                    "source": {"mediaType": "text/markdown", "content": "Schlagen Sie Projekte vor!"},
                                    "tag": ["#haushalt"]}),
    ("meissen", "jonas", {"name": "Elbwiesen sauber halten", "districts": ["coelln"], "type": "Note", "civicKind": "idea",
                          "abstract": "Mehr Mülleimer und eine monatliche Putzaktion.",
                          "source": {"mediaType": "text/markdown", "content": "Nach Sommerabenden liegt viel Müll."},
                          "tag": ["#elbe", "#sauberkeit"]}),
    ("meissen", "lena", {"name": "Jugendtreff im Triebischtal", "districts": ["triebischtal"],
                         "type": "Note", "civicKind": "reform_proposal", "addressedTo": "buergerliste",
                         "abstract": "Ein Raum für Jugendliche, selbst verwaltet.",
                         "source": {"mediaType": "text/markdown", "content": "Es fehlt ein Ort nach der Schule."},
                         "tag": ["#jugend"]}),
]

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

[moderation]
contact = "moderation@{city.slug}.example"

# Invented example texts so the footer's links work; a real instance writes its own (README).
[legal]
imprint = '''{DEMO_IMPRINT.format(city=city.city)}'''
privacy = '''{DEMO_PRIVACY.format(city=city.city)}'''
""",
        encoding="utf-8",
    )
    return path


DEMO_IMPRINT = """## Angaben gemäß § 5 DDG

Beispielverein WeCreate {city} e. V. (erfunden, nur für die Demo)<br>
Musterstraße 1<br>
01234 {city}

Vertreten durch: Erika Mustermann (Vorstand)

Kontakt: demo@example.org

Dies ist eine Demo-Instanz. Alle Angaben sind erfunden."""

DEMO_PRIVACY = """## Wer ist verantwortlich?

Beispielverein WeCreate {city} e. V. (erfunden), Musterstraße 1, 01234 {city}, demo@example.org.

## Was wird gespeichert?

Für ein Konto: Benutzername, angezeigter Name, ein Hash des Passworts, Sprache und Stadtbezirk;
was du veröffentlichst, wird an die Server der Menschen geschickt, die dir folgen.

## Wie lange, auf welcher Grundlage?

Bis du dein Konto löschst (Art. 6 Abs. 1 lit. b DSGVO). Du hast das Recht auf Auskunft,
Berichtigung, Löschung und Beschwerde bei einer Aufsichtsbehörde.

Dies ist eine Demo-Instanz; dieser Text ist ein erfundenes Beispiel."""


def _slug(name: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"})
    return name.translate(table).lower().replace(" ", "-")


async def create_people(config, city: DemoCity) -> dict[str, str]:
    """Create the demo people (once) and return a fresh access token for each."""
    db = await store.open_database(config.database_url)
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


async def federate(bases: dict[str, str], tokens: dict[str, dict[str, str]]) -> str:
    """Follow across the two cities, wait for the Accepts, then post; returns the fountain idea's id."""
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
        ideas = {}
        for city, user, idea in IDEAS:
            if idea.get("addressedTo"):
                idea = {**idea, "addressedTo": f"{bases[city]}/users/{idea['addressedTo']}"}
            await post(city, user, idea)
            ideas[idea["name"]] = await _newest_idea(session, bases[city], user)
        fountain, elbe = ideas["Trinkbrunnen am Lindenauer Markt"], ideas["Elbwiesen sauber halten"]
        # Supports and a comment across the two cities, and an event with people attending
        for city, user, idea_id in [("meissen", "jonas", fountain), ("leipzig", "mehmet", fountain),
                                    ("meissen", "lena", elbe), ("leipzig", "anna", elbe)]:
            await post(city, user, {"type": "Like", "object": idea_id})
        await post("meissen", "jonas", {"type": "Note", "inReplyTo": fountain,
                                        "content": "<p>Gute Idee! Im Juli war es dort unerträglich heiß.</p>"})
        start = (datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(days=7)).replace(
            hour=18, minute=0, second=0, microsecond=0)
        await post("leipzig", "anna", {
            "type": "Event", "name": "Ortstermin: Trinkbrunnen", "district": "west", "linkedIdea": fountain,
            "startTime": start.isoformat(), "endTime": (start + timedelta(hours=1, minutes=30)).isoformat(),
            "timezone": "Europe/Berlin", "maximumAttendeeCapacity": 20,
            "source": {"mediaType": "text/markdown", "content": "Wir schauen uns den Platz gemeinsam an."},
            "location": {"type": "Place", "name": "Lindenauer Markt",
                         "address": {"type": "PostalAddress", "streetAddress": "Lindenauer Markt",
                                     "postalCode": "04177", "addressLocality": "Leipzig"}}})
        return fountain


async def _newest_idea(session: aiohttp.ClientSession, base: str, user: str) -> str:
    async with session.get(f"{base}/api/marketplace", params={"sort": "newest", "per_page": "1"}) as response:
        items = (await response.json())["items"]
    if not items or not items[0]["author"]["handle"].startswith(f"@{user}@"):
        raise WeCreateError(f"demo: the idea of {user} did not appear on the marketplace")
    return items[0]["id"]


async def create_box(config, fountain: str, tokens: dict, bases: dict) -> None:
    """A box behind the fountain idea, with a draft motion; Jonas from Meißen joins it over the network."""
    db = await store.open_database(config.database_url)
    rt = Runtime(config=config, db=db, http=HttpClient.from_config(config))
    try:
        anna = await actors_store.get_local_actor(db.reader, "anna")
        mehmet = await actors_store.get_local_actor(db.reader, "mehmet")
        assert anna is not None and mehmet is not None  # create_people made them
        box = await boxes.create(rt, anna, {
            "name": "Trinkbrunnen West", "slug": "trinkbrunnen_west", "visibility": "open", "idea": fountain,
            "problem": "Im Sommer fehlt am Lindenauer Markt Trinkwasser.", "purpose": "Wir planen den Brunnen.",
            "goals": "Ein Brunnen bis zum Sommer", "skills_sought": "Sanitär, Förderanträge",
            "meeting_time": "Freitags 17 Uhr", "meeting_place": "Stadtteilladen", "district_slug": "west"})
        await boxes.join(rt, mehmet, box.ap_id)
        await boxes.add_indicator(rt, anna, "trinkbrunnen_west", "Unterschriften", 500, unit="", current=120)
        await boxes.add_task(rt, mehmet, "trinkbrunnen_west", "Wasserwerke anschreiben", mehmet.ap_id)
        stadt = await actors_store.get_local_actor(db.reader, "stadtverwaltung")
        assert stadt is not None
        motion = await motions.draft(rt, anna, "trinkbrunnen_west", {
            "title": "Trinkbrunnen am Lindenauer Markt", "district": "west", "council": stadt.ap_id,
            "request": "Der Stadtbezirksbeirat West möge die Aufstellung eines Trinkbrunnens beschließen.",
            "reasoning": "Hitzesommer werden häufiger; Trinkwasser im öffentlichen Raum schützt.",
            "required_cosigners": 2})
        await motions.cosign(rt, anna, motion)
    finally:
        await db.close()
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{bases['meissen']}/users/jonas/outbox", json={"type": "Follow", "object": box.ap_id},
                                headers={"Authorization": f"Bearer {tokens['meissen']['jonas']}"}) as response:
            if response.status != 201:
                raise WeCreateError(f"demo: Jonas could not join the box: {await response.text()}")


class Stopped(BaseException):
    """The demo was told to stop (SIGTERM, SIGHUP; SIGINT raises KeyboardInterrupt)."""


STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
SERVER_GRACE = 10.0  # seconds a server has to stop after SIGINT before it is killed


def _stop(signum, _frame) -> None:
    raise Stopped(signum)


def _die_with_parent() -> None:
    """In each server, before it starts: Linux sends it SIGTERM if the demo dies without cleaning up
    (SIGKILL), so that no server outlives the demo. Elsewhere nothing happens."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def start_servers(configs: dict) -> list[subprocess.Popen]:
    """The two servers, each in a session of its own: a terminal's Ctrl-C or hang-up reaches the demo
    alone, which stops them in order (stop_servers) rather than both dying at once mid-request."""
    return [subprocess.Popen([sys.executable, "-m", "wecreate_fed.cli", "serve", "--config", str(config.source_path)],
                             start_new_session=True,
                             preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
            for config in configs.values()]


def stop_servers(servers: list[subprocess.Popen]) -> None:
    """SIGINT to each server still running (they finish their requests and workers), killed after SERVER_GRACE."""
    for server in servers:
        if server.poll() is None:
            server.send_signal(signal.SIGINT)
    deadline = time.monotonic() + SERVER_GRACE
    for server in servers:
        try:
            server.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def run(args) -> int:
    """The demo in the foreground until Ctrl-C, SIGTERM or SIGHUP; both servers stop with it."""
    for number in STOP_SIGNALS:
        signal.signal(number, _stop)
    directory = Path(args.dir)
    ports = {"leipzig": args.leipzig_port, "meissen": args.meissen_port}
    configs, tokens, bases = {}, {}, {}
    servers: list[subprocess.Popen] = []
    try:
        first_run = not (directory / "seeded").exists()
        for city in CITIES:
            config = config_module.load(write_config(directory, city, ports[city.slug]))
            configs[city.slug], bases[city.slug] = config, config.base_url
            tokens[city.slug] = asyncio.run(create_people(config, city))
        servers = start_servers(configs)
        for base in bases.values():
            asyncio.run(wait_until_up(base))
        if first_run:
            fountain = asyncio.run(federate(bases, tokens))
            asyncio.run(create_box(configs["leipzig"], fountain, tokens, bases))
            (directory / "seeded").write_text("demo people have followed each other and posted\n")
        # Written before the demo says it runs: whoever reads that line (a script, a test) finds it.
        (directory / "tokens.json").write_text(json.dumps(tokens, indent=2) + "\n")
        print("\nWeCreate demo is running (Ctrl-C stops it):", file=sys.stderr)
        for city in CITIES:
            handles = ", ".join(f"@{p.username}@{configs[city.slug].host}" for p in city.people)
            print(f"  {city.city}: {bases[city.slug]}/  people: {handles}", file=sys.stderr)
        print(f"  data (configs, databases): {directory.resolve()}", file=sys.stderr)
        print(f"  access tokens for the client-to-server API: {directory / 'tokens.json'}", file=sys.stderr)
        while all(server.poll() is None for server in servers):
            time.sleep(0.5)
        return 1  # a server stopped on its own: its error is above
    except (KeyboardInterrupt, Stopped):
        return 0
    finally:
        # A second signal must not cut the clean-up short and leave a server running.
        for number in (*STOP_SIGNALS, signal.SIGINT):
            signal.signal(number, signal.SIG_IGN)
        stop_servers(servers)
