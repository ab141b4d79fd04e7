"""What changed between two versions of a procedure, computed from the parsed BPMN and forms.

A diagram diff sees shapes; an analyst also needs what a shape hides: the form's fields, the
text of scripts, conditions and instructions. Elements are matched by id (what modelers keep
stable across edits), so a renamed task is one changed element, not a removal and an addition.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from engine.bpm.bpmn_xml import NS, executable_processes, parse_xml, process_elements

# The element attributes compared, with the Spanish label a page shows for each.
ELEMENT_ATTRIBUTES = {
    "kind": "tipo",
    "name": "nombre",
    "lane": "carril",
    "container": "subproceso",
    "documentation": "documentación",
    "instructions": "instrucciones",
    "operator": "operador de servicio",
    "called_element": "proceso llamado",
    "scripts": "guiones",
}
FLOW_ATTRIBUTES = {
    "name": "nombre",
    "source": "origen",
    "target": "destino",
    "condition": "condición",
}


@dataclass(frozen=True)
class AttributeChange:
    attribute: str
    label: str
    before: str
    after: str

    def as_json(self) -> dict[str, str]:
        return {
            "attribute": self.attribute,
            "label": self.label,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True)
class ElementChange:
    """An element (flow node or sequence flow) added, removed, changed or only moved."""

    element_id: str
    kind: str
    name: str
    change: str  # "added", "removed", "changed", "moved"
    attributes: tuple[AttributeChange, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "element": self.element_id,
            "kind": self.kind,
            "name": self.name,
            "change": self.change,
            "attributes": [a.as_json() for a in self.attributes],
        }


@dataclass(frozen=True)
class FieldChange:
    form: str
    field: str
    change: str  # "added", "removed", "changed"
    before: str = ""
    after: str = ""

    def as_json(self) -> dict[str, str]:
        return {
            "form": self.form,
            "field": self.field,
            "change": self.change,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True)
class DefinitionDiff:
    elements: list[ElementChange] = field(default_factory=list)
    forms: list[FieldChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.elements and not self.forms

    def as_json(self) -> dict[str, Any]:
        return {
            "elements": [e.as_json() for e in self.elements],
            "forms": [f.as_json() for f in self.forms],
        }


def diff_definitions(
    before_xml: str,
    before_forms: dict[str, Any],
    after_xml: str,
    after_forms: dict[str, Any],
) -> DefinitionDiff:
    """Every element and form field that differs from `before` to `after`."""
    before, after = _described(before_xml, "antes"), _described(after_xml, "después")
    changes: list[ElementChange] = []
    for ident in sorted(before.keys() | after.keys()):
        old, new = before.get(ident), after.get(ident)
        if old is None and new is not None:
            changes.append(ElementChange(ident, new["kind"], new["name"], "added"))
        elif new is None and old is not None:
            changes.append(ElementChange(ident, old["kind"], old["name"], "removed"))
        elif old is not None and new is not None:
            attributes = _attribute_changes(old, new)
            if attributes:
                changes.append(
                    ElementChange(ident, new["kind"], new["name"], "changed", attributes)
                )
            elif old["bounds"] != new["bounds"]:
                changes.append(ElementChange(ident, new["kind"], new["name"], "moved"))
    return DefinitionDiff(changes, _form_changes(before_forms, after_forms))


def _described(bpmn_xml: str, label: str) -> dict[str, dict[str, Any]]:
    """Flow nodes and sequence flows by id, as flat comparable values."""
    tree = parse_xml(bpmn_xml.encode("utf-8"), label)
    bounds = _bounds(tree)
    described: dict[str, dict[str, Any]] = {}
    for process in executable_processes(tree):
        for element in process_elements(process).values():
            values: dict[str, Any] = {
                "kind": element.kind,
                "name": element.name,
                "lane": element.lane or "",
                "container": element.container or "",
                "documentation": element.documentation,
                "instructions": element.instructions,
                "operator": element.operator or "",
                "called_element": element.called_element or "",
                "scripts": "\n---\n".join(element.scripts),
                "bounds": bounds.get(element.id),
            }
            for name, value in element.properties.items():
                values[f"property:{name}"] = value
            for name, value in element.operator_params.items():
                values[f"parameter:{name}"] = value
            described[element.id] = values
        for flow in process.iterfind(".//bpmn:sequenceFlow", NS):
            condition = flow.find("bpmn:conditionExpression", NS)
            described[flow.get("id", "")] = {
                "kind": "sequenceFlow",
                "name": flow.get("name", "") or flow.get("id", ""),
                "source": flow.get("sourceRef", ""),
                "target": flow.get("targetRef", ""),
                "condition": (condition.text or "").strip() if condition is not None else "",
                "bounds": bounds.get(flow.get("id", "")),
            }
    return described


def _bounds(tree: etree._ElementTree) -> dict[str, tuple[str, ...]]:
    """Where each element is drawn (shape bounds or edge waypoints): a change there is a move."""
    found: dict[str, tuple[str, ...]] = {}
    for shape in tree.iterfind(".//bpmndi:BPMNShape", NS):
        box = shape.find("{http://www.omg.org/spec/DD/20100524/DC}Bounds")
        if box is not None:
            found[shape.get("bpmnElement", "")] = tuple(
                box.get(a, "") for a in ("x", "y", "width", "height")
            )
    for edge in tree.iterfind(".//bpmndi:BPMNEdge", NS):
        points = edge.iterfind("{http://www.omg.org/spec/DD/20100524/DI}waypoint")
        found[edge.get("bpmnElement", "")] = tuple(
            f"{p.get('x', '')},{p.get('y', '')}" for p in points
        )
    return found


def _attribute_changes(old: dict[str, Any], new: dict[str, Any]) -> tuple[AttributeChange, ...]:
    changes = []
    for attribute in sorted((old.keys() | new.keys()) - {"bounds"}, key=_attribute_order):
        before, after = old.get(attribute, ""), new.get(attribute, "")
        if before != after:
            changes.append(AttributeChange(attribute, _label(attribute), before, after))
    return tuple(changes)


def _attribute_order(attribute: str) -> tuple[int, str]:
    known = [*ELEMENT_ATTRIBUTES, *FLOW_ATTRIBUTES]
    return (known.index(attribute) if attribute in known else len(known), attribute)


def _label(attribute: str) -> str:
    if attribute.startswith("property:"):
        return f"propiedad {attribute.removeprefix('property:')}"
    if attribute.startswith("parameter:"):
        return f"parámetro {attribute.removeprefix('parameter:')}"
    return ELEMENT_ATTRIBUTES.get(attribute) or FLOW_ATTRIBUTES.get(attribute, attribute)


def _form_changes(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    changes: list[FieldChange] = []
    for form in sorted(before.keys() | after.keys()):
        old, new = before.get(form), after.get(form)
        if old is None:
            changes.append(FieldChange(form, "", "added"))
            continue
        if new is None:
            changes.append(FieldChange(form, "", "removed"))
            continue
        changes.extend(_field_changes(form, old, new))
    return changes


def _field_changes(form: str, old: Any, new: Any) -> list[FieldChange]:
    old_fields = _fields(old)
    new_fields = _fields(new)
    changes = []
    for name in sorted(old_fields.keys() | new_fields.keys()):
        before, after = old_fields.get(name), new_fields.get(name)
        if before == after:
            continue
        change = "added" if before is None else "removed" if after is None else "changed"
        changes.append(FieldChange(form, name, change, _text(before), _text(after)))
    return changes


def _fields(schema: Any) -> dict[str, Any]:
    """Each field of a form (top-level property, plus whether it is required), and the rest."""
    if not isinstance(schema, dict):
        return {"(esquema)": schema}
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    fields: dict[str, Any] = {
        name: {**definition, "(obligatorio)": name in required}
        if isinstance(definition, dict)
        else definition
        for name, definition in properties.items()
    }
    rest = {k: v for k, v in schema.items() if k not in ("properties", "required")}
    if rest:
        fields["(esquema)"] = rest
    return fields


def _text(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
