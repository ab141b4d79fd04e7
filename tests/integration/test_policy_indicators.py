"""The four policy indicators, each edge built as a real case: what counts, what fails, what is
still pending, over a period, and through the roles the diagrams declare (not element ids)."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from engine import Engine, ManualClock
from engine.audit.indicators import Filters, Indicator, compliance
from engine.bpm.calendar import BOGOTA
from tests.conftest import BPMN, PROCESSES
from tests.helpers import complete, hold_session, open_tasks, task_for
from tests.integration.test_p001_paths import FICHA

PDF = "data:application/pdf;base64,JVBERi0xLjQKJcfsj6IK"


def _figures(engine: Engine, filters: Filters | None = None) -> dict[str, Indicator]:
    with engine.sessions() as session:
        return {i.policy: i for i in compliance(session, engine.clock.now(), filters)}


def _counts(indicator: Indicator) -> dict[str, list[str]]:
    return {b.code: [i.business_key for i in b.items] for b in indicator.buckets if b.items}


# -- P001: delegations, their fichas and the commitments they carry ----------------------------


def _delegation(engine: Engine, session_day: str) -> str:
    key = engine.start(
        "P001",
        "despacho",
        {
            "instancia": "Junta Directiva de EMCALI",
            "asunto": "Sesión ordinaria",
            "fecha_sesion": session_day,
            "lugar": "CAM",
            "tipo_delegacion": "puntual",
        },
    )
    complete(engine, key, "proponer_delegado", "despacho",
             {"delegado": "delegada", "cargo_delegado": "Subsecretaria", "justificacion": "Tema"})  # fmt: skip
    complete(engine, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    hold_session(engine, key, day=session_day)
    return key


def _send_ficha(engine: Engine, key: str, commitments: list[dict[str, str]] | None = None) -> None:
    data: dict[str, Any] = {
        **FICHA,
        "fecha_realizacion": "2026-12-04",
        "resumen_sesion": "Sesión",
        "compromisos": commitments or [],
    }
    complete(engine, key, "diligenciar_ficha", "delegada", data)


def _report(engine: Engine, key: str, responsible: str, verdict: dict[str, str]) -> None:
    report = next(
        t for t in open_tasks(engine, key)
        if t.element_id == "reportar_avance" and t.assignee == responsible
    )  # fmt: skip
    engine.complete(report.id, responsible, {"avance": "Hecho"})
    complete(engine, key, "verificar_compromiso", "despacho", verdict)


@pytest.fixture
def delegations(procedures: Engine, clock: ManualClock) -> dict[str, str]:
    """Sessions held on 2026-12-04 (ficha due 12-10: the 8th is a holiday), reported that
    afternoon; then the clock moves to 12-14 and the rest happens late or not at all; a session
    held on 12-14 is still in its term."""
    engine = procedures  # every procedure deployed by the analyst
    keys = {name: _delegation(engine, "2026-12-04") for name in ("a_tiempo", "tarde", "falta")}
    _send_ficha(
        engine,
        keys["a_tiempo"],
        [
            {"descripcion": "Informe", "responsable": "salud", "fecha_limite": "2026-12-04"},
            {"descripcion": "Plan", "responsable": "movilidad", "fecha_limite": "2026-12-07"},
            {"descripcion": "Acta", "responsable": "educacion", "fecha_limite": "2026-12-09"},
            {"descripcion": "Oficio", "responsable": "cultura", "fecha_limite": "2026-12-10"},
            {"descripcion": "Mesa", "responsable": "hacienda", "fecha_limite": "2027-01-15"},
        ],
    )
    _report(engine, keys["a_tiempo"], "salud", {"estado_compromiso": "cumplido"})
    _report(
        engine,
        keys["a_tiempo"],
        "cultura",
        {
            "estado_compromiso": "reprogramado",
            "razon_reprogramacion": "La mesa se aplazó",
            "nueva_fecha_limite": "2026-12-30",
        },
    )
    clock.set(datetime(2026, 12, 14, 9, 0, tzinfo=BOGOTA))
    _send_ficha(engine, keys["tarde"])
    _report(engine, keys["a_tiempo"], "movilidad", {"estado_compromiso": "cumplido"})
    keys["en_termino"] = _delegation(engine, "2026-12-14")
    return keys


def test_a_ficha_never_sent_counts_against_policy_3_and_one_not_yet_due_is_pending(
    engine: Engine, delegations: dict[str, str]
) -> None:
    p3 = _figures(engine)["3"]
    assert _counts(p3) == {
        "a_tiempo": [delegations["a_tiempo"]],
        "tarde": [delegations["tarde"]],
        "faltantes": [delegations["falta"]],
        "en_termino": [delegations["en_termino"]],
    }
    assert (p3.compliant, p3.non_compliant, p3.pending) == (1, 2, 1)
    assert p3.percent == pytest.approx(100 / 3)


def test_policy_3_over_a_period_counts_the_fichas_due_in_it(
    engine: Engine, delegations: dict[str, str]
) -> None:
    december_first_half = Filters(start=date(2026, 12, 1), end=date(2026, 12, 11))
    p3 = _figures(engine, december_first_half)["3"]
    assert (p3.compliant, p3.non_compliant, p3.pending) == (1, 2, 0)
    later = _figures(engine, Filters(start=date(2026, 12, 12)))["3"]
    assert _counts(later) == {"en_termino": [delegations["en_termino"]]}


def test_policy_1_tells_on_time_late_open_overdue_and_reprogrammed_commitments(
    engine: Engine, delegations: dict[str, str]
) -> None:
    p1 = _figures(engine)["1"]
    details = {b.code: [i.detail.split(" (")[0] for i in b.items] for b in p1.buckets if b.items}
    assert details == {
        "a_tiempo": ["Informe"],
        "tarde": ["Plan"],
        "vencidos": ["Acta"],
        "reprogramados": ["Oficio"],
        "en_termino": ["Mesa"],
    }
    assert (p1.compliant, p1.non_compliant, p1.pending) == (1, 2, 2)
    assert p1.keys("non_compliant") == [delegations["a_tiempo"]]
    # The reprogrammed commitment stays in the period of its original due date.
    early = _figures(engine, Filters(end=date(2026, 12, 10)))["1"]
    assert sum(len(b.items) for b in early.buckets) == 4


# -- P003: acts, their vistos buenos and their returns -----------------------------------------

RADICACION = {
    "tipo_acto": "decreto",
    "clase_acto": "general",
    "asunto": "Horario",
    "organismo_productor": "secretaria_salud",
    "borrador": PDF,
}
GRANTED = (("visto_bueno_organismo", "salud", {"visto_bueno_organismo": "otorgado"}),
           ("visto_bueno_dagjp", "juridica", {"visto_bueno_dagjp": "otorgado"}))  # fmt: skip


def _vistos(engine: Engine, key: str, dagjp: str = "otorgado") -> None:
    complete(engine, key, "visto_bueno_organismo", "salud", {"visto_bueno_organismo": "otorgado"})
    data = {"visto_bueno_dagjp": dagjp}
    if dagjp == "negado":
        data["observaciones_dagjp"] = "Falta un considerando"
    complete(engine, key, "visto_bueno_dagjp", "juridica", data)


def _to_signature(engine: Engine, key: str, sign: str = "firmar_acto") -> None:
    complete(engine, key, "revisar_acto", "despacho", {"decision_revision": "aprobar"})
    complete(engine, key, "visto_bueno_secretario", "secretario",
             {"decision_secretario_acto": "otorgar"})  # fmt: skip
    complete(
        engine, key, sign, "alcalde", {"decision_alcalde": "firmar", "fecha_firma": "2026-12-02"}
    )


def _adjust(engine: Engine, key: str) -> None:
    complete(engine, key, "corregir_acto", "salud",
             {"decision_correccion": "ajustado", "descripcion_ajustes": "Ajustado", "borrador_ajustado": PDF})  # fmt: skip


def test_acts_signed_in_a_later_round_comply_and_their_returns_are_counted(
    engine: Engine,
) -> None:
    engine.deploy([BPMN / "P003_actos_administrativos.bpmn"], "analista")
    straight = engine.start("P003", "despacho", RADICACION)
    _vistos(engine, straight)
    _to_signature(engine, straight)
    returned = engine.start("P003", "despacho", RADICACION)
    _vistos(engine, returned, dagjp="negado")
    _adjust(engine, returned)
    _vistos(engine, returned)
    complete(engine, returned, "revisar_acto", "despacho", {"decision_revision": "aprobar"})
    complete(engine, returned, "visto_bueno_secretario", "secretario",
             {"decision_secretario_acto": "otorgar"})  # fmt: skip
    complete(engine, returned, "firmar_acto", "alcalde",
             {"decision_alcalde": "devolver", "observaciones_alcalde": "Revisar"})  # fmt: skip
    _adjust(engine, returned)
    _vistos(engine, returned)
    _to_signature(engine, returned)
    waiting = engine.start("P003", "despacho", RADICACION)
    p2 = _figures(engine)["2"]
    assert _counts(p2) == {"con_vistos": [straight, returned], "devoluciones": [returned] * 2}
    assert (p2.compliant, p2.non_compliant, p2.pending, p2.percent) == (2, 0, 0, 100)
    assert waiting not in p2.keys("compliant")


def test_an_act_signed_without_the_last_rounds_vistos_buenos_is_non_compliant(
    engine: Engine, tmp_path: Path
) -> None:
    """A diagram whose gateway lets a denied visto bueno through: the figure shows the
    signature as non-compliant, naming the visto bueno that was missing."""
    source = (BPMN / "P003_actos_administrativos.bpmn").read_text()
    broken = source.replace('>vistos_buenos["completos"]<', ">True<").replace(
        '>not vistos_buenos["completos"]<', ">False<"
    )
    assert broken != source
    (tmp_path / "bpmn").mkdir()
    (tmp_path / "bpmn" / "P003_actos_administrativos.bpmn").write_text(broken)
    shutil.copytree(PROCESSES / "forms", tmp_path / "forms")
    engine.deploy([tmp_path / "bpmn" / "P003_actos_administrativos.bpmn"], "analista")
    key = engine.start("P003", "despacho", RADICACION)
    _vistos(engine, key, dagjp="negado")
    _to_signature(engine, key)
    p2 = _figures(engine)["2"]
    assert _counts(p2) == {"sin_vistos": [key]}
    assert "Visto bueno jurídico" in p2.bucket("sin_vistos").items[0].detail
    assert p2.percent == 0


def test_a_renamed_signature_element_still_counts_through_its_declared_role(
    engine: Engine, tmp_path: Path
) -> None:
    source = (BPMN / "P003_actos_administrativos.bpmn").read_text()
    (tmp_path / "bpmn").mkdir()
    (tmp_path / "bpmn" / "P003_actos_administrativos.bpmn").write_text(
        source.replace("firmar_acto", "firma_del_alcalde")
    )
    shutil.copytree(PROCESSES / "forms", tmp_path / "forms")
    engine.deploy([tmp_path / "bpmn" / "P003_actos_administrativos.bpmn"], "analista")
    key = engine.start("P003", "despacho", RADICACION)
    _vistos(engine, key)
    _to_signature(engine, key, sign="firma_del_alcalde")
    assert _counts(_figures(engine)["2"]) == {"con_vistos": [key]}


def test_policy_2_by_organism_reads_the_declared_start_field(engine: Engine) -> None:
    engine.deploy([BPMN / "P003_actos_administrativos.bpmn"], "analista")
    key = engine.start("P003", "despacho", RADICACION)
    _vistos(engine, key)
    _to_signature(engine, key)
    assert _figures(engine, Filters(organism="secretaria_salud"))["2"].compliant == 1
    assert _figures(engine, Filters(organism="secretaria_cultura"))["2"].compliant == 0
    assert _figures(engine, Filters(procedure="P003", version=1))["2"].compliant == 1
    assert _figures(engine, Filters(version=2))["2"].compliant == 0


# -- P004: discrepancies between viability concepts --------------------------------------------

PROYECTO = {
    "titulo": "Estacionamiento regulado",
    "objeto": "Regular",
    "tipo_iniciativa": "concurrente",
    "exposicion_de_motivos": PDF,
    "articulado": PDF,
    "organismo_formulador": "secretaria_movilidad",
    "impacto_fiscal": False,
    "metas_plan_desarrollo": "2.1.4",
}


def _discrepant_concepts(engine: Engine, key: str, against: str = "financiero") -> None:
    """Concepts that disagree: `against` (tecnico or financiero) is the desfavorable one."""
    concepts = {"tecnico": "planeacion", "financiero": "hacienda"}
    for concept, group in concepts.items():
        data = {f"concepto_{concept}": "favorable"}
        if concept == against:
            data = {f"concepto_{concept}": "desfavorable", f"razones_concepto_{concept}": "Reparo"}
        complete(engine, key, f"concepto_{concept}", group, data)
    complete(engine, key, "concepto_juridico", "juridica", {"concepto_juridico": "favorable"})
    assert task_for(engine, key, "decidir_convocatoria")


def _bill(engine: Engine, against: str = "financiero") -> str:
    key = engine.start("P004", "despacho", PROYECTO)
    complete(engine, key, "verificar_completitud", "despacho", {"decision_completitud": "completo"})
    _discrepant_concepts(engine, key, against)
    return key


def test_a_pending_discrepancy_is_not_a_failure_and_each_round_counts_apart(
    engine: Engine, clock: ManualClock
) -> None:
    engine.deploy([BPMN], "analista")
    pending = _bill(engine)
    # Only a technical reparo may be overridden by the leader (a legal or fiscal veto may not).
    without_committee = _bill(engine, against="tecnico")
    complete(engine, without_committee, "decidir_convocatoria", "despacho",
             {"convocar_comite": "no", "decision_sin_comite": "continuar",
              "justificacion_convocatoria": "El reparo se resuelve en el articulado"})  # fmt: skip
    two_rounds = _bill(engine)
    complete(engine, two_rounds, "decidir_convocatoria", "despacho",
             {"convocar_comite": "si", "fecha_reunion_comite": "2026-12-09",
              "justificacion_convocatoria": "Hacienda se opone"})  # fmt: skip
    complete(engine, two_rounds, "decision_comite", "comite",
             {"decision_comite": "ajustar", "asistentes_comite": "Comité", "acta_comite": PDF,
              "ajustes_requeridos": "Fuente de recursos"})  # fmt: skip
    clock.advance(timedelta(days=7))
    complete(engine, two_rounds, "ajustar_proyecto", "movilidad",
             {"descripcion_ajustes_proyecto": "Ajustado", "exposicion_de_motivos_ajustada": PDF})  # fmt: skip
    _discrepant_concepts(engine, two_rounds)
    p4 = _figures(engine)["4"]
    assert _counts(p4) == {
        "comite": [two_rounds],
        "sin_comite": [without_committee],
        "pendientes": [pending, two_rounds],
    }
    assert (p4.compliant, p4.non_compliant, p4.pending, p4.percent) == (2, 0, 2, 100)
    second_round = _figures(engine, Filters(start=date(2026, 12, 5)))["4"]
    assert _counts(second_round) == {"pendientes": [two_rounds]}


def test_the_json_lists_the_cases_behind_each_outcome(
    engine: Engine, delegations: dict[str, str]
) -> None:
    p3 = _figures(engine)["3"].as_json()
    cases: Any = p3["cases"]
    assert cases["compliant"] == [delegations["a_tiempo"]]
    assert cases["non_compliant"] == sorted([delegations["tarde"], delegations["falta"]])
    assert cases["pending"] == [delegations["en_termino"]]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 12, 10), date(2026, 12, 10)),  # the reprogrammed commitment's original due
        (date(2026, 12, 30), None),  # its due date now: not its period
        (date(2026, 12, 12), date(2026, 12, 31)),
        (None, date(2026, 12, 7)),
    ],
)
def test_a_period_read_in_sql_counts_what_the_whole_trail_filtered_counts(
    engine: Engine, delegations: dict[str, str], start: date | None, end: date | None
) -> None:
    period = Filters(start=start, end=end)
    everything = _figures(engine)
    narrowed = _figures(engine, period)
    for policy, indicator in everything.items():
        for bucket in indicator.buckets:
            expected = [i for i in bucket.items if period.admits(i)]
            assert narrowed[policy].bucket(bucket.code).items == expected, (policy, bucket.code)
