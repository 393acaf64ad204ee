"""Low: formula injection through the CSV export of a channel's terms.

Attack: a moderator adds blocked terms that a spreadsheet runs as formulas
(``=HYPERLINK(...)``, ``+cmd``, ``-cmd``, ``@SUM(...)``); the owner (or another channel that
imports the list) exports them as CSV and opens the file in a spreadsheet. Expected: no exported
cell starts with ``=``, ``+``, ``-``, ``@``, tab or CR (each is escaped with a leading ``'``),
and importing the export gives back exactly the same terms.
"""

from __future__ import annotations

import csv
import io

from chatwarden.csvcells import escape_cell, unescape_cell
from tests.web.harness import World

TERMS = [
    {"text": "=one calc"},
    {"text": "+two calc"},
    {"text": "-three calc"},
    {"text": "@four(1 2)"},
    {"text": "'=five quoted"},
    {"text": "'six quote"},
    {"text": r'=HYPERLINK\("https?://\w+"\)', "is_regex": True},
]


def _terms(world: World, person: str, channel: str) -> list[tuple[str, str, bool]]:
    r = world[person].http.get(f"/api/v1/channels/{channel}/automod/terms")
    assert r.status_code == 200, r.text
    return sorted((t["text"], t["kind"], t["is_regex"]) for t in r.json())


def test_csv_export_escapes_formula_cells_and_imports_back(world: World) -> None:
    mod = world["mod"].http
    for term in TERMS:
        r = mod.post("/api/v1/channels/main/automod/terms", json=term)
        assert r.status_code == 201, (term, r.text)
    exported = world["owner"].http.get("/api/v1/channels/main/automod/terms/export?format=csv")
    assert exported.status_code == 200, exported.text
    rows = list(csv.reader(io.StringIO(exported.text)))
    cells = [cell for row in rows for cell in row]
    dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert not dangerous, f"cells a spreadsheet would run: {dangerous}"
    assert "'=one calc" in cells and "''=five quoted" in cells and "''six quote" in cells

    r = world["other"].http.post(
        "/api/v1/channels/other/automod/terms/import?format=csv",
        content=exported.text,
        headers={"Content-Type": "text/plain"},
    )
    assert r.status_code == 200 and r.json()["added"] == len(TERMS), r.text
    assert _terms(world, "other", "other") == _terms(world, "owner", "main")


def test_escaping_round_trips() -> None:
    for text in ["=x", "+x", "-x", "@x", "\tx", "\rx", "'x", "''x", "'=x", "x", "", "a=b"]:
        assert unescape_cell(escape_cell(text)) == text
        assert not escape_cell(text).startswith(("=", "+", "-", "@", "\t", "\r"))
