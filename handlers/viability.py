"""Policy 4: consolidation of the technical, financial and legal viability concepts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine import HandlerContext, ServiceRegistry, unavailable_message

CONCEPTS = ("concepto_tecnico", "concepto_financiero", "concepto_juridico")
# A legal (DAGJP) or fiscal (Hacienda) veto cannot be overridden by the leader alone.
VETO_CONCEPTS = ("concepto_juridico", "concepto_financiero")
CONVOCATION_FORM = "P004.convocatoria.schema.json"
# The convocation form declares the same rule on its "continuar" option (`x-unavailable-when`,
# with this reason): the form shows the option disabled and refuses it. This check keeps the
# policy for a form that does not declare it (a case on an earlier deployed version), in the
# same words (tests/unit/test_policy_gates.py holds the two together).
CONTINUE_TITLE = "Continuar el trámite"
VETO_REASON = (
    "el concepto jurídico (DAGJP) o el financiero (Hacienda) es desfavorable y solo el Comité "
    "puede resolver esa discrepancia (política de operación 4); convoque al Comité o archive el "
    "proyecto"
)
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
    if not any(case_data.get(name) == UNFAVOURABLE for name in VETO_CONCEPTS):
        return {}
    return {"decision_sin_comite": unavailable_message(CONTINUE_TITLE, VETO_REASON)}


def register(registry: ServiceRegistry) -> None:
    registry.register("consolidate_concepts")(consolidate_concepts)
    registry.form_rule(CONVOCATION_FORM)(leader_cannot_override_a_veto)
