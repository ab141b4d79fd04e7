"""Issue 17: every law or decree cited in processes/ has an entry in docs/legal-sources.md, and
every entry says what it was checked against (a stored page's address) or that it was not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PROCESSES = ROOT / "processes"
REGISTER = ROOT / "docs" / "legal-sources.md"

CITATION = re.compile(r"\b(?:Ley|Decreto) \d+ de \d{4}\b")
NOT_VERIFIED = "no verificado en fuentes almacenadas"


def cited_in_processes() -> dict[str, set[str]]:
    """Each `Ley N de AAAA` / `Decreto N de AAAA` in processes/, with the files that cite it."""
    found: dict[str, set[str]] = {}
    for path in sorted(PROCESSES.rglob("*")):
        if path.is_file() and path.suffix in {".bpmn", ".json", ".yaml", ".yml"}:
            for citation in CITATION.findall(path.read_text(encoding="utf-8")):
                found.setdefault(citation, set()).add(str(path.relative_to(ROOT)))
    return found


def register_rows() -> list[list[str]]:
    rows = []
    for line in REGISTER.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0] not in {"Citation", "---"}:
            rows.append(cells)
    return rows


def test_processes_cite_laws() -> None:
    # Guards the scan itself: if the pattern stopped matching, the next test would pass vacuously.
    assert {"Ley 136 de 1994", "Ley 1437 de 2011", "Decreto 111 de 1996"} <= set(
        cited_in_processes()
    )


@pytest.mark.parametrize("citation", sorted(cited_in_processes()))
def test_every_citation_has_a_register_entry(citation: str) -> None:
    register = REGISTER.read_text(encoding="utf-8")
    files = ", ".join(sorted(cited_in_processes()[citation]))
    assert citation in register, (
        f"{citation} (cited in {files}) has no entry in docs/legal-sources.md"
    )


def test_every_register_entry_says_what_it_was_checked_against() -> None:
    rows = register_rows()
    assert rows, "docs/legal-sources.md has no table rows"
    for cells in rows:
        assert len(cells) == 4, f"expected citation | what | where | verified against: {cells}"
        assert says_what_it_was_checked_against(cells[3]), (
            f"{cells[0]}: no stored page's address and not marked «{NOT_VERIFIED}»"
        )


def says_what_it_was_checked_against(verified: str) -> bool:
    """An address, the literal «no verificado…», the shared seed (the circular), or sample data."""
    return bool(re.search(r"https?://", verified)) or any(
        mark in verified
        for mark in (NOT_VERIFIED, "/work/shared/seed", "not applicable (sample data)")
    )
