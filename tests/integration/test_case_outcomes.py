"""Issue 13, defect 5: a finished case says how it turned out, as its end event declares
(`outcome`, a template over the case data); the linter refuses an outcome that does not render."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import Engine, InvalidDefinition
from engine.bpm.runtime import outcome_text
from engine.commands.attachments import Upload
from tests.conftest import BPMN
from tests.helpers import case_row, deploy_edited_p001, task_for
from tests.web.conftest import PDF, PROPOSAL, start_p001

REJECTED = '<spiffworkflow:property name="outcome" value="Delegación rechazada" />'


def _deploy_p001_with_outcome(engine: Engine, tmp_path: Path, outcome: str) -> None:
    changed = REJECTED.replace('value="Delegación rechazada"', f'value="{outcome}"')
    deploy_edited_p001(engine, tmp_path, REJECTED, changed)


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        ("Rechazada para {{ instancia_equivocada }}", r"ningún formulario.*instancia_equivocada"),
        ("{% if instancia %}sin cerrar", r"no es una plantilla válida"),
        ("{{ fecha_sesion + 1 }}", r"no se puede mostrar"),
        ("{{ '' }}", r"queda vacío"),
    ],
    ids=["unknown_field", "syntax_error", "fails_with_form_data", "empty"],
)
def test_an_outcome_that_does_not_render_is_refused(
    engine: Engine, tmp_path: Path, outcome: str, message: str
) -> None:
    with pytest.raises(InvalidDefinition, match=rf"elemento 'fin_rechazada': .*outcome.*{message}"):
        _deploy_p001_with_outcome(engine, tmp_path, outcome)


def test_the_outcome_is_rendered_over_the_case_data_when_the_case_ends(
    engine: Engine, tmp_path: Path
) -> None:
    _deploy_p001_with_outcome(engine, tmp_path, "Rechazada: {{ observaciones_secretario }}")
    key = start_p001(engine)
    engine.complete(task_for(engine, key, "proponer_delegado").id, "despacho", PROPOSAL)
    engine.complete(
        task_for(engine, key, "aprobar_delegacion").id,
        "secretario",
        {"decision_secretario": "rechazar", "observaciones_secretario": "Asiste el Alcalde"},
    )
    row = case_row(engine, key)
    assert row.status == "completed" and row.outcome == "Rechazada: Asiste el Alcalde"


def test_a_running_case_has_no_outcome(p001: Engine) -> None:
    assert case_row(p001, start_p001(p001)).outcome is None


def test_without_an_outcome_the_end_event_names_it() -> None:
    assert outcome_text({"name": "Acto publicado", "properties": {}}, {}) == "Acto publicado"
    end = {"name": "Archivado por el Concejo", "properties": {"outcome": _NEGATED}}
    assert outcome_text(end, {"resultado_primer_debate": "negado"}) == "Negado en primer debate"
    assert outcome_text(end, {"resultado_segundo_debate": "negado"}) == "Negado en segundo debate"


_NEGATED = (
    "{% if resultado_segundo_debate == 'negado' %}Negado en segundo debate"
    "{% else %}Negado en primer debate{% endif %}"
)


def test_a_published_decree_ends_with_its_number(engine: Engine) -> None:
    engine.deploy([BPMN / "P003_actos_administrativos.bpmn"], "admin")
    filing = {
        "tipo_acto": "decreto",
        "clase_acto": "general",
        "asunto": "Horario",
        "organismo_productor": "secretaria_salud",
    }
    key = engine.start("P003", "despacho", filing, {"borrador": Upload("proyecto.pdf", PDF)})
    steps = [
        ("visto_bueno_organismo", "salud", {"visto_bueno_organismo": "otorgado"}),
        ("visto_bueno_dagjp", "juridica", {"visto_bueno_dagjp": "otorgado"}),
        ("revisar_acto", "despacho2", {"decision_revision": "aprobar"}),
        ("visto_bueno_secretario", "secretario", {"decision_secretario_acto": "otorgar"}),
        ("firmar_acto", "alcalde", {"decision_alcalde": "firmar", "fecha_firma": "2026-12-02"}),
        (
            "publicar_acto",
            "despacho",
            {
                "fecha_publicacion": "2026-12-03",
                "medio": "boletin_oficial",
                "acto_publicado": "data:application/pdf;base64,JVBERi0xLjQK",
            },
        ),
    ]
    for element, who, data in steps:
        engine.complete(task_for(engine, key, element).id, who, data)
    assert case_row(engine, key).outcome == "DECRETO 0001 de 2026 · Publicado"
