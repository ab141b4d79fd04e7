"""Deployment: identical bundles are no-ops, changes make a new version, running cases keep theirs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import Engine, Forbidden, InvalidDefinition, NotFound
from storage.models import Definition
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
