"""Deployment: identical bundles are no-ops, changes make a new version, running cases keep theirs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import DeployRefused, Engine, Forbidden, InvalidDefinition, NotFound
from storage.models import Definition, WorkbenchEvent
from tests.conftest import BPMN, PROCESSES
from tests.helpers import case_row, complete, task_for
from tests.integration.test_p001_paths import PROPOSAL, start


def _copy_processes(tmp_path: Path) -> Path:
    target = tmp_path / "processes"
    (target / "bpmn").mkdir(parents=True)
    for bpmn in BPMN.glob("*.bpmn"):  # P001 calls P003 and P005: they sit next to it
        shutil.copy(bpmn, target / "bpmn")
    shutil.copytree(PROCESSES / "forms", target / "forms")
    return target / "bpmn" / "P001_delegaciones.bpmn"


def _definitions(engine: Engine) -> list[tuple[str, int]]:
    with engine.sessions() as session:
        rows = session.execute(
            select(Definition.key, Definition.version).order_by(Definition.version)
        )
        return [(key, version) for key, version in rows]


def test_deploying_identical_content_again_is_a_no_op(engine: Engine) -> None:
    first = engine.deploy([BPMN / "P001_delegaciones.bpmn"], "analista")
    again = engine.deploy([BPMN / "P001_delegaciones.bpmn"], "analista")
    assert [(d.version, d.created) for d in first] == [(1, True)]
    assert [(d.version, d.created) for d in again] == [(1, False)]
    assert _definitions(engine) == [("P001", 1)]


def test_changed_content_is_the_next_version_and_running_cases_keep_theirs(
    engine: Engine, tmp_path: Path
) -> None:
    bpmn = _copy_processes(tmp_path)
    engine.deploy([bpmn], "analista")
    old_case = start(engine)

    bpmn.write_text(bpmn.read_text().replace("Proponer delegado", "Proponer delegada o delegado"))
    assert [(d.version, d.created) for d in engine.deploy([bpmn], "analista")] == [(2, True)]
    new_case = start(engine)

    assert case_row(engine, old_case).definition_id != case_row(engine, new_case).definition_id
    assert task_for(engine, old_case, "proponer_delegado").name == "Proponer delegado"
    assert task_for(engine, new_case, "proponer_delegado").name == "Proponer delegada o delegado"
    complete(engine, old_case, "proponer_delegado", "despacho", PROPOSAL)
    assert task_for(engine, old_case, "aprobar_delegacion").state == "open"


def _shas(engine: Engine) -> dict[int, str]:
    with engine.sessions() as session:
        return dict(
            session.execute(
                select(Definition.version, Definition.sha256).where(Definition.key == "P001")
            ).all()
        )


def test_deploying_an_earlier_versions_content_again_is_refused_and_changes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    bpmn = _copy_processes(tmp_path)
    original = bpmn.read_text()
    engine.deploy([bpmn], "analista")
    bpmn.write_text(original.replace("Proponer delegado", "Proponer delegada o delegado"))
    engine.deploy([bpmn], "analista")
    bpmn.write_text(original)
    with pytest.raises(DeployRefused, match=r"igual a la versión 1 de P001.*«Volver a v1»"):
        engine.deploy([bpmn], "analista")
    assert _definitions(engine) == [("P001", 1), ("P001", 2)]


def test_redeploying_an_earlier_version_makes_it_the_next_version_and_running_cases_stay(
    engine: Engine, tmp_path: Path
) -> None:
    bpmn = _copy_processes(tmp_path)
    engine.deploy([bpmn], "analista")
    bpmn.write_text(bpmn.read_text().replace("Proponer delegado", "Proponer delegada o delegado"))
    engine.deploy([bpmn], "analista")
    on_version_2 = start(engine)

    rolled_back = engine.redeploy_version("P001", 1, "analista")

    assert (rolled_back.version, rolled_back.created) == (3, True)
    shas = _shas(engine)
    assert shas[3] == shas[1] != shas[2]
    new_case = start(engine)
    assert task_for(engine, new_case, "proponer_delegado").name == "Proponer delegado"
    assert task_for(engine, on_version_2, "proponer_delegado").name == (
        "Proponer delegada o delegado"
    )
    with engine.sessions() as session:
        event = session.scalars(select(WorkbenchEvent)).one()
    assert (event.actor, event.action, event.key, event.version) == (
        "analista",
        "version_redeployed",
        "P001",
        3,
    )
    assert event.payload == {"from_version": 1, "sha256": shas[1]}


def test_redeploying_the_content_the_latest_version_has_is_refused(
    engine: Engine, tmp_path: Path
) -> None:
    bpmn = _copy_processes(tmp_path)
    engine.deploy([bpmn], "analista")
    with pytest.raises(DeployRefused, match="versión 1 de P001 ya tiene el contenido"):
        engine.redeploy_version("P001", 1, "analista")
    with pytest.raises(NotFound, match="no tiene versión 7"):
        engine.redeploy_version("P001", 7, "analista")
    with pytest.raises(Forbidden):
        engine.redeploy_version("P001", 1, "despacho")
    assert _definitions(engine) == [("P001", 1)]


def test_a_changed_form_alone_is_a_new_version(engine: Engine, tmp_path: Path) -> None:
    bpmn = _copy_processes(tmp_path)
    engine.deploy([bpmn], "analista")
    form = bpmn.parent.parent / "forms" / "P001.propuesta.schema.json"
    form.write_text(
        form.read_text().replace('"title"', '"title"', 1).replace("}", ', "$comment": "v2"}', 1)
    )
    assert [d.version for d in engine.deploy([bpmn], "analista")] == [2]


def test_one_file_finds_the_processes_it_calls_in_its_own_folder(
    engine: Engine, tmp_path: Path
) -> None:
    bpmn = _copy_processes(tmp_path)
    called = bpmn.parent / "P005_seguimiento_compromisos.bpmn"
    called.unlink()
    with pytest.raises(InvalidDefinition, match="'P005' no está desplegado ni en la misma carpeta"):
        engine.deploy([bpmn], "analista")
    shutil.copy(BPMN / called.name, called)
    deployed = engine.deploy([bpmn], "analista")
    assert [(d.key, d.version, d.created) for d in deployed] == [("P001", 1, True)]
    assert _definitions(engine) == [("P001", 1)]  # the called files travel inside P001's bundle


def test_a_folder_deploys_every_procedure_in_it(engine: Engine) -> None:
    deployed = engine.deploy([BPMN], "analista")
    assert {d.key for d in deployed} == {path.stem.split("_")[0] for path in BPMN.glob("*.bpmn")}
    with engine.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Definition)) == len(deployed)


@pytest.mark.parametrize("user", ["analista", "admin"])
def test_analysts_and_administrators_deploy(engine: Engine, user: str) -> None:
    deployed = engine.deploy([BPMN / "P001_delegaciones.bpmn"], user)
    assert [(d.key, d.version, d.created) for d in deployed] == [("P001", 1, True)]
    with engine.sessions() as session:
        assert session.scalars(select(Definition.deployed_by)).all() == [user]


@pytest.mark.parametrize("user", ["despacho", "calidad", "secretario"])
def test_someone_who_is_not_an_analyst_cannot_deploy_and_nothing_changes(
    engine: Engine, user: str
) -> None:
    with pytest.raises(Forbidden, match=f"{user} no puede desplegar procedimientos"):
        engine.deploy([BPMN / "P001_delegaciones.bpmn"], user)
    assert _definitions(engine) == []


def test_an_unknown_user_cannot_deploy_and_nothing_changes(engine: Engine) -> None:
    with pytest.raises(NotFound, match="usuario 'nadie' no existe"):
        engine.deploy([BPMN / "P001_delegaciones.bpmn"], "nadie")
    assert _definitions(engine) == []


def test_a_non_analyst_cannot_replace_a_deployed_version(engine: Engine, tmp_path: Path) -> None:
    bpmn = _copy_processes(tmp_path)
    engine.deploy([bpmn], "analista")
    bpmn.write_text(bpmn.read_text().replace("Proponer delegado", "Proponer otra cosa"))
    with pytest.raises(Forbidden):
        engine.deploy([bpmn], "despacho")
    assert _definitions(engine) == [("P001", 1)]
