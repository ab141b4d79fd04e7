"""Form data checked against the task's JSON Schema; errors keyed by field path, in Spanish."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError as SchemaViolation

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


def _field_path(error: SchemaViolation) -> str:
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else ""
        path.append(missing)
    return ".".join(path)


def validate_form(schema: dict[str, Any] | None, data: dict[str, Any]) -> None:
    """Raise `ValidationError` with one message per field when `data` violates `schema`."""
    if not isinstance(data, dict):
        raise ValidationError({"": "los datos del formulario deben ser un objeto JSON"})
    if not schema:
        return
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    errors: dict[str, str] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        field = _field_path(error)
        errors.setdefault(field, _MESSAGES.get(str(error.validator), error.message))
    if errors:
        raise ValidationError(errors)
