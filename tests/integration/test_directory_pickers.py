"""Fields that pick an organism or a person are checked against the directory on the server:
an unknown or inactive one is a field error (in Spanish) and nothing changes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from engine import Engine, ValidationError
from engine.commands.attachments import Upload
from engine.people.pickers import directory_field_errors
from storage.models import Case, Group, User
from tests.conftest import BPMN
from tests.helpers import complete, hold_session
from tests.integration.test_p001_paths import FICHA, PROPOSAL, start

P003_START = {
    "tipo_acto": "decreto",
    "clase_acto": "general",
    "asunto": "Por el cual se reglamenta…",
}
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _file_act(engine: Engine, organism: str) -> str:
    data = {**P003_START, "organismo_productor": organism}
    return engine.start("P003", "despacho", data, {"borrador": Upload("proyecto.pdf", PDF)})


@pytest.fixture
def p003(engine: Engine) -> Engine:
    engine.deploy([BPMN / "P003_actos_administrativos.bpmn"], "admin")
    return engine


def _cases(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Case)) or 0)


def _deactivate(sessions: sessionmaker[Session], model: type[Group] | type[User], key: str) -> None:
    column = model.code if model is Group else model.username  # type: ignore[union-attr]
    with sessions() as session, session.begin():
        session.execute(update(model).where(column == key).values(active=False))


def test_an_unknown_delegate_is_a_field_error(p001: Engine) -> None:
    key = start(p001)
    with pytest.raises(ValidationError) as refused:
        complete(
            p001, key, "proponer_delegado", "despacho", {**PROPOSAL, "delegado": "maria.gomez"}
        )
    assert refused.value.field_errors == {
        "delegado": "la persona «maria.gomez» no existe en el directorio"
    }


def test_an_inactive_delegate_is_a_field_error(
    p001: Engine, sessions: sessionmaker[Session]
) -> None:
    key = start(p001)
    _deactivate(sessions, User, "delegada")
    with pytest.raises(ValidationError) as refused:
        complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
    assert "inactivo" in refused.value.field_errors["delegado"]


def test_an_unknown_commitment_responsible_is_an_error_on_its_row(p001: Engine) -> None:
    key = start(p001)
    complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
    complete(p001, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    hold_session(p001, key)
    ficha = {**FICHA, "compromisos": [{**FICHA["compromisos"][0], "responsable": "tesoreria"}]}  # type: ignore[dict-item]
    with pytest.raises(ValidationError) as refused:
        complete(p001, key, "diligenciar_ficha", "delegada", ficha)
    assert refused.value.field_errors == {
        "compromisos.0.responsable": "la persona «tesoreria» no existe en el directorio"
    }


def test_the_producing_organism_comes_from_the_directory(
    p003: Engine, sessions: sessionmaker[Session]
) -> None:
    # Not one of the four Secretarías the schema used to list by hand:
    key = _file_act(p003, "dagma")
    assert key.startswith("P003-")


@pytest.mark.parametrize(
    ("organism", "message"),
    [
        ("ministerio_de_cultura", "el organismo «ministerio_de_cultura» no existe en el directorio"),
        ("calidad", "el organismo «calidad» no existe en el directorio"),  # a role, not an organism
        ("secretaria_turismo", "el organismo «Secretaría de Turismo» está inactivo y no puede elegirse"),
    ],
)  # fmt: skip
def test_an_unknown_or_inactive_organism_cannot_start_a_case(
    p003: Engine, sessions: sessionmaker[Session], organism: str, message: str
) -> None:
    _deactivate(sessions, Group, "secretaria_turismo")
    with pytest.raises(ValidationError) as refused:
        _file_act(p003, organism)
    assert refused.value.field_errors["organismo_productor"] == message
    assert _cases(sessions) == 0


def test_a_person_of_a_group_must_belong_to_it(
    p001: Engine, sessions: sessionmaker[Session]
) -> None:
    schema = {
        "type": "object",
        "properties": {"abogado": {"type": "string", "x-directory": {"person_of_group": "dagjp"}}},
    }
    with sessions() as session:
        assert directory_field_errors(session, schema, {"abogado": "juridica"}) == {}
        assert directory_field_errors(session, schema, {"abogado": "salud"}) == {
            "abogado": "Directivo Secretaría de Salud no pertenece a "
            "Departamento Administrativo de Gestión Jurídica Pública"
        }


@pytest.mark.parametrize(
    ("declaration", "complaint"),
    [
        ("organismo", "declara x-directory inválido"),
        ({"person_of_group": "tesoreria"}, "grupo desconocido 'tesoreria'"),
    ],
)
def test_the_linter_refuses_a_bad_directory_declaration(
    engine: Engine, tmp_path: Path, declaration: object, complaint: str
) -> None:
    (tmp_path / "bpmn").mkdir()
    shutil.copytree(BPMN.parent / "forms", tmp_path / "forms")
    diagram = shutil.copy(BPMN / "P001_delegaciones.bpmn", tmp_path / "bpmn")
    proposal_path = tmp_path / "forms" / "P001.propuesta.schema.json"
    proposal = json.loads(proposal_path.read_text(encoding="utf-8"))
    proposal["properties"]["delegado"]["x-directory"] = declaration
    proposal_path.write_text(json.dumps(proposal), encoding="utf-8")
    problems = engine.validate([Path(diagram)])
    assert any(complaint in problem for problem in problems), problems
