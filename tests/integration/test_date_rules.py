"""Dates that make no sense are field errors: a commitment due before the session, a session
recorded as held after today (`x-not-before` / `x-not-after` in the form schema)."""

from __future__ import annotations

from datetime import date

import pytest

from engine import Engine, ValidationError
from engine.bpm.date_rules import date_rule_errors
from tests.helpers import complete, hold_session
from tests.integration.test_p001_paths import FICHA, PROPOSAL, start

SCHEMA = {
    "type": "object",
    "properties": {
        "fecha_reunion": {"type": "string", "title": "Fecha de la reunión", "x-not-after": "today"},
        "compromisos": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"fecha_limite": {"type": "string", "x-not-before": "fecha_reunion"}},
            },
        },
    },
}


def test_a_commitment_due_before_the_session_is_an_error_on_its_row(p001: Engine) -> None:
    key = start(p001)
    complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
    complete(p001, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    hold_session(p001, key)
    late = {**FICHA["compromisos"][0], "fecha_limite": "2026-12-03"}  # type: ignore[dict-item]
    with pytest.raises(ValidationError) as refused:
        complete(p001, key, "diligenciar_ficha", "delegada", {**FICHA, "compromisos": [late]})
    assert refused.value.field_errors == {
        "compromisos.0.fecha_limite": "no puede ser anterior a «Fecha de realización» (2026-12-04)"
    }


def test_a_meeting_cannot_be_recorded_as_held_after_today() -> None:
    errors = date_rule_errors(SCHEMA, {"fecha_reunion": "2026-12-02"}, {}, date(2026, 12, 1))
    assert errors == {"fecha_reunion": "no puede ser posterior a hoy (2026-12-01)"}


def test_a_reference_missing_from_the_form_is_taken_from_the_case() -> None:
    data = {"compromisos": [{"fecha_limite": "2026-11-30"}]}
    errors = date_rule_errors(SCHEMA, data, {"fecha_reunion": "2026-12-01"}, date(2026, 12, 1))
    assert errors == {
        "compromisos.0.fecha_limite": "no puede ser anterior a «Fecha de la reunión» (2026-12-01)"
    }


def test_sensible_dates_and_unparsable_ones_add_no_error_of_their_own() -> None:
    data = {"fecha_reunion": "2026-12-01", "compromisos": [{"fecha_limite": "31/12/2026"}]}
    assert date_rule_errors(SCHEMA, data, {}, date(2026, 12, 1)) == {}
