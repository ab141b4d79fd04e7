"""A form's JSON Schema (and UI schema) checked as the workbench's form editor and the linter
see it: the text parses as JSON (line and column when not), the schema is valid JSON Schema
2020-12, and it uses only what the inbox's renderer (`web.schema_form`) can show and the
engine can keep (no dotted or reserved field names, `x-directory` pickers that exist,
`x-unavailable-when` on an option with its case variables and reason).

Messages are Spanish, for the analyst; each names where in the document the problem is.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaViolation

from engine.bpm.forms import top_level_fields
from engine.bpm.sandbox import RESERVED_NAMES
from engine.bpm.unavailable_options import keyword_problems
from engine.people.pickers import picker_problems

MAX_FORM_CHARACTERS = 256 * 1024
SCHEMA_SUFFIX = ".schema.json"
UI_SUFFIX = ".uischema.json"

# What the renderer draws for each type (object: a group of fields; array: rows or a list).
FIELD_TYPES = ("string", "number", "integer", "boolean", "object", "array")
# The renderer draws a date picker and a file input; the rest are text checked on submission.
FORMATS = frozenset(
    {
        "date", "data-url", "date-time", "time", "duration", "email", "idn-email", "hostname",
        "idn-hostname", "ipv4", "ipv6", "uri", "uri-reference", "iri", "iri-reference", "uuid",
        "uri-template", "json-pointer", "relative-json-pointer", "regex",
    }
)  # fmt: skip
WIDGETS = ("textarea", "radio")
MAX_ROWS = 50

_JSON_ERRORS = {
    "Expecting value": "se esperaba un valor (texto entre comillas, número, true, false, "
    "null, objeto o lista)",
    "Expecting property name enclosed in double quotes": "se esperaba el nombre de una "
    "propiedad entre comillas dobles (¿sobra una coma antes de '}'?)",
    "Expecting ',' delimiter": "falta una coma entre dos elementos",
    "Expecting ':' delimiter": "faltan los dos puntos (:) después del nombre de la propiedad",
    "Extra data": "sobra texto después del final del documento JSON",
    "Unterminated string starting at": "una cadena de texto no se cerró (falta la comilla final)",
    "Invalid control character at": "hay un carácter de control dentro de una cadena "
    "(¿un salto de línea? escríbalo como \\n)",
    "Invalid \\escape": "secuencia de escape no válida dentro de una cadena",
}


@dataclass(frozen=True)
class FormProblem:
    """One problem of a form: the document ("esquema" or "ui"), where, and what."""

    document: str
    message: str
    where: str = ""  # a path in the document ("properties › cargo › type"); "" the whole
    line: int | None = None
    column: int | None = None
    # A warning ("aviso") is shown by the form editor and never refuses a deployment.
    severity: str = "error"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def as_json(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "document": self.document,
            "where": self.where,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }

    def __str__(self) -> str:
        place = f" (línea {self.line}, columna {self.column})" if self.line else ""
        where = f"{self.where}: " if self.where else ""
        return f"{where}{self.message}{place}"


@dataclass(frozen=True)
class FormCheck:
    """The parsed documents (None when they do not parse) and every problem found."""

    schema: dict[str, Any] | None
    ui: dict[str, Any] | None
    problems: list[FormProblem]

    @property
    def parsed(self) -> bool:
        """Both texts are JSON objects: the form can be previewed and saved."""
        return self.schema is not None and self.ui is not None

    @property
    def errors(self) -> list[FormProblem]:
        return [problem for problem in self.problems if problem.is_error]


def ui_name_for(schema_name: str) -> str:
    """The UI schema that goes with a form (`P001.propuesta.uischema.json`)."""
    return schema_name.removesuffix(SCHEMA_SUFFIX) + UI_SUFFIX


def check_form_source(schema_text: str, ui_text: str, known_groups: Collection[str]) -> FormCheck:
    """The form editor's check of the two texts as typed (a blank UI schema is none)."""
    schema, problems = _parse("esquema", schema_text)
    ui: Any = {}
    if ui_text.strip():
        ui, ui_problems = _parse("ui", ui_text)
        problems += ui_problems
    if isinstance(schema, dict) and isinstance(ui, dict):
        problems += form_problems(schema, ui, known_groups)
    return FormCheck(
        schema if isinstance(schema, dict) else None,
        ui if isinstance(ui, dict) else None,
        problems,
    )


