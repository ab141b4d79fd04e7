"""Issue 17, P003: the act's kind decides its path (CPACA, Ley 1437 de 2011): a general act is
published (art. 65); a particular act is notified to the interested party with the recursos
that proceed (arts. 66-69, 74) and ends en firme or recurrido (arts. 76, 87)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from engine import Engine, ValidationError
from engine.commands.attachments import Upload
from tests.conftest import BPMN
from tests.helpers import case_row, complete, open_elements, task_for
from tests.web.conftest import PDF

PARTICULAR = {
    "tipo_acto": "resolucion",
    "clase_acto": "particular",
    "asunto": "Por la cual se reconoce una licencia",
    "organismo_productor": "secretaria_salud",
    "interesado": "Clínica del Sur S.A.S.",
}
APPROVALS = [
    ("visto_bueno_organismo", "salud", {"visto_bueno_organismo": "otorgado"}),
    ("visto_bueno_dagjp", "juridica", {"visto_bueno_dagjp": "otorgado"}),
    ("revisar_acto", "despacho2", {"decision_revision": "aprobar"}),
    ("visto_bueno_secretario", "secretario", {"decision_secretario_acto": "otorgar"}),
    ("firmar_acto", "alcalde", {"decision_alcalde": "firmar", "fecha_firma": "2026-12-02"}),
]
NOTIFIED = {
    "medio_notificacion": "personal",
    "fecha_notificacion": "2026-12-04",
    "recursos_procedentes": "reposicion",
    "constancia_notificacion": "data:application/pdf;base64,JVBERi0xLjQK",
}


def _signed(engine: Engine, **changes: Any) -> str:
    engine.deploy([BPMN / "P003_actos_administrativos.bpmn"], "admin")
    filing = {**PARTICULAR, **changes}
    key = engine.start("P003", "despacho", filing, {"borrador": Upload("proyecto.pdf", PDF)})
    for element, who, data in APPROVALS:
        complete(engine, key, element, who, data)
    return key


def test_a_particular_act_is_notified_to_the_interested_party_not_published(engine: Engine) -> None:
    key = _signed(engine)
    assert open_elements(engine, key) == ["notificar_interesado"]
    # Signed Wednesday 2 December 2026: 10 business days later (8 December is a holiday).
    assert task_for(engine, key, "notificar_interesado").due_date == date(2026, 12, 17)


def test_a_general_act_is_still_published(engine: Engine) -> None:
    key = _signed(engine, clase_acto="general")
    assert open_elements(engine, key) == ["publicar_acto"]


def test_a_particular_act_without_its_interested_party_is_refused(engine: Engine) -> None:
    engine.deploy([BPMN / "P003_actos_administrativos.bpmn"], "admin")
    filing = {key: value for key, value in PARTICULAR.items() if key != "interesado"}
    with pytest.raises(ValidationError) as refused:
        engine.start("P003", "despacho", filing, {"borrador": Upload("proyecto.pdf", PDF)})
    assert list(refused.value.field_errors) == ["interesado"]


def test_a_notice_by_aviso_needs_the_citation_sent_first(engine: Engine) -> None:
    key = _signed(engine)
    with pytest.raises(ValidationError) as refused:
        complete(
            engine,
            key,
            "notificar_interesado",
            "despacho",
            {**NOTIFIED, "medio_notificacion": "aviso"},
        )
    assert list(refused.value.field_errors) == ["fecha_citacion_notificacion"]


def test_with_reposicion_the_case_waits_the_ten_business_days(engine: Engine) -> None:
    key = _signed(engine)
    complete(engine, key, "notificar_interesado", "despacho", NOTIFIED)
    # Notified Friday 4 December: the 10 days run to 21 December; the record is due the next day.
    assert task_for(engine, key, "registrar_firmeza").due_date == date(2026, 12, 22)


@pytest.mark.parametrize(
    ("firmeza", "outcome"),
    [
        ({"decision_recurso": "en_firme"}, "RESOLUCION 0001 de 2026 · Notificado · En firme"),
        (
            {"decision_recurso": "recurso_interpuesto", "fecha_recurso": "2026-12-14"},
            "RESOLUCION 0001 de 2026 · Notificado · Recurso de reposición",
        ),
    ],
    ids=["en_firme", "recurrido"],
)
def test_a_notified_act_ends_en_firme_or_recurrido(
    engine: Engine, firmeza: dict[str, str], outcome: str
) -> None:
    key = _signed(engine)
    complete(engine, key, "notificar_interesado", "despacho", NOTIFIED)
    complete(engine, key, "registrar_firmeza", "despacho", firmeza)
    case = case_row(engine, key)
    assert (case.status, case.outcome) == ("completed", outcome)
    assert "fecha_publicacion" not in case.data


def test_an_act_without_recursos_is_en_firme_once_notified(engine: Engine) -> None:
    key = _signed(engine)
    complete(
        engine,
        key,
        "notificar_interesado",
        "despacho",
        {**NOTIFIED, "recursos_procedentes": "ninguno"},
    )
    assert case_row(engine, key).outcome == "RESOLUCION 0001 de 2026 · Notificado · En firme"
