"""Policy 2 (vistos buenos gate) and policy 4 (viability consolidation) as pure rules."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import CompletedTask, HandlerContext, ManualClock
from handlers import service_registry
from handlers.acts import require_vistos_buenos
from handlers.viability import consolidate_concepts, leader_cannot_override_a_veto
from storage.models import Case

ORGANISM = "secretaria_salud"
MEMBERS = {
    "juridica": frozenset({"dagjp"}),
    "salud": frozenset({ORGANISM}),
    "movilidad": frozenset({"secretaria_movilidad"}),
}
FIELDS = {"dagjp": "visto_bueno_dagjp", "organismo": "visto_bueno_organismo"}


def _context(
    tasks: list[CompletedTask], data: dict[str, Any] | None = None, **params: Any
) -> HandlerContext:
    return HandlerContext(
        case=Case(business_key="P003-2026-00001"),
        element_id="verificar_vistos_buenos",
        data=data or {},
        actor="sistema",
        clock=ManualClock(datetime(2026, 12, 1, tzinfo=UTC)),
        session=None,  # type: ignore[arg-type]  # these rules read no tables
        notify=lambda *args: None,
        completed_tasks=lambda since=None: iter(tasks),  # the handler clears at a new round itself
        params=params,
    )


events = st.lists(
    st.tuples(
        st.sampled_from(sorted(FIELDS)),
        st.sampled_from(sorted(MEMBERS)),
        st.sampled_from(["otorgado", "negado"]),
    ),
    max_size=8,
)


@given(events)
def test_the_gate_opens_only_when_the_latest_word_of_each_group_is_a_grant_by_a_member(
    history: list[tuple[str, str, str]],
) -> None:
    tasks = [
        CompletedTask(f"visto_bueno_{kind}", user, MEMBERS[user], {FIELDS[kind]: value})
        for kind, user, value in history
    ]
    result = require_vistos_buenos(_context(tasks, organismo=ORGANISM))

    def granted(kind: str, group: str) -> bool:
        latest = None
        for task_kind, user, value in history:
            if task_kind != kind:
                continue
            if value != "otorgado":
                latest = False
            elif group in MEMBERS[user]:
                latest = True
        return bool(latest)

    expected = granted("dagjp", "dagjp") and granted("organismo", ORGANISM)
    assert result["completos"] is expected
    assert ("dagjp" in result["faltantes"]) is not granted("dagjp", "dagjp")
    assert (ORGANISM in result["faltantes"]) is not granted("organismo", ORGANISM)


def test_a_visto_bueno_typed_into_the_case_data_does_not_count() -> None:
    data = {"visto_bueno_dagjp": "otorgado", "visto_bueno_organismo": "otorgado"}
    result = require_vistos_buenos(_context([], data, organismo=ORGANISM))
    assert result == {"completos": False, "faltantes": ["dagjp", ORGANISM], "otorgados_por": {}}


def test_a_grant_by_someone_outside_the_group_is_missing_and_named() -> None:
    tasks = [
        CompletedTask(
            "visto_bueno_dagjp",
            "movilidad",
            MEMBERS["movilidad"],
            {"visto_bueno_dagjp": "otorgado"},
        ),
        CompletedTask(
            "visto_bueno_organismo",
            "salud",
            MEMBERS["salud"],
            {"visto_bueno_organismo": "otorgado"},
        ),
    ]
    assert require_vistos_buenos(_context(tasks, organismo=ORGANISM))["faltantes"] == ["dagjp"]


VALUES = ["favorable", "favorable_con_observaciones", "desfavorable"]


@pytest.mark.parametrize(
    ("tecnico", "financiero", "juridico"), list(itertools.product(VALUES, repeat=3))
)
def test_every_combination_of_three_concepts_routes_as_policy_4_says(
    tecnico: str, financiero: str, juridico: str
) -> None:
    concepts = {
        "concepto_tecnico": tecnico,
        "concepto_financiero": financiero,
        "concepto_juridico": juridico,
    }
    result = consolidate_concepts(_context([], concepts))["resultado"]
    unfavourable = [v for v in concepts.values() if v == "desfavorable"]
    if not unfavourable:
        assert result == "favorable"
    elif len(unfavourable) == 3:
        assert result == "desfavorable"
    else:
        assert result == "discrepante"


def test_a_missing_concept_is_an_error_not_a_decision() -> None:
    with pytest.raises(ValueError, match="concepto_juridico"):
        consolidate_concepts(
            _context([], {"concepto_tecnico": "favorable", "concepto_financiero": "favorable"})
        )


def test_vistos_buenos_from_before_an_adjustment_do_not_count() -> None:
    tasks = [
        CompletedTask(
            "visto_bueno_dagjp", "juridica", MEMBERS["juridica"], {"visto_bueno_dagjp": "otorgado"}
        ),
        CompletedTask(
            "visto_bueno_organismo",
            "salud",
            MEMBERS["salud"],
            {"visto_bueno_organismo": "otorgado"},
        ),
        CompletedTask(
            "corregir_acto", "salud", MEMBERS["salud"], {"decision_correccion": "ajustado"}
        ),
        CompletedTask(
            "visto_bueno_organismo",
            "salud",
            MEMBERS["salud"],
            {"visto_bueno_organismo": "otorgado"},
        ),
        CompletedTask(
            "visto_bueno_dagjp",
            "movilidad",
            MEMBERS["movilidad"],
            {"visto_bueno_dagjp": "otorgado"},
        ),
    ]
    result = require_vistos_buenos(
        _context(tasks, organismo=ORGANISM, nueva_ronda_con="corregir_acto")
    )
    assert result["faltantes"] == ["dagjp"]


CONTINUE_ALONE = {"convocar_comite": "no", "decision_sin_comite": "continuar"}


@pytest.mark.parametrize("veto", ["concepto_juridico", "concepto_financiero"])
def test_the_leader_cannot_continue_alone_over_a_legal_or_fiscal_veto(veto: str) -> None:
    concepts = {"concepto_tecnico": "favorable", "concepto_financiero": "favorable"}
    concepts |= {"concepto_juridico": "favorable", veto: "desfavorable"}
    errors = leader_cannot_override_a_veto(concepts, CONTINUE_ALONE)
    assert "solo el Comité puede resolver esa discrepancia" in errors["decision_sin_comite"]
    # Convening the Committee or archiving stays open to the leader.
    assert leader_cannot_override_a_veto(concepts, {"convocar_comite": "si"}) == {}
    archive = {"convocar_comite": "no", "decision_sin_comite": "archivar"}
    assert leader_cannot_override_a_veto(concepts, archive) == {}


def test_a_technical_objection_alone_lets_the_leader_continue() -> None:
    concepts = {
        "concepto_tecnico": "desfavorable",
        "concepto_financiero": "favorable",
        "concepto_juridico": "favorable",
    }
    assert leader_cannot_override_a_veto(concepts, CONTINUE_ALONE) == {}


def test_the_veto_is_checked_on_the_convocation_form_only() -> None:
    registry = service_registry()
    vetoed = {"concepto_juridico": "desfavorable"}
    errors = registry.form_rule_errors("P004.convocatoria.schema.json", vetoed, CONTINUE_ALONE)
    assert set(errors) == {"decision_sin_comite"}
    assert registry.form_rule_errors("P004.ajuste.schema.json", vetoed, CONTINUE_ALONE) == {}


def test_observations_of_a_favourable_concept_are_collected_for_the_organism() -> None:
    concepts = {
        "concepto_tecnico": "favorable",
        "concepto_financiero": "favorable_con_observaciones",
        "razones_concepto_financiero": "Financiar con el SGP",
        "concepto_juridico": "favorable",
    }
    result = consolidate_concepts(_context([], concepts))
    assert result["observaciones"] == ["concepto_financiero"]
    assert result["texto_observaciones"] == "financiero: Financiar con el SGP"
