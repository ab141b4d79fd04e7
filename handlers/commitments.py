"""Policy 1: every commitment of a meeting becomes a tracked row followed until verified."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from engine import HandlerContext, ServiceRegistry
from engine.bpm.calendar import long_date
from storage.models import Commitment


def register_commitments(context: HandlerContext) -> dict[str, Any]:
    rows = context.data.get("compromisos") or []
    origin = str(
        context.params.get("origen") or context.definition_key or context.case.definition.key
    )
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
            f"{description} (fecha límite {long_date(due)})",
            kind="user",
        )
    context.session.flush()
    # The origin decides who verifies: ORC its own procedures' commitments (P006, P008).
    return {"registrados": len(created), "ids": [c.id for c in created], "origen": origin}


FINAL_STATES = ("cumplido", "incumplido")
VERIFIED_STATES = (*FINAL_STATES, "reprogramado")
# A partial report of the responsible: the commitment stays open, its progress is kept.
IN_PROGRESS = "en_progreso"


def track_commitment(context: HandlerContext) -> dict[str, Any]:
    """Record a verification on the commitment's row: cumplido, incumplido, or reprogramado
    with its reason and new date; or the responsible's partial progress (en_progreso, with
    `avance` and `porcentaje`). Every change is appended to the row's history."""
    params = context.params
    status = str(params.get("estado") or "")
    if status not in (*VERIFIED_STATES, IN_PROGRESS):
        raise ValueError(f"estado de compromiso no válido: '{status}'")
    commitment = context.session.scalars(
        select(Commitment)
        .where(
            Commitment.case_id == context.case.id,
            Commitment.description == str(params.get("descripcion") or "").strip(),
            Commitment.responsible == str(params.get("responsable") or "").strip(),
            Commitment.status.not_in(FINAL_STATES),
        )
        .order_by(Commitment.id)
        .limit(1)
    ).first()
    if commitment is None:
        raise LookupError(
            f"no hay un compromiso abierto '{params.get('descripcion')}' de {params.get('responsable')}"
        )
    entry: dict[str, Any] = {"at": context.now.isoformat(), "status": status, "by": context.actor}
    if status == "reprogramado":
        reason = str(params.get("razon") or "").strip()
        if not reason:
            raise ValueError("una reprogramación necesita su razón")
        new_due = date.fromisoformat(str(params.get("nueva_fecha"))[:10])
        entry.update(
            reason=reason, previous_due=commitment.due_date.isoformat(), new_due=new_due.isoformat()
        )
        commitment.due_date = new_due
    elif status == IN_PROGRESS:
        progress = str(params.get("avance") or "").strip()
        if not progress:
            raise ValueError("un avance parcial necesita su descripción")
        entry["progress"] = progress
        if params.get("porcentaje") not in (None, ""):
            entry["percent"] = int(params["porcentaje"])
    commitment.status = status
    commitment.history = [*commitment.history, entry]
    return {"id": commitment.id, "estado": status, "cambios": len(commitment.history)}


def register(registry: ServiceRegistry) -> None:
    registry.register("register_commitments")(register_commitments)
    registry.register("track_commitment")(track_commitment)
