"""Options of a form field that the case's data rules out: declared in the form, as data.

An option of a field's `oneOf` may say when the case does not allow it:

    {"const": "continuar", "title": "Continuar el trámite",
     "x-unavailable-when": {
         "any": {"concepto_juridico": "desfavorable", "concepto_financiero": ["desfavorable"]},
         "reason": "el concepto jurídico (DAGJP) o el financiero (Hacienda) es desfavorable…"}}

`any` maps case variables (a name, or a dotted path into an object: `consolidacion.resultado`)
to a value or a list of values (texts, numbers, booleans); the option is unavailable when at
least one of those variables holds one of its values (a variable holding a list: when the list
contains one of them). A variable the case does not have rules nothing out. `reason` says why,
in Spanish, for the official: the form shows the option disabled with it, and a submission that
picks the option anyway (the web form or the JSON API) is refused with it as the field's error.

The conditions read the case data as it is before the submission: they are what earlier tasks
decided, never the form's own fields (those are the JSON Schema's `if`/`then`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from engine.bpm.schema_memo import per_schema

KEYWORD = "x-unavailable-when"
ANY, REASON = "any", "reason"
# What an option's row of a field's path uses for a list's index ("compromisos.#.estado").
ANY_INDEX = "#"
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_INDEX = re.compile(r"(?<=\.)\d+(?=\.|$)|^\d+(?=\.|$)")


def unavailable_message(title: str, reason: str) -> str:
    """The field error for a picked option the case does not allow (the one wording, shared by
    the form's declaration and any policy that checks the same rule in code)."""
    return f"la opción «{title}» no está disponible en este caso: {reason}"


def unavailable_reason(option: Mapping[str, Any], case_data: Mapping[str, Any]) -> str | None:
    """Why the case does not allow this `oneOf` option, or None when it does."""
    rule = option.get(KEYWORD)
    if not isinstance(rule, Mapping) or not isinstance(rule.get(ANY), Mapping):
        return None
    for variable, wanted in rule[ANY].items():
        found, value = _lookup(case_data, str(variable))
        if found and _matches(value, wanted if isinstance(wanted, list) else [wanted]):
            return str(rule.get(REASON) or "")
    return None


def unavailable_options(
    schema: Mapping[str, Any] | None, case_data: Mapping[str, Any]
) -> dict[str, dict[str, str]]:
    """Field path (a list's index as `#`) -> the options the case rules out (their `const` as
    the form posts it, a text) -> why."""
    found: dict[str, dict[str, str]] = {}
    for path, option, reason in _ruled_out(schema or {}, case_data):
        found.setdefault(path, {})[str(option["const"])] = reason
    return found


def pattern_of(path: str) -> str:
    """The key `unavailable_options` uses for a rendered field's path (`filas.2.estado` ->
    `filas.#.estado`)."""
    return _INDEX.sub(ANY_INDEX, path)


def unavailable_option_errors(
    schema: Mapping[str, Any] | None, data: Any, case_data: Mapping[str, Any]
) -> dict[str, str]:
    """Field errors, in Spanish, for submitted values that are options the case rules out."""
    ruled_out: dict[str, list[tuple[Mapping[str, Any], str]]] = {}
    for path, option, reason in _ruled_out(schema or {}, case_data):
        ruled_out.setdefault(path, []).append((option, reason))
    if not ruled_out or not isinstance(data, Mapping):
        return {}
    errors: dict[str, str] = {}
    for path, value in _values(data, ""):
        for option, reason in ruled_out.get(pattern_of(path), ()):
            if _same(value, option["const"]):
                title = str(option.get("title") or option["const"])
                errors.setdefault(path, unavailable_message(title, reason))
    return errors


def _ruled_out(
    schema: Mapping[str, Any], case_data: Mapping[str, Any]
) -> Iterator[tuple[str, Mapping[str, Any], str]]:
    if not _declares_keyword(schema):
        return
    for path, field in _fields(schema, ""):
        for option in _options(field):
            if "const" in option and (reason := unavailable_reason(option, case_data)) is not None:
                yield path, option, reason


def keyword_problems(schema: Mapping[str, Any]) -> list[tuple[list[Any], str]]:
    """Each malformed or misplaced use of the keyword: (where in the schema, Spanish message)."""
    placed = {id(option) for _, field in _fields(schema, "") for option in _options(field)}
    problems: list[tuple[list[Any], str]] = []
    for where, holder in _holders(schema, []):
        if id(holder) not in placed:
            problems.append(
                (
                    [*where, KEYWORD],
                    f"{KEYWORD} va en una opción del oneOf de un campo (junto a su const y su "
                    "title): aquí el formulario no sabría qué opción deshabilitar",
                )
            )
            continue
        problems += [([*where, KEYWORD, *at], message) for at, message in _rule_problems(holder)]
    return problems


def condition_variables(schema: Mapping[str, Any]) -> list[str]:
    """The case variables the form's options read, in order, once each."""
    names: dict[str, None] = {}
    for _, field in _fields(schema, ""):
        for option in _options(field):
            rule = option.get(KEYWORD)
            if isinstance(rule, Mapping) and isinstance(rule.get(ANY), Mapping):
                names.update(dict.fromkeys(str(variable) for variable in rule[ANY]))
    return list(names)


def _rule_problems(option: Mapping[str, Any]) -> list[tuple[list[Any], str]]:
    rule = option[KEYWORD]
    if "const" not in option:
        return [([], 'la opción no tiene "const": no hay valor que deshabilitar')]
    if not isinstance(rule, Mapping):
        return [
            (
                [],
                'debe ser un objeto: {"any": {"<variable del caso>": "<valor>" o [valores]}, '
                '"reason": "<por qué no está disponible>"}',
            )
        ]
    problems: list[tuple[list[Any], str]] = []
    for key in rule:
        if key not in (ANY, REASON):
            problems.append(
                ([key], f'propiedad desconocida \'{key}\': solo se admiten "any" y "reason"')
            )
    conditions = rule.get(ANY)
    if not isinstance(conditions, Mapping) or not conditions:
        problems.append(
            (
                [ANY],
                '"any" debe ser un objeto no vacío que asocia variables del caso a un valor o a '
                'una lista de valores ({"concepto_juridico": "desfavorable"})',
            )
        )
    else:
        for variable, wanted in conditions.items():
            if not _VARIABLE.match(str(variable)):
                problems.append(
                    (
                        [ANY, variable],
                        f"'{variable}' no es una variable del caso: use su nombre o una ruta "
                        "con puntos (consolidacion.resultado), con letras, números y guion bajo",
                    )
                )
            values = wanted if isinstance(wanted, list) else [wanted]
            if not values or not all(_scalar(v) for v in values):
                problems.append(
                    (
                        [ANY, variable],
                        "el valor debe ser un texto, un número, true o false, o una lista no "
                        "vacía de ellos (no null, objetos ni listas anidadas)",
                    )
                )
    reason = rule.get(REASON)
    if not isinstance(reason, str) or not reason.strip():
        problems.append(
            (
                [REASON],
                'falta "reason": el texto (en español) que explica al funcionario por qué la '
                "opción no está disponible",
            )
        )
    return problems


def _fields(schema: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every field the form renders (its path) with its schema, at any depth."""
    for name, child in (schema.get("properties") or {}).items():
        if isinstance(child, Mapping):
            yield from _field_and_below(child, f"{prefix}{name}")


def _field_and_below(
    schema: Mapping[str, Any], path: str
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    yield path, schema
    if schema.get("type") == "object":
        yield from _fields(schema, path + ".")
    items = schema.get("items")
    if isinstance(items, Mapping):
        yield from _field_and_below(items, f"{path}.{ANY_INDEX}")


def _options(field: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    options = field.get("oneOf")
    if not isinstance(options, list):
        return []
    return [o for o in options if isinstance(o, Mapping)]


# Most forms do not use the keyword, and walking a large form's fields on every submission costs
# more than knowing it once per form.
@per_schema
def _declares_keyword(schema: Mapping[str, Any]) -> bool:
    return next(_holders(schema, []), None) is not None


def _holders(value: Any, where: list[Any]) -> Iterator[tuple[list[Any], Mapping[str, Any]]]:
    """Every object of the schema that carries the keyword, with where it is."""
    if isinstance(value, Mapping):
        if KEYWORD in value:
            yield where, value
        for key, child in value.items():
            if key != KEYWORD:
                yield from _holders(child, [*where, key])
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _holders(child, [*where, index])


def _values(data: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every submitted value with its dotted path (lists by index)."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            yield from _values(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _values(value, f"{path}.{index}")
    if path:
        yield path, data


def _lookup(data: Mapping[str, Any], variable: str) -> tuple[bool, Any]:
    value: Any = data
    for part in variable.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return False, None
        value = value[part]
    return True, value


def _matches(value: Any, wanted: list[Any]) -> bool:
    held = value if isinstance(value, list) else [value]
    return any(_same(h, w) for h in held for w in wanted)


def _same(value: Any, other: Any) -> bool:
    """JSON equality: true is not 1; a const compared as the renderer posts it (a text) too."""
    if isinstance(value, bool) or isinstance(other, bool):
        return type(value) is type(other) and value == other
    return bool(value == other)


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))
