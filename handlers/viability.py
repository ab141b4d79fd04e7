"""Policy 4: consolidation of the technical, financial and legal viability concepts."""

from __future__ import annotations

from typing import Any

from engine import HandlerContext, ServiceRegistry

CONCEPTS = ("concepto_tecnico", "concepto_financiero", "concepto_juridico")
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
    return {"resultado": result, "desfavorables": unfavourable}


def register(registry: ServiceRegistry) -> None:
    registry.register("consolidate_concepts")(consolidate_concepts)
