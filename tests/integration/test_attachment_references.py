"""A form may reference only files stored for its case or uploaded with it: a reference
`adjunto:<sha256>/<name>` to anything else (a forged hash, another case's file) is a field
error, and nothing is written."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from engine import Engine, ValidationError
from engine.commands.attachments import Upload
from storage.models import Attachment, AuditEvent, Case
from tests.conftest import BPMN
from tests.helpers import case_row, open_elements, task_for
from tests.web.conftest import PDF

FORGED = "adjunto:" + "ab" * 32 + "/decreto.pdf"
FILING = {
    "tipo_acto": "decreto",
    "clase_acto": "general",
    "asunto": "Decreto de delegación",
    "organismo_productor": "secretaria_salud",
}
ADJUSTED = {"decision_correccion": "ajustado", "descripcion_ajustes": "Se ajustó el considerando"}


@pytest.fixture
def p003(engine: Engine) -> Engine:
    engine.deploy([BPMN / "P003_actos_administrativos.bpmn"], "admin")
    return engine


def _filed(engine: Engine, content: bytes = PDF) -> str:
    return engine.start("P003", "despacho", FILING, {"borrador": Upload("proyecto.pdf", content)})


def _returned_for_adjustment(engine: Engine) -> str:
    """A filed act whose producer denied its visto bueno: `corregir_acto` is open."""
    key = _filed(engine)
    engine.complete(
        task_for(engine, key, "visto_bueno_organismo").id,
        "salud",
        {"visto_bueno_organismo": "negado", "observaciones_organismo": "Falta un considerando"},
    )
    engine.complete(
        task_for(engine, key, "visto_bueno_dagjp").id, "juridica", {"visto_bueno_dagjp": "otorgado"}
    )
    assert open_elements(engine, key) == ["corregir_acto"]
    return key


def _counts(engine: Engine) -> tuple[int, int, int]:
    with engine.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Case)) or 0,
            session.scalar(select(func.count()).select_from(Attachment)) or 0,
            session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
        )


def test_a_start_form_refuses_a_reference_to_a_file_never_uploaded(p003: Engine) -> None:
    with pytest.raises(ValidationError) as refused:
        p003.start("P003", "despacho", {**FILING, "borrador": FORGED})
    assert list(refused.value.field_errors) == ["borrador"]
    assert "no fue cargado" in refused.value.field_errors["borrador"]
    assert _counts(p003) == (0, 0, 0)


def test_a_start_form_keeps_the_reference_of_the_file_uploaded_with_it(p003: Engine) -> None:
    key = _filed(p003)
    sha = hashlib.sha256(PDF).hexdigest()
    assert case_row(p003, key).data["borrador"] == f"adjunto:{sha}/proyecto.pdf"


@pytest.mark.parametrize("kind", ["forged", "other_case", "renamed"])
def test_a_task_form_refuses_a_reference_to_a_file_not_stored_for_its_case(
    p003: Engine, kind: str
) -> None:
    key = _returned_for_adjustment(p003)
    other = _filed(p003, PDF + b"% otro proyecto\n")
    references = {
        "forged": FORGED,
        "other_case": case_row(p003, other).data["borrador"],
        "renamed": case_row(p003, key).data["borrador"].replace("proyecto.pdf", "firmado.pdf"),
    }
    before = _counts(p003)
    task = task_for(p003, key, "corregir_acto")
    with pytest.raises(ValidationError) as refused:
        p003.complete(task.id, "salud", {**ADJUSTED, "borrador_ajustado": references[kind]})
    assert list(refused.value.field_errors) == ["borrador_ajustado"]
    assert _counts(p003) == before
    assert open_elements(p003, key) == ["corregir_acto"]


def test_a_task_form_may_reference_a_file_stored_for_its_case(p003: Engine) -> None:
    key = _returned_for_adjustment(p003)
    stored = case_row(p003, key).data["borrador"]
    task = task_for(p003, key, "corregir_acto")
    p003.complete(task.id, "salud", {**ADJUSTED, "borrador_ajustado": stored})
    assert case_row(p003, key).data["borrador_ajustado"] == stored


def test_a_reference_hidden_in_a_field_the_form_lacks_is_refused(p003: Engine) -> None:
    key = _returned_for_adjustment(p003)
    stored = case_row(p003, key).data["borrador"]
    task = task_for(p003, key, "corregir_acto")
    data = {**ADJUSTED, "borrador_ajustado": stored, "anexos": [{"archivo": FORGED}]}
    with pytest.raises(ValidationError) as refused:
        p003.complete(task.id, "salud", data)
    assert list(refused.value.field_errors) == ["anexos"]
