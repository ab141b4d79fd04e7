"""`x-unavailable-when`: a form option the case's data rules out, declared as data; offered or
not by the case, refused on submission, and its malformed uses refused by the form check."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from engine.bpm.form_lint import form_problems
from engine.bpm.unavailable_options import (
    KEYWORD,
    condition_variables,
    pattern_of,
    unavailable_option_errors,
    unavailable_options,
    unavailable_reason,
)
from handlers import service_registry
from handlers.viability import CONTINUE_TITLE, VETO_CONCEPTS, VETO_REASON
from tests.conftest import ROOT

REASON = "el concepto jurídico es desfavorable"
CONTINUE = {
    "const": "continuar",
    "title": "Continuar",
    KEYWORD: {"any": {"concepto_juridico": "desfavorable"}, "reason": REASON},
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "decision": {
            "type": "string",
            "oneOf": [CONTINUE, {"const": "archivar", "title": "Archivar"}],
        },
        "revision": {
            "type": "object",
            "properties": {
                "nivel": {
                    "type": "integer",
                    "oneOf": [
                        {
                            "const": 3,
                            "title": "Tres",
                            KEYWORD: {
                                "any": {"consolidacion.resultado": ["discrepante"]},
                                "reason": "r3",
                            },
                        },
                        {"const": 1, "title": "Uno"},
                    ],
                }
            },
        },
        "filas": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "estado": {
                        "type": "string",
                        "oneOf": [
                            {
                                "const": "cerrado",
                                "title": "Cerrado",
                                KEYWORD: {"any": {"urgente": True}, "reason": "es urgente"},
                            },
                            {"const": "abierto", "title": "Abierto"},
                        ],
                    }
                },
            },
        },
    },
}
CONVOCATION = json.loads(
    (ROOT / "processes" / "forms" / "P004.convocatoria.schema.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize(
    ("case_data", "unavailable"),
    [
        ({}, False),  # a variable the case does not have rules nothing out
        ({"concepto_juridico": "favorable"}, False),
        ({"concepto_juridico": "desfavorable"}, True),
        ({"concepto_juridico": ["favorable", "desfavorable"]}, True),  # a list that contains it
        ({"concepto_juridico": {"valor": "desfavorable"}}, False),
    ],
)
def test_an_option_is_unavailable_when_a_case_variable_holds_one_of_its_values(
    case_data: dict[str, Any], unavailable: bool
) -> None:
    assert (unavailable_reason(CONTINUE, case_data) == REASON) is unavailable
    assert (unavailable_options(SCHEMA, case_data) == {"decision": {"continuar": REASON}}) is (
        unavailable
    )


def test_any_of_the_listed_variables_rules_the_option_out() -> None:
    option = {
        "const": "continuar",
        KEYWORD: {"any": {"a": "x", "b": ["y", "z"]}, "reason": "no"},
    }
    assert unavailable_reason(option, {"a": "w", "b": "z"}) == "no"
    assert unavailable_reason(option, {"a": "x"}) == "no"
    assert unavailable_reason(option, {"a": "w", "b": "w"}) is None


def test_dotted_paths_nested_fields_and_list_rows_are_reached() -> None:
    case = {"consolidacion": {"resultado": "discrepante"}, "urgente": True}
    assert unavailable_options(SCHEMA, case) == {
        "revision.nivel": {"3": "r3"},
        "filas.#.estado": {"cerrado": "es urgente"},
    }
    assert pattern_of("filas.12.estado") == "filas.#.estado"
    data = {
        "decision": "archivar",
        "revision": {"nivel": 3},
        "filas": [{"estado": "abierto"}, {"estado": "cerrado"}],
    }
    errors = unavailable_option_errors(SCHEMA, data, case)
    assert errors == {
        "revision.nivel": "la opción «Tres» no está disponible en este caso: r3",
        "filas.1.estado": "la opción «Cerrado» no está disponible en este caso: es urgente",
    }
    # true is not 1, and 1 is not "1": values compare as JSON.
    assert unavailable_options(SCHEMA, {"urgente": 1}) == {}
    assert unavailable_option_errors(SCHEMA, {"revision": {"nivel": "3"}}, case) == {}


def test_a_submission_of_an_available_option_or_on_another_case_passes() -> None:
    vetoed = {"concepto_juridico": "desfavorable"}
    assert unavailable_option_errors(SCHEMA, {"decision": "archivar"}, vetoed) == {}
    assert unavailable_option_errors(SCHEMA, {"decision": "continuar"}, {}) == {}
    assert unavailable_option_errors(SCHEMA, {"decision": "continuar"}, vetoed) == {
        "decision": f"la opción «Continuar» no está disponible en este caso: {REASON}"
    }


def _with(change: Any) -> dict[str, Any]:
    schema = copy.deepcopy(SCHEMA)
    change(schema)
    return schema


def _decision(schema: dict[str, Any]) -> dict[str, Any]:
    option: dict[str, Any] = schema["properties"]["decision"]["oneOf"][0]
    return option


WHERE = "properties › decision › oneOf › 0 › x-unavailable-when"


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        (
            lambda s: _decision(s).pop("const"),
            WHERE,
            'la opción no tiene "const"',
        ),
        (
            lambda s: _decision(s).__setitem__(KEYWORD, "concepto_juridico == 'desfavorable'"),
            WHERE,
            "debe ser un objeto",
        ),
        (
            lambda s: _decision(s)[KEYWORD].__setitem__("all", {}),
            WHERE + " › all",
            "propiedad desconocida 'all'",
        ),
        (
            lambda s: _decision(s)[KEYWORD].__setitem__("any", {}),
            WHERE + " › any",
            '"any" debe ser un objeto no vacío',
        ),
        (
            lambda s: _decision(s)[KEYWORD].__setitem__("any", ["concepto_juridico"]),
            WHERE + " › any",
            '"any" debe ser un objeto no vacío',
        ),
        (
            lambda s: _decision(s)[KEYWORD]["any"].__setitem__("case['x']", "y"),
            WHERE + " › any › case['x']",
            "no es una variable del caso",
        ),
        (
            lambda s: _decision(s)[KEYWORD]["any"].__setitem__("concepto_juridico", None),
            WHERE + " › any › concepto_juridico",
            "el valor debe ser un texto, un número, true o false",
        ),
        (
            lambda s: _decision(s)[KEYWORD]["any"].__setitem__("concepto_juridico", []),
            WHERE + " › any › concepto_juridico",
            "una lista no vacía",
        ),
        (
            lambda s: _decision(s)[KEYWORD]["any"].__setitem__("x", [{"v": 1}]),
            WHERE + " › any › x",
            "no null, objetos ni listas anidadas",
        ),
        (
            lambda s: _decision(s)[KEYWORD].pop("reason"),
            WHERE + " › reason",
            'falta "reason"',
        ),
        (
            lambda s: _decision(s)[KEYWORD].__setitem__("reason", "  "),
            WHERE + " › reason",
            'falta "reason"',
        ),
        (
            lambda s: s["properties"]["decision"].__setitem__(KEYWORD, _decision(s)[KEYWORD]),
            "properties › decision › x-unavailable-when",
            "va en una opción del oneOf de un campo",
        ),
        (
            lambda s: s.__setitem__(
                "allOf",
                [{"properties": {"decision": {"oneOf": [{"const": "x", **{KEYWORD: {}}}]}}}],
            ),
            "allOf › 0 › properties › decision › oneOf › 0 › x-unavailable-when",
            "va en una opción del oneOf de un campo",
        ),
    ],
)
def test_a_malformed_or_misplaced_use_is_an_error_of_the_form(
    change: Any, where: str, message: str
) -> None:
    problems = [p for p in form_problems(_with(change), {}, []) if p.is_error]
    assert [(p.where, message in p.message) for p in problems] == [(where, True)], problems


def test_the_well_formed_uses_pass_the_form_check() -> None:
    assert form_problems(SCHEMA, {}, []) == []
    assert form_problems(CONVOCATION, {}, []) == []
    assert condition_variables(SCHEMA) == [
        "concepto_juridico",
        "consolidacion.resultado",
        "urgente",
    ]


def test_the_convocation_form_declares_policy_4_as_the_handler_checks_it_in_the_same_words() -> (
    None
):
    """One rule, one wording: the form's declaration and the handler's check (kept for cases on
    a version deployed before the declaration) refuse "continuar" with the same message."""
    field = CONVOCATION["properties"]["decision_sin_comite"]
    option = next(o for o in field["oneOf"] if o["const"] == "continuar")
    assert option["title"] == CONTINUE_TITLE
    assert option[KEYWORD] == {
        "any": dict.fromkeys(VETO_CONCEPTS, "desfavorable"),
        "reason": VETO_REASON,
    }
    registry = service_registry()
    submission = {"convocar_comite": "no", "decision_sin_comite": "continuar"}
    for veto in VETO_CONCEPTS:
        case = {"concepto_tecnico": "favorable", veto: "desfavorable"}
        declared = unavailable_option_errors(CONVOCATION, submission, case)
        checked = registry.form_rule_errors("P004.convocatoria.schema.json", case, submission)
        assert declared == checked == {"decision_sin_comite": declared["decision_sin_comite"]}
    technical_only = {"concepto_tecnico": "desfavorable", "concepto_juridico": "favorable"}
    assert unavailable_options(CONVOCATION, technical_only) == {}