def form_problems(schema: Any, ui: Any, known_groups: Collection[str]) -> list[FormProblem]:
    """Everything wrong with a parsed form: metaschema, renderer constructs, names, pickers."""
    if not isinstance(schema, dict):
        return [FormProblem("esquema", "el esquema debe ser un objeto JSON ({...})")]
    problems = _metaschema_problems(schema)
    if problems:
        return problems  # the construct rules below assume a valid JSON Schema
    problems += _root_problems(schema)
    problems += _object_problems(schema, "")
    problems += [
        FormProblem("esquema", message, _where(where))
        for where, message in keyword_problems(schema)
    ]
    problems += [
        FormProblem("esquema", complaint)
        for complaint in picker_problems(schema, frozenset(known_groups))
    ]
    for field in sorted(top_level_fields(schema)):
        if field in RESERVED_NAMES or field.startswith("_"):
            problems.append(
                FormProblem(
                    "esquema",
                    f"el campo '{field}' usa un nombre reservado de las expresiones (cámbielo: "
                    "ocultaría esa función o sería inaccesible)",
                    _where(["properties", field]),
                )
            )
    if ui is not None and ui != {}:
        problems += _ui_problems(schema, ui)
    return problems


def _parse(document: str, text: str) -> tuple[Any, list[FormProblem]]:
    if len(text) > MAX_FORM_CHARACTERS:
        return None, [
            FormProblem(document, f"el documento supera {MAX_FORM_CHARACTERS // 1024} KiB")
        ]
    if not text.strip():
        return None, [FormProblem(document, "el documento está vacío", line=1, column=1)]
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in items:
            if key in seen:
                duplicates.append(key)
            seen[key] = value
        return seen

    try:
        value = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as error:
        message = next(
            (spanish for english, spanish in _JSON_ERRORS.items() if error.msg.startswith(english)),
            f"JSON mal formado ({error.msg})",
        )
        return None, [FormProblem(document, message, line=error.lineno, column=error.colno)]
    problems = [
        FormProblem(
            document,
            f"la propiedad '{key}' está repetida: solo contaría la última",
            line=_line_of_key(text, key),
            column=None,
        )
        for key in dict.fromkeys(duplicates)
    ]
    if not isinstance(value, dict):
        problems.append(FormProblem(document, "el documento debe ser un objeto JSON ({...})"))
    return value, problems


def _line_of_key(text: str, key: str) -> int | None:
    """The line of the key's second occurrence (the repeated one)."""
    needle = json.dumps(key) + ":"
    compact = text.replace('" :', '":')
    first = compact.find(needle)
    second = compact.find(needle, first + 1) if first >= 0 else -1
    return compact.count("\n", 0, second) + 1 if second >= 0 else None


def _where(path: list[Any]) -> str:
    return " › ".join(str(part) for part in path)


def _metaschema_problems(schema: dict[str, Any]) -> list[FormProblem]:
    validator = Draft202012Validator(Draft202012Validator.META_SCHEMA)
    problems = []
    for error in sorted(validator.iter_errors(schema), key=lambda e: list(map(str, e.path))):
        problems.append(
            FormProblem("esquema", _metaschema_message(error), _where(list(error.path)))
        )
    return problems


def _metaschema_message(error: SchemaViolation) -> str:
    keyword = str(error.path[-1]) if error.path else ""
    if keyword == "type":
        return (
            f"tipo desconocido {json.dumps(error.instance, ensure_ascii=False)}: use "
            + ", ".join(FIELD_TYPES)
        )
    if error.validator == "type":
        expected = error.validator_value
        words = {
            "object": "un objeto ({...})",
            "array": "una lista ([...])",
            "string": "un texto entre comillas",
            "boolean": "true o false",
            "integer": "un número entero",
            "number": "un número",
        }
        wanted = expected if isinstance(expected, list) else [expected]
        return "debe ser " + " o ".join(words.get(str(w), str(w)) for w in wanted)
    if error.validator == "minimum":
        return f"debe ser al menos {error.validator_value}"
    if error.validator == "uniqueItems":
        return "la lista tiene elementos repetidos"
    if error.validator == "minItems":
        return "la lista no puede estar vacía"
    return f"no es JSON Schema 2020-12 válido ({error.message})"


def _root_problems(schema: dict[str, Any]) -> list[FormProblem]:
    problems = []
    if schema.get("type") != "object":
        problems.append(
            FormProblem(
                "esquema",
                'un formulario es un objeto: el esquema debe decir "type": "object"',
                "type",
            )
        )
    if not isinstance(schema.get("properties"), dict) or not schema["properties"]:
        problems.append(
            FormProblem(
                "esquema",
                'el formulario no tiene campos: declárelos en "properties"',
                "properties",
            )
        )
    return problems


