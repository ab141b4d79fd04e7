"""Form data checked against the task's JSON Schema; errors keyed by field path, in Spanish."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError as SchemaViolation

from engine.bpm.native_forms import native_accepts
from engine.bpm.schema_memo import per_schema, per_schemas
from engine.errors import ValidationError

_MESSAGES = {
    "required": "este campo es obligatorio",
    "type": "el tipo de dato no es válido",
    "enum": "el valor no está entre las opciones permitidas",
    "const": "el valor no está entre las opciones permitidas",
    "oneOf": "el valor no está entre las opciones permitidas",
    "format": "el formato no es válido",
    "minLength": "no puede estar vacío",
    "maxLength": "es demasiado largo",
    "minimum": "es menor que el mínimo permitido",
    "maximum": "es mayor que el máximo permitido",
    "minItems": "debe tener al menos un elemento",
}


def _specific(error: SchemaViolation) -> SchemaViolation:
    """For a value that may take one of several shapes (`anyOf`: an attendee given as a name or
    as an object), the error of the shape the value has: what is wrong inside it (an empty
    name) rather than "not valid under any of the given schemas"; a value of none of the
    shapes' types is a type error."""
    while error.validator == "anyOf" and error.context:
        shaped = [e for e in error.context if e.validator != "type"]
        error = min(shaped or error.context, key=lambda e: -len(e.absolute_path))
    return error


def _field_path(error: SchemaViolation) -> str:
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else ""
        path.append(missing)
    return ".".join(path)


UNKNOWN_FIELD = "campo no permitido en este formulario"
_NO_SCHEMA: dict[str, Any] = {}  # one object, so forms without a schema share one memo entry


def validate_form(schema: dict[str, Any] | None, data: dict[str, Any]) -> None:
    """Raise `ValidationError` with one message per field when `data` violates `schema`.

    Case data comes only from the fields a form defines: any other key, at any depth, is an
    error (a posted `fecha_sesion` must not move a legal deadline set by an earlier form).
    """
    if not isinstance(data, dict):
        raise ValidationError({"": "los datos del formulario deben ser un objeto JSON"})
    errors = dict.fromkeys(unknown_fields(schema or _NO_SCHEMA, data), UNKNOWN_FIELD)
    if schema and not native_accepts(schema, data):  # what jsonschema refuses, in words
        for error in sorted(
            map(_specific, _validator(schema).iter_errors(data)),
            key=lambda e: list(e.absolute_path),
        ):
            field = _field_path(error)
            errors.setdefault(field, _MESSAGES.get(str(error.validator), error.message))
    if errors:
        raise ValidationError(errors)


# Building a validator costs more than validating a form.
@per_schema
def _validator(schema: Mapping[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=FormatChecker())


def held_data_errors(schema: dict[str, Any], data: dict[str, Any]) -> dict[str, tuple[Any, str]]:
    """What `schema` refuses of the values `data` already holds for its top-level fields:
    field -> (value, message). Missing fields are not errors: the form is yet to be filled."""
    fields = schema.get("properties") or {}
    held = {key: value for key, value in data.items() if key in fields}
    validator = _validator(schema)
    errors: dict[str, tuple[Any, str]] = {}
    for error in validator.iter_errors(held):
        if error.validator == "required" or not error.absolute_path:
            continue
        field = str(error.absolute_path[0])
        shown = _specific(error)
        errors.setdefault(field, (held[field], _MESSAGES.get(str(shown.validator), shown.message)))
    return errors


def unknown_fields(schema: dict[str, Any], data: Any, path: str = "") -> list[str]:
    """Dotted paths of the keys in `data` that no `properties` of `schema` defines."""
    return _unknown((schema,), data, path)


def top_level_fields(schema: dict[str, Any]) -> set[str]:
    """The fields a form puts into case data (what expressions see as names)."""
    return {name for level in _applicable([schema]) for name in level.get("properties") or {}}


@dataclass(frozen=True)
class _Level:
    """What the schemas that apply at one level of the data allow there."""

    properties: dict[str, tuple[dict[str, Any], ...]]  # name -> the subschemas that apply to it
    is_open: bool  # additionalProperties or patternProperties: any key is allowed
    items: tuple[dict[str, Any], ...]  # the subschemas that apply to a list's items


# Worked out once per (deployed, hence unchanging) set of schemas: walking the subschemas for
# every form submitted was a third of validating it.
@per_schemas
def _level(schemas: tuple[dict[str, Any], ...]) -> _Level:
    level = _applicable(list(schemas))
    properties: dict[str, list[dict[str, Any]]] = {}
    for schema in level:
        for name, subschema in (schema.get("properties") or {}).items():
            if isinstance(subschema, dict):
                properties.setdefault(name, []).append(subschema)
    return _Level(
        properties={name: tuple(found) for name, found in properties.items()},
        is_open=any(
            schema.get("additionalProperties") not in (None, False)
            or schema.get("patternProperties")
            for schema in level
        ),
        items=tuple(schema["items"] for schema in level if isinstance(schema.get("items"), dict)),
    )


def _unknown(schemas: tuple[dict[str, Any], ...], value: Any, path: str) -> list[str]:
    found: list[str] = []
    if isinstance(value, dict):
        level = _level(schemas)
        properties = level.properties
        closed = not level.is_open and (bool(properties) or not path)
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if key in properties:
                found.extend(_unknown(properties[key], item, where))
            elif closed:
                found.append(where)
    elif isinstance(value, list) and (items := _level(schemas).items):
        for index, item in enumerate(value):
            found.extend(_unknown(items, item, f"{path}.{index}"))
    return found


def _applicable(schemas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The schemas and every subschema that applies at the same level (allOf, if/then…)."""
    level: list[dict[str, Any]] = []
    pending = list(schemas)
    while pending:
        schema = pending.pop()
        level.append(schema)
        for keyword in ("allOf", "anyOf", "oneOf"):
            pending.extend(s for s in schema.get(keyword) or [] if isinstance(s, dict))
        for keyword in ("if", "then", "else"):
            if isinstance(schema.get(keyword), dict):
                pending.append(schema[keyword])
    return level
