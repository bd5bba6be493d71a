"""Paths from one place: the website builds every link with url_for, its routes and our ids come
from wecreate_fed/urls.py; no template or web module spells a path of ours by hand."""

import re
from pathlib import Path

from tests.conftest import instance_config
from wecreate_fed import i18n, urls
from wecreate_fed.app import create_app

WEB = Path(i18n.__file__).parent
# href="/…", a path glued to a value ("{{ page }}/join"), or a path in an expression ('/districts/' ~ …)
HAND_MADE_LINK = re.compile(r"""\b(?:href|action|src)=["']/|\}\}/\w|\{\{[^}]*["']/""")
PAGE_PREFIX = re.compile("[\"'](?:" + "|".join(re.escape(p) for p in urls.PAGE_PATHS.values()) + ")")
FSTRING_PATH = re.compile(r"""\bf["']/""")


def test_no_template_spells_a_path_by_hand():
    found = [f"{path.name}:{n}" for path in sorted((WEB / "templates").glob("*.html"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if HAND_MADE_LINK.search(line) or PAGE_PREFIX.search(line)]
    assert not found, f"paths written by hand (use url_for): {found}"


def test_no_web_module_spells_a_path_of_ours_by_hand():
    found = [f"{path.name}:{n}" for path in sorted(WEB.glob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if PAGE_PREFIX.search(line) or FSTRING_PATH.search(line)]
    assert not found, f"paths written by hand (use url_for, or urls.PAGE_PATHS for a route): {found}"


def test_every_page_url_in_our_documents_is_a_route_of_the_website(tmp_path):
    config = instance_config(tmp_path, "leipzig", 8000)
    rules = {rule.rule for rule in create_app(config, run_workers=False).url_map.iter_rules()}
    for kind, param in (("idea", "key"), ("event", "key"), ("box", "slug"), ("motion", "key"),
                        ("district", "slug"), ("user", "username")):
        page = urls.page_of(config, kind, "x").removeprefix(config.base_url)
        assert page.removesuffix("x") + f"<{param}>" in rules, kind
