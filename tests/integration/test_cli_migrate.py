"""`buengobierno migrate` as an operator uses it: dry run, batch, refusals, exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import BPMN, PROCESSES
from tests.integration.test_cli import run  # noqa: F401 (the fixture)
from tests.p001_versions import RENAMED, WITHOUT_PROPOSAL

INVITATION = {
    "instancia": "Junta Directiva de EMCALI",
    "asunto": "Sesión ordinaria",
    "fecha_sesion": "2026-12-04",
    "tipo_delegacion": "puntual",
}


def _version_folder(root: Path, p001_xml: str) -> Path:
    """A copy of processes/ whose P001 is `p001_xml`, as an analyst's checkout would be."""
    shutil.copytree(PROCESSES / "forms", root / "forms")
    (root / "bpmn").mkdir()
    for diagram in BPMN.glob("P00[135]_*.bpmn"):
        shutil.copy(diagram, root / "bpmn" / diagram.name)
    (root / "bpmn" / "P001_delegaciones.bpmn").write_text(p001_xml, encoding="utf-8")
    return root / "bpmn"


def test_migrate_dry_run_batch_refusals_and_exit_codes(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    assert run("deploy", str(BPMN)).exit_code == 0
    case = run("start", "P001", "--as", "despacho", "--data", json.dumps(INVITATION))
    key = case.output.strip()
    deployed = run("deploy", str(_version_folder(tmp_path / "v2", RENAMED)), "--as", "analista")
    assert "P001 v2 (nueva versión)" in deployed.output

    dry = run("migrate", "P001", "--to", "2", "--dry-run", "--as", "analista")
    assert dry.exit_code == 0, dry.output
    assert dry.output.splitlines() == [
        f"se migraría\t{key}\tv1 → v2",
        "1 casos se migrarían, 0 rechazados",
    ]
    forbidden = run("migrate", "P001", "--to", "2", "--as", "despacho")
    assert forbidden.exit_code == 4
    assert run("migrate", "P001", "--to", "9", "--as", "analista").exit_code == 3

    moved = run("migrate", "P001", "--to", "2", "--as", "analista")
    assert moved.exit_code == 0, moved.output
    assert moved.output.splitlines()[0] == f"migrado\t{key}\tv1 → v2"
    assert "Postular delegado" in run("tasks", "--as", "despacho").output

    run("deploy", str(_version_folder(tmp_path / "v3", WITHOUT_PROPOSAL)), "--as", "analista")
    refused = run("migrate", "P001", "--to", "3", "--as", "analista", "--json")
    assert refused.exit_code == 5
    assert json.loads(refused.output) == {
        "migrated": [],
        "refused": {
            key: [
                "'Postular delegado' (proponer_delegado) está activa en el caso y no existe en la "
                "versión 3"
            ]
        },
    }
