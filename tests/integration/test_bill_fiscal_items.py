"""Issue 17, P004.F001: the bill's ficha carries the articulado apart, the initiative type and,
when it orders spending or grants tax benefits, the items of Ley 819 de 2003 art. 7: fiscal
cost, funding source and compatibility with the Marco Fiscal de Mediano Plazo."""

from __future__ import annotations

import pytest

from engine import Engine, ValidationError
from engine.commands.attachments import Upload
from tests.conftest import BPMN
from tests.helpers import open_elements
from tests.web.conftest import PDF

BILL = {
    "titulo": "Política pública de salud mental",
    "objeto": "Adoptar la política",
    "tipo_iniciativa": "privativa_alcalde",
    "organismo_formulador": "secretaria_salud",
    "impacto_fiscal": True,
    "valor_estimado": 1500000000,
    "fuente_financiacion": "Sistema General de Participaciones",
    "compatibilidad_mfmp": "Cabe en el techo de gasto de salud del Marco Fiscal 2027-2036",
}
FILES = {"exposicion_de_motivos": "motivos.pdf", "articulado": "articulado.pdf"}


def _start(engine: Engine, data: dict[str, object], files: dict[str, str] = FILES) -> str:
    engine.deploy([BPMN / "P004_proyectos_acuerdo.bpmn"], "admin")
    uploads = {field: Upload(name, PDF) for field, name in files.items()}
    return engine.start("P004", "despacho", data, uploads)


def test_a_complete_ficha_reaches_the_completeness_check(engine: Engine) -> None:
    key = _start(engine, BILL)
    assert open_elements(engine, key) == ["verificar_completitud"]


def test_a_bill_with_fiscal_impact_needs_its_ley_819_items(engine: Engine) -> None:
    data = {
        k: v
        for k, v in BILL.items()
        if k not in ("fuente_financiacion", "compatibilidad_mfmp", "valor_estimado")
    }
    with pytest.raises(ValidationError) as refused:
        _start(engine, data)
    assert set(refused.value.field_errors) == {
        "valor_estimado",
        "fuente_financiacion",
        "compatibilidad_mfmp",
    }


def test_a_bill_without_fiscal_impact_needs_none_of_them(engine: Engine) -> None:
    data = {
        k: v
        for k, v in BILL.items()
        if k not in ("fuente_financiacion", "compatibilidad_mfmp", "valor_estimado")
    }
    key = _start(engine, {**data, "impacto_fiscal": False})
    assert open_elements(engine, key) == ["verificar_completitud"]


def test_the_articulado_and_the_initiative_type_are_required(engine: Engine) -> None:
    data = {k: v for k, v in BILL.items() if k != "tipo_iniciativa"}
    with pytest.raises(ValidationError) as refused:
        _start(engine, data, {"exposicion_de_motivos": "motivos.pdf"})
    assert set(refused.value.field_errors) == {"articulado", "tipo_iniciativa"}