def _object_problems(schema: Mapping[str, Any], path: str) -> list[FormProblem]:
    """Each field of an object the renderer draws, then its fields' fields."""
    problems: list[FormProblem] = []
    properties: Mapping[str, Any] = schema.get("properties") or {}
    base = [*path.split("."), "properties"] if path else ["properties"]
    for name, child in properties.items():
        where = _where([*base, name])
        if not name or "." in name or name.startswith(" ") or name != name.strip():
            problems.append(
                FormProblem(
                    "esquema",
                    f"el nombre de campo '{name}' no es válido: use letras, números y guion "
                    "bajo, sin puntos ni espacios al inicio o al final",
                    where,
                )
            )
        if not isinstance(child, dict):
            problems.append(FormProblem("esquema", "un campo debe ser un objeto ({...})", where))
            continue
        problems += _field_problems(child, where, f"{path}.{name}" if path else name)
    for name in schema.get("required") or []:
        if name not in properties:
            problems.append(
                FormProblem(
                    "esquema",
                    f"'{name}' es obligatorio (required) pero no es ninguno de los campos",
                    _where([*base[:-1], "required"]),
                )
            )
    shown = set(properties)
    for hidden in sorted(top_level_fields(dict(schema)) - shown):
        problems.append(
            FormProblem(
                "esquema",
                f"el campo '{hidden}' solo está dentro de allOf/anyOf/oneOf/if/then/else: el "
                "formulario no lo muestra; declárelo también en properties",
                _where(base),
            )
        )
    return problems


def _field_problems(schema: dict[str, Any], where: str, path: str) -> list[FormProblem]:
    has_options = isinstance(schema.get("enum"), list) or (
        isinstance(schema.get("oneOf"), list)
        and bool(schema["oneOf"])
        and all(isinstance(o, dict) and "const" in o for o in schema["oneOf"])
    )
    kind = schema.get("type")
    problems: list[FormProblem] = []
    if kind is None and not has_options:
        problems.append(
            FormProblem(
                "esquema",
                'el campo no dice su tipo: agregue "type" (' + ", ".join(FIELD_TYPES) + ") "
                'o sus opciones con "enum" u "oneOf" con "const" (sin tipo se muestra como '
                "texto y acepta cualquier valor)",
                where,
                severity="aviso",
            )
        )
    elif isinstance(kind, list):
        problems.append(
            FormProblem(
                "esquema",
                "el formulario no sabe mostrar un campo de varios tipos: elija uno",
                where,
            )
        )
    fmt = schema.get("format")
    if fmt is not None and fmt not in FORMATS:
        problems.append(
            FormProblem(
                "esquema",
                f"formato desconocido '{fmt}': use date, data-url (archivo adjunto), email, uri…",
                where,
            )
        )
    if kind == "object":
        problems += _object_problems(schema, path)
    elif kind == "array":
        items = schema.get("items")
        if not isinstance(items, dict):
            problems.append(
                FormProblem(
                    "esquema",
                    'una lista necesita "items" con el esquema de cada elemento',
                    where,
                )
            )
        elif items.get("type") == "object":
            problems += _object_problems(items, f"{path}.items")
        elif items.get("type") == "array":
            problems.append(
                FormProblem("esquema", "el formulario no sabe mostrar una lista de listas", where)
            )
    return problems


def _ui_problems(
    schema: Mapping[str, Any], ui: Any, path: list[str] | None = None
) -> list[FormProblem]:
    path = path or []
    if not isinstance(ui, dict):
        return [FormProblem("ui", "debe ser un objeto ({...})", _where(path))]
    problems: list[FormProblem] = []
    properties: Mapping[str, Any] = schema.get("properties") or {}
    order = ui.get("ui:order")
    if order is not None:
        if not isinstance(order, list) or not all(isinstance(n, str) for n in order):
            problems.append(
                FormProblem(
                    "ui",
                    "ui:order debe ser una lista de nombres de campos",
                    _where([*path, "ui:order"]),
                )
            )
        else:
            for name in order:
                if name not in properties:
                    problems.append(
                        FormProblem(
                            "ui",
                            f"ui:order nombra el campo '{name}', que el esquema no tiene",
                            _where([*path, "ui:order"]),
                        )
                    )
    widget = ui.get("ui:widget")
    if widget is not None and widget not in WIDGETS:
        problems.append(
            FormProblem(
                "ui",
                f"el formulario no tiene el control '{widget}': use " + " o ".join(WIDGETS),
                _where([*path, "ui:widget"]),
            )
        )
    options = ui.get("ui:options")
    if options is not None:
        rows = options.get("rows") if isinstance(options, dict) else None
        if not isinstance(options, dict) or (
            "rows" in options
            and (not isinstance(rows, int) or isinstance(rows, bool) or not 1 <= rows <= MAX_ROWS)
        ):
            problems.append(
                FormProblem(
                    "ui",
                    f'ui:options admite "rows": un número de líneas entre 1 y {MAX_ROWS}',
                    _where([*path, "ui:options"]),
                )
            )
    for name, child in ui.items():
        if name.startswith("ui:"):
            continue
        if name == "items" and schema.get("type") == "array":
            items = schema.get("items")
            problems += _ui_problems(items if isinstance(items, dict) else {}, child, [*path, name])
            continue
        if name not in properties:
            problems.append(
                FormProblem(
                    "ui",
                    f"nombra el campo '{name}', que el esquema no tiene",
                    _where([*path, name]),
                )
            )
            continue
        field = properties[name]
        problems += _ui_problems(field if isinstance(field, dict) else {}, child, [*path, name])
    return problems
