"""What a diagram tells the quality office: which of its elements each policy indicator reads.

An element declares its role with extension properties, so the figures never depend on element
ids typed in code (a renamed element keeps its role; a renamed form field is a lint error):

    <spiffworkflow:property name="qualityRole" value="firma_acto" />
    <spiffworkflow:property name="qualityField" value="decision_alcalde" />
    <spiffworkflow:property name="qualityValue" value="firmar" />

`qualityField` names a field of the element's form, `qualityValue` the value of that field that
counts (the act signed, the visto bueno granted, the committee convened), `qualityReasonField`
the field that justifies a decision. A procedure that an indicator measures must declare the
roles it needs: a diagram that loses one fails to deploy instead of sending a figure to zero.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.bpm.bpmn_xml import Element
from engine.bpm.forms import top_level_fields

ROLE = "qualityRole"
FIELD = "qualityField"
VALUE = "qualityValue"
REASON_FIELD = "qualityReasonField"


@dataclass(frozen=True)
class Role:
    policy: str
    meaning: str
    kinds: tuple[str, ...]
    needs_value: bool = False  # the role reads qualityField == qualityValue
    needs_reason: bool = False
    needs_due_date: bool = False
    required_in: tuple[str, ...] = ()  # procedure codes (MEDE01.09.Pxxx) whose figures need it


USER_TASK = ("userTask",)

ROLES: dict[str, Role] = {
    "firma_acto": Role(
        "2", "la firma del acto por el Alcalde", USER_TASK, needs_value=True, required_in=("P003",)
    ),
    "visto_bueno": Role(
        "2", "un visto bueno previo a la firma", USER_TASK, needs_value=True, required_in=("P003",)
    ),
    "devolucion_acto": Role(
        "2",
        "el ajuste de un acto devuelto: abre una ronda nueva y cuenta como reproceso",
        USER_TASK,
        required_in=("P003",),
    ),
    "ficha_delegacion": Role(
        "3",
        "la ficha técnica de delegación, con su término (dueDateExpression)",
        USER_TASK,
        needs_due_date=True,
        required_in=("P001", "P002"),
    ),
    "decision_discrepancia": Role(
        "4",
        "la decisión del líder ante conceptos discrepantes (el valor: convocar al Comité)",
        USER_TASK,
        needs_value=True,
        needs_reason=True,
        required_in=("P004",),
    ),
    "decision_comite": Role(
        "4", "la decisión del Comité Coordinador", USER_TASK, required_in=("P004",)
    ),
    "organismo": Role(
        "todas",
        "el campo del formulario de inicio con el organismo del caso (para filtrar)",
        ("startEvent",),
    ),
}


def role_of(element: Mapping[str, Any]) -> str | None:
    """The declared role of a stored element (as `Definition.elements` keeps it)."""
    return (element.get("properties") or {}).get(ROLE) or None


def lint_quality_roles(
    process_key: str,
    elements: Mapping[str, Element],
    forms: Mapping[str, Any],
    problem: Callable[[Element, str], None],
) -> list[str]:
    """Check every declared role; return the problems of the process as a whole (a role its
    procedure needs and no element declares)."""
    declared: set[str] = set()
    for element in elements.values():
        name = element.properties.get(ROLE)
        if not name:
            for prop in (FIELD, VALUE, REASON_FIELD):
                if prop in element.properties:
                    problem(element, f"la propiedad {prop} necesita {ROLE}")
            continue
        role = ROLES.get(name)
        if role is None:
            problem(
                element,
                f"el rol de calidad '{name}' no existe (roles: {', '.join(sorted(ROLES))})",
            )
            continue
        declared.add(name)
        _lint_role(element, name, role, forms, problem)
    return [
        f"el procedimiento {process_key} no declara el rol de calidad '{name}' ({role.meaning}) "
        f"que necesita la política {role.policy}: ningún elemento tiene {ROLE}='{name}'"
        for name, role in ROLES.items()
        if process_key in role.required_in and name not in declared
    ]


def _lint_role(
    element: Element,
    name: str,
    role: Role,
    forms: Mapping[str, Any],
    problem: Callable[[Element, str], None],
) -> None:
    if element.kind not in role.kinds:
        problem(element, f"el rol de calidad '{name}' va en {' o '.join(role.kinds)}")
        return
    schema = forms.get(element.form or "")
    fields = top_level_fields(schema) if isinstance(schema, dict) else set()
    wanted = [FIELD] if role.needs_value or name == "organismo" else []
    if role.needs_reason:
        wanted.append(REASON_FIELD)
    for prop in wanted:
        field = element.properties.get(prop, "")
        if not field:
            problem(element, f"el rol de calidad '{name}' necesita la propiedad {prop}")
        elif field not in fields:
            problem(
                element,
                f"{prop}='{field}' no es un campo del formulario '{element.form}' "
                "(¿se renombró el campo?)",
            )
    if role.needs_value:
        value = element.properties.get(VALUE, "")
        if not value:
            problem(element, f"el rol de calidad '{name}' necesita la propiedad {VALUE}")
        elif isinstance(schema, dict):
            allowed = _allowed_values(schema, element.properties.get(FIELD, ""))
            if allowed and value not in allowed:
                problem(
                    element,
                    f"{VALUE}='{value}' no es una opción del campo "
                    f"'{element.properties.get(FIELD)}' ({', '.join(sorted(allowed))})",
                )
    if role.needs_due_date and not element.properties.get("dueDateExpression"):
        problem(element, f"el rol de calidad '{name}' necesita un término (dueDateExpression)")


def _allowed_values(schema: dict[str, Any], field: str) -> set[str]:
    definition = (schema.get("properties") or {}).get(field) or {}
    values = {str(v) for v in definition.get("enum") or ()}
    values |= {str(o["const"]) for o in definition.get("oneOf") or () if "const" in o}
    return values
