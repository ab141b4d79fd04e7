"""A form saved into a workbench draft through the engine: each save a revision, a stale one a
`Conflict` that writes nothing, only analysts, and the saved form is what the deployed version
asks of officials."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from sqlalchemy import select

from engine import Conflict, Engine, Forbidden, NotFound, ValidationError
from engine.read.workbench import check_draft_form, draft_forms
from storage.models import Draft, DraftRevision
from tests.conftest import BPMN
from tests.helpers import task_for

PROPOSAL = "P001.propuesta.schema.json"
PROPOSAL_UI = "P001.propuesta.uischema.json"
INVITATION = {
    "instancia": "Junta Directiva de EMCALI",
    "asunto": "Sesión ordinaria de diciembre",
    "fecha_sesion": "2026-12-04",
    "tipo_delegacion": "puntual",
}


def proposal_with_required_field() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        (BPMN.parent / "forms" / PROPOSAL).read_text(encoding="utf-8")
    )
    changed = copy.deepcopy(schema)
    changed["properties"]["telefono_delegado"] = {"type": "string", "title": "Teléfono"}
    changed["required"].append("telefono_delegado")
    return changed


def forms_of(procedures: Engine, draft: int) -> tuple[int, dict[str, Any]]:
    with procedures.sessions() as session:
        found = session.get(Draft, draft)
        assert found is not None
        return found.revision, dict(found.forms)


def test_each_form_save_is_a_revision_kept_with_the_forms_of_that_day(
    procedures: Engine,
) -> None:
    draft = procedures.create_draft("P001", "analista").draft_id
    _, before = forms_of(procedures, draft)
    schema = proposal_with_required_field()
    saved = procedures.save_draft_form(draft, 1, PROPOSAL, schema, None, "analista")
    assert saved.revision == 2
    revision, forms = forms_of(procedures, draft)
    assert (revision, forms[PROPOSAL]) == (2, schema)
    assert PROPOSAL_UI not in forms  # no UI schema given: none kept
    with procedures.sessions() as session:
        kept = {
            r.revision: r.forms
            for r in session.scalars(select(DraftRevision).where(DraftRevision.draft_id == draft))
        }
    assert kept == {1: before, 2: forms}


def test_a_save_based_on_an_older_revision_is_a_conflict_and_writes_nothing(
    procedures: Engine,
) -> None:
    draft = procedures.create_draft("P001", "analista").draft_id
    procedures.save_draft_form(draft, 1, PROPOSAL, proposal_with_required_field(), None, "analista")
    _, winner = forms_of(procedures, draft)
    with pytest.raises(Conflict, match="ya va en la revisión 2 \\(guardada por analista\\)"):
        procedures.save_draft_form(draft, 1, PROPOSAL, {"type": "object"}, None, "admin")
    assert forms_of(procedures, draft) == (2, winner)


@pytest.mark.parametrize("name", ["propuesta.json", "../secreto.schema.json", ".schema.json"])
def test_a_form_name_must_be_a_schema_file_name(procedures: Engine, name: str) -> None:
    draft = procedures.create_draft("P001", "analista").draft_id
    with pytest.raises(ValidationError):
        procedures.save_draft_form(draft, 1, name, {"type": "object"}, None, "analista")
    assert forms_of(procedures, draft)[0] == 1


def test_removing_a_form_the_draft_lacks_is_not_found(procedures: Engine) -> None:
    draft = procedures.create_draft("P001", "analista").draft_id
    with pytest.raises(NotFound):
        procedures.save_draft_form(draft, 1, "P001.otro.schema.json", None, None, "analista")


def test_only_analysts_and_administrators_save_forms(procedures: Engine) -> None:
    draft = procedures.create_draft("P001", "analista").draft_id
    with pytest.raises(Forbidden):
        procedures.save_draft_form(draft, 1, PROPOSAL, {"type": "object"}, None, "despacho")
    assert forms_of(procedures, draft)[0] == 1


def test_the_forms_listed_include_one_the_diagram_names_and_the_draft_lacks(
    procedures: Engine,
) -> None:
    draft = procedures.create_draft("P001", "analista").draft_id
    procedures.save_draft_form(draft, 1, PROPOSAL, None, None, "analista")
    with procedures.sessions() as session:
        _, forms = draft_forms(session, draft)
    missing = next(f for f in forms if f.name == PROPOSAL)
    assert not missing.exists
    assert [use.element_id for use in missing.used_by] == ["proponer_delegado"]


def test_a_picker_of_an_unknown_group_is_checked_against_the_directory(
    procedures: Engine,
) -> None:
    schema = proposal_with_required_field()
    schema["properties"]["delegado"]["x-directory"] = {"person_of_group": "tesoreria"}
    with procedures.sessions() as session:
        check = check_draft_form(session, json.dumps(schema), "")
    assert [str(p) for p in check.errors] == [
        "el campo 'delegado' pide personas del grupo desconocido 'tesoreria'"
    ]


def test_the_deployed_draft_asks_officials_for_the_field_the_form_editor_added(
    procedures: Engine,
) -> None:
    draft = procedures.create_draft("P001", "analista").draft_id
    ui = json.loads((BPMN.parent / "forms" / PROPOSAL_UI).read_text(encoding="utf-8"))
    procedures.save_draft_form(draft, 1, PROPOSAL, proposal_with_required_field(), ui, "analista")
    deployment = procedures.deploy_draft(draft, 2, "analista", scenarios_required=False)
    assert deployment.version == 2
    key = procedures.start("P001", "despacho", INVITATION)
    task = task_for(procedures, key, "proponer_delegado")
    proposal = {"delegado": "delegada", "cargo_delegado": "Subsecretaria de Cultura"}
    with pytest.raises(ValidationError) as refused:
        procedures.complete(task.id, "despacho", proposal)
    assert refused.value.field_errors == {"telefono_delegado": "este campo es obligatorio"}
    procedures.complete(task.id, "despacho", {**proposal, "telefono_delegado": "602 555 0101"})
