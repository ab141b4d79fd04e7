"""Policy 2 (vistos buenos before the Mayor's signature) and the numbering of acts."""

from __future__ import annotations

from typing import Any

from engine import HandlerContext, ServiceRegistry
from storage.counters import next_value
from storage.models import ActNumberCounter

DAGJP = "dagjp"
GRANTED = "otorgado"


def require_vistos_buenos(context: HandlerContext) -> dict[str, Any]:
    """Both vistos buenos must be granted by members of DAGJP and of the producing organism.

    A value in the case data is not enough: the engine looks at who completed which task, so a
    visto bueno typed by someone outside the group does not count. With `nueva_ronda_con`
    (an element id, e.g. the producer's adjustment task) only the vistos buenos given after that
    task's latest completion count: an adjusted draft is a new document.
    """
    organism = str(context.params.get("organismo") or context.data.get("organismo_productor") or "")
    new_round = context.params.get("nueva_ronda_con")
    granted: dict[str, str] = {}
    for task in context.completed_tasks(since=new_round):
        if new_round and task.element_id == new_round:
            granted.clear()
        if task.data.get("visto_bueno_dagjp") == GRANTED and DAGJP in task.groups:
            granted[DAGJP] = task.completed_by
        if task.data.get("visto_bueno_organismo") == GRANTED and organism in task.groups:
            granted[organism] = task.completed_by
        # A later denial withdraws an earlier grant.
        if task.data.get("visto_bueno_dagjp") not in (None, GRANTED):
            granted.pop(DAGJP, None)
        if task.data.get("visto_bueno_organismo") not in (None, GRANTED):
            granted.pop(organism, None)
    missing = [name for name in (DAGJP, organism) if name not in granted]
    return {"completos": not missing, "faltantes": missing, "otorgados_por": granted}


def number_act(context: HandlerContext) -> dict[str, Any]:
    act_type = str(context.params.get("tipo_acto") or "").strip().lower()
    if not act_type:
        raise ValueError("falta el tipo de acto")
    year = context.today.year  # the Bogotá year, like business keys
    number = next_value(context.session, ActNumberCounter, act_type=act_type, year=year)
    return {
        "numero": f"{act_type.upper()} {number:04d} de {year}",
        "consecutivo": number,
        "anio": year,
    }


def register(registry: ServiceRegistry) -> None:
    registry.register("require_vistos_buenos")(require_vistos_buenos)
    registry.register("number_act")(number_act)
