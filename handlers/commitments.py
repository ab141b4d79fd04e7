"""Policy 1: every commitment of a meeting becomes a tracked row followed until verified."""

from __future__ import annotations

from datetime import date
from typing import Any

from engine import HandlerContext, ServiceRegistry
from storage.models import Commitment


def register_commitments(context: HandlerContext) -> dict[str, Any]:
    rows = context.data.get("compromisos") or []
    origin = str(context.params.get("origen") or context.case.definition.key)
    created = []
    for number, item in enumerate(rows, start=1):
        try:
            due = date.fromisoformat(str(item["fecha_limite"])[:10])
            description = str(item["descripcion"]).strip()
            responsible = str(item["responsable"]).strip()
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"el compromiso {number} está incompleto: {error}") from None
        commitment = Commitment(
            case_id=context.case.id,
            origin=origin,
            description=description,
            responsible=responsible,
            due_date=due,
            development_goal=item.get("meta_plan_desarrollo") or None,
            status="pendiente",
            history=[{"at": context.now.isoformat(), "status": "pendiente", "by": context.actor}],
            created_at=context.now,
        )
        context.session.add(commitment)
        created.append(commitment)
        context.notify(
            responsible,
            f"[{context.case.business_key}] Nuevo compromiso",
            f"{description} (fecha límite {due.isoformat()})",
        )
    context.session.flush()
    return {"registrados": len(created), "ids": [c.id for c in created]}


def register(registry: ServiceRegistry) -> None:
    registry.register("register_commitments")(register_commitments)
