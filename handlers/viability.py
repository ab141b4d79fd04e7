"""Policy 4: consolidation of the technical, financial and legal viability concepts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine import HandlerContext, ServiceRegistry

CONCEPTS = ("concepto_tecnico", "concepto_financiero", "concepto_juridico")
# A legal (DAGJP) or fiscal (Hacienda) veto cannot be overridden by the leader alone.
VETO_CONCEPTS = {
    "concepto_juridico": "jurídico (DAGJP)",
    "concepto_financiero": "financiero (Hacienda)",
}
CONVOCATION_FORM = "P004.convocatoria.schema.json"
FAVOURABLE = {"favorable", "favorable_con_observaciones"}
UNFAVOURABLE = "desfavorable"


def consolidate_concepts(context: HandlerContext) -> dict[str, Any]:
    """All favourable -> favorable; all unfavourable -> desfavorable; a mix -> discrepante."""
    values = {name: context.data.get(name) for name in CONCEPTS}
    missing = [name for name, value in values.items() if value not in FAVOURABLE | {UNFAVOURABLE}]
    if missing:
        raise ValueError(f"faltan conceptos de viabilidad: {', '.join(missing)}")
    unfavourable = [name for name, value in values.items() if value == UNFAVOURABLE]
    if not unfavourable:
        result = "favorable"
    elif len(unfavourable) == len(CONCEPTS):
        result = "desfavorable"
    else:
        result = "discrepante"
    # The observations of a "favorable con observaciones" concept go back to the organism.
    observed = [name for name, value in values.items() if value == "favorable_con_observaciones"]
    return {
        "resultado": result,
        "desfavorables": unfavourable,
        "observaciones": observed,
        "texto_observaciones": "; ".join(
            f"{name.removeprefix('concepto_')}: {context.data.get(f'razones_{name}') or ''}"
            for name in observed
        ),
    }


def leader_cannot_override_a_veto(
    case_data: Mapping[str, Any], submission: Mapping[str, Any]
) -> dict[str, str]:
    """Policy 4: with an unfavourable legal or fiscal concept only the Committee may let the
    bill go on; the leader may convene it or archive, not continue alone."""
    if submission.get("convocar_comite") != "no" or submission.get("decision_sin_comite") != (
        "continuar"
    ):
        return {}
    vetoes = [label for name, label in VETO_CONCEPTS.items() if case_data.get(name) == UNFAVOURABLE]
    if not vetoes:
        return {}
    which = (
        f"el concepto {vetoes[0]} es"
        if len(vetoes) == 1
        else "los conceptos jurídico y financiero son"
    )
    return {
        "decision_sin_comite": (
            f"no puede continuar sin el Comité: {which} desfavorable{'s' if len(vetoes) > 1 else ''}; "
            "convoque al Comité o archive el proyecto"
        )
    }


def register(registry: ServiceRegistry) -> None:
    registry.register("consolidate_concepts")(consolidate_concepts)
    registry.form_rule(CONVOCATION_FORM)(leader_cannot_override_a_veto)
