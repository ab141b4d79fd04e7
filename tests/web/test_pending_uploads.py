"""Defect 4 of issue 13: a file uploaded with a form was lost when another field failed, and
the official was then told it was missing. It is kept, for that user and that form, shown as
attached, and stored with the case when the form is finally accepted."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from engine import Engine
from engine.commands.attachments import Upload
from storage.models import Attachment
from tests.conftest import BPMN
from tests.helpers import open_elements, task_for
from tests.web.conftest import PDF, login, make_app, post

FILING = {
    "tipo_acto": "decreto",
    "clase_acto": "general",
    "asunto": "Delegación de funciones",
    "organismo_productor": "secretaria_salud",
}


def _returned_act(engine: Engine) -> tuple[str, int]:
    engine.deploy([BPMN / "P003_actos_administrativos.bpmn"], "admin")
    key = engine.start("P003", "despacho", FILING, {"borrador": Upload("proyecto.pdf", PDF)})
    engine.complete(
        task_for(engine, key, "visto_bueno_organismo").id,
        "salud",
        {"visto_bueno_organismo": "negado", "observaciones_organismo": "Falta un considerando"},
    )
    engine.complete(
        task_for(engine, key, "visto_bueno_dagjp").id, "juridica", {"visto_bueno_dagjp": "otorgado"}
    )
    return key, task_for(engine, key, "corregir_acto").id


def _attachments(engine: Engine) -> int:
    with engine.sessions() as session:
        return session.scalar(select(func.count(Attachment.id))) or 0


def test_a_file_sent_with_an_invalid_form_stays_attached(engine: Engine) -> None:
    key, task_id = _returned_act(engine)
    client = make_app(engine).test_client()
    login(client, "salud")
    before = _attachments(engine)
    refused = post(
        client,
        f"/tareas/{task_id}",
        {
            "decision_correccion": "ajustado",
            "borrador_ajustado": (io.BytesIO(PDF), "ajustado.pdf"),
        },  # descripcion_ajustes is missing
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert "Archivo ya adjunto: ajustado.pdf" in refused.text
    assert _attachments(engine) == before  # nothing is stored with the case yet
    reference = refused.text.split('type="hidden" name="borrador_ajustado" value="', 1)[1]
    reference = reference.split('"', 1)[0]
    assert reference.startswith("adjunto:") and reference.endswith("/ajustado.pdf")

    accepted = post(
        client,
        f"/tareas/{task_id}",
        {
            "decision_correccion": "ajustado",
            "descripcion_ajustes": "Se agregó el considerando",
            "borrador_ajustado": reference,
        },
        content_type="multipart/form-data",
    )
    assert accepted.status_code == 303, accepted.text
    assert "corregir_acto" not in open_elements(engine, key)
    with engine.sessions() as session:
        stored = session.scalars(select(Attachment).where(Attachment.filename == "ajustado.pdf"))
        (row,) = stored.all()
        assert row.content == PDF and row.task_id == task_id and row.uploaded_by == "salud"


def test_another_users_kept_file_cannot_be_referenced(engine: Engine) -> None:
    _, task_id = _returned_act(engine)
    client = make_app(engine).test_client()
    login(client, "salud")
    refused = post(
        client,
        f"/tareas/{task_id}",
        {"decision_correccion": "ajustado", "borrador_ajustado": (io.BytesIO(PDF), "otro.pdf")},
        content_type="multipart/form-data",
    )
    reference = refused.text.split('type="hidden" name="borrador_ajustado" value="', 1)[1]
    reference = reference.split('"', 1)[0]
    other = make_app(engine).test_client()
    login(other, "admin")
    response = post(
        other,
        f"/tareas/{task_id}",
        {
            "decision_correccion": "ajustado",
            "descripcion_ajustes": "Ajuste",
            "borrador_ajustado": reference,
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "no fue cargado" in response.text
