"""Domain block lists in Mastodon's CSV format (Admin → Federation → Export / Import):

    #domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate
    spam.example,suspend,true,true,Spam,false

Severity is Mastodon's word: "silence" (our limit), "suspend" or "noop"; our "limit" is read
too. Booleans are true/false (also 1/0, yes/no; empty is false). As Mastodon, a file without
that header is read as one domain per line, each suspended; unknown columns are ignored. The
private comment is never exported (it stays on this instance).

An import is all or nothing: every row is checked first and each bad one named with its line
number; if any is bad, nothing is imported.
"""

from __future__ import annotations

import csv
import dataclasses
import io

from wecreate_fed.domainpolicy import DomainPolicy
from wecreate_fed.errors import BadRequest, Problems
from wecreate_fed.runtime import Runtime

from . import domains
from .roles import By

HEADER = ("#domain", "#severity", "#reject_media", "#reject_reports", "#public_comment", "#obfuscate")
MAX_ROWS = 20_000
MAX_BYTES = 5_000_000
_SEVERITY_IN = {"silence": "limit", "limit": "limit", "suspend": "suspend", "noop": "noop", "": "suspend"}
_SEVERITY_OUT = {"limit": "silence", "suspend": "suspend", "noop": "noop"}
_TRUE, _FALSE = {"true", "1", "yes", "t"}, {"false", "0", "no", "f", ""}


def export(policies: list[DomainPolicy]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for p in policies:
        writer.writerow([p.domain, _SEVERITY_OUT[p.severity], _bool_out(p.reject_media), _bool_out(p.reject_reports),
                         p.public_comment, _bool_out(p.obfuscate)])
    return out.getvalue()


def _bool_out(value: bool) -> str:
    return "true" if value else "false"


def parse(text: str, *, config_domains=frozenset()) -> list[DomainPolicy]:
    """Every row as a policy, or BadRequest naming each bad row (field "line N", code "csv_row")."""
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise BadRequest(f"the file is larger than {MAX_BYTES} bytes", field="file", code="csv_too_large",
                         params={"max": MAX_BYTES})
    problems = Problems()
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    columns: dict[str, int] | None = None
    policies: list[DomainPolicy] = []
    seen: dict[str, int] = {}
    line = 0
    for row in reader:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if columns is None and row[0].strip().lower() == "#domain":
            columns = {name.strip().lower(): i for i, name in enumerate(row)}
            continue
        if len(policies) + len(problems.found) >= MAX_ROWS:
            raise BadRequest(f"more than {MAX_ROWS} rows", field="file", code="csv_too_many", params={"max": MAX_ROWS})

        def cell(name: str, row=row, columns=columns) -> str:
            if columns is None:   # a plain list: the domain only
                return row[0] if name == "#domain" else ""
            i = columns.get(name)
            return row[i].strip() if i is not None and i < len(row) else ""
        try:
            policy = _row(cell, start)
        except BadRequest as e:
            for p in e.problems:
                problems.add(f"line {start}", "csv_row", f"line {start}: {p.message}", line=start, reason=p.message)
            continue
        if policy.domain in seen:
            problems.add(f"line {start}", "csv_row", f"line {start}: {policy.domain} is already on line "
                         f"{seen[policy.domain]}", line=start, reason=f"{policy.domain} twice")
        elif policy.domain in config_domains:
            problems.add(f"line {start}", "csv_row", f"line {start}: {policy.domain} is in federation.blocked_domains "
                         "of the configuration", line=start, reason=f"{policy.domain} in the configuration")
        else:
            seen[policy.domain] = start
            policies.append(policy)
    problems.raise_if_any()
    return policies


def _row(cell, line: int) -> DomainPolicy:
    severity = cell("#severity").lower()
    problems = Problems()
    if severity not in _SEVERITY_IN:
        problems.add("severity", "invalid_choice", f"severity '{severity[:40]}' is not silence, suspend or noop")
    flags = {}
    for name in ("#reject_media", "#reject_reports", "#obfuscate"):
        value = cell(name).lower()
        if value not in _TRUE | _FALSE:
            problems.add(name[1:], "invalid_choice", f"{name[1:]} '{value[:40]}' is not true or false")
        flags[name[1:]] = value in _TRUE
    problems.raise_if_any()
    return domains.make_policy(cell("#domain"), _SEVERITY_IN[severity], public_comment=cell("#public_comment"),
                               reject_media=flags["reject_media"], reject_reports=flags["reject_reports"],
                               obfuscate=flags["obfuscate"])


async def import_text(rt: Runtime, text: str, *, by: By) -> tuple[int, int]:
    """Import a file's policies in one transaction: (rows read, policies added or changed).
    A domain already here takes the row's settings and keeps its private comment."""
    policies = parse(text, config_domains=frozenset(rt.domains.base))
    here = {p.domain: p for p in rt.domains.stored()}
    merged = [dataclasses.replace(p, private_comment=here[p.domain].private_comment) if p.domain in here else p
              for p in policies]
    return len(policies), await domains.set_many(rt, merged, by=by)
