"""Policy 2 (vistos buenos before the Mayor's signature) and the numbering of acts."""

from __future__ import annotations

import re
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


# How the Alcaldía writes an act's number: `formato` (a parameter of the service task) names its
# parts in braces. Plain replacement of known names, never str.format: an analyst's text must not
# reach Python's format mini-language (attribute and index lookups).
DEFAULT_FORMAT = "{TIPO} {NUMERO} de {ANIO}"
_PART = re.compile(r"\{([^{}]*)\}")


def number_act(context: HandlerContext) -> dict[str, Any]:
    """The next number of the act's type in Bogotá's year, written in `formato`.

    Parts: TIPO (the act's type in capitals), NUMERO (the consecutive, four digits),
    CONSECUTIVO (the consecutive as is), ANIO, and TRD (the `codigo_trd` parameter: the code of
    the producing office in the records retention table, as in the circular's own radicado).
    """
    act_type = str(context.params.get("tipo_acto") or "").strip().lower()
    if not act_type:
        raise ValueError("falta el tipo de acto")
    template = str(context.params.get("formato") or DEFAULT_FORMAT)
    year = context.today.year  # the Bogotá year, like business keys
    parts = {"TIPO": act_type.upper(), "ANIO": str(year)}
    if "codigo_trd" in context.params:
        parts["TRD"] = str(context.params["codigo_trd"]).strip()
    named = set(_PART.findall(template))
    unknown = sorted(named - {*parts, "NUMERO", "CONSECUTIVO"})
    if unknown:
        known = "TIPO, NUMERO, CONSECUTIVO, ANIO, TRD (con codigo_trd)"
        raise ValueError(f"formato de numeración: «{{{unknown[0]}}}» no es una parte ({known})")
    if not named & {"NUMERO", "CONSECUTIVO"}:
        raise ValueError("formato de numeración: le falta {NUMERO} o {CONSECUTIVO}")
    number = next_value(context.session, ActNumberCounter, act_type=act_type, year=year)
    parts |= {"NUMERO": f"{number:04d}", "CONSECUTIVO": str(number)}
    return {
        "numero": _PART.sub(lambda part: parts[part.group(1)], template),
        "consecutivo": number,
        "anio": year,
    }


def register(registry: ServiceRegistry) -> None:
    registry.register("require_vistos_buenos")(require_vistos_buenos)
    registry.register("number_act")(number_act)
