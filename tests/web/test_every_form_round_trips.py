"""Defect 2 of issue 13: P005 could not be started from the web (its lists of plain strings
rendered no input). Every form of every procedure, filled with data generated from its JSON
Schema, renders, posts back the same data and is accepted by the engine."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from engine import Engine
from engine.bpm.bpmn_xml import executable_processes, parse_xml, process_elements
from engine.bpm.form_samples import SAMPLE_FILE, sample_data
from engine.bpm.forms import validate_form
from handlers import service_registry
from storage.database import session_factory
from tests.conftest import BPMN, PROCESSES
from tests.database_templates import DIRECTORY, DatabaseTemplates
from tests.web.conftest import PDF, csrf_token, login, make_app
from tests.web.form_posting import posted_form
from web.directory_fields import with_directory_choices
from web.schema_form import read_submission

# Fields the schemas can only describe as text but the engine checks against the directory.
PEOPLE = {"delegado": "delegada", "responsable": "salud"}


def _forms() -> list[tuple[str, str, str | None]]:
    """(procedure, schema file, UI schema file) of every start event and user task."""
    found = []
    for path in sorted(BPMN.glob("*.bpmn")):
        tree = parse_xml(path.read_bytes(), path.name)
        for process in executable_processes(tree):
            for element in process_elements(process).values():
                if element.form:
                    found.append((process.get("id", ""), element.form, element.ui_form))
    return found


FORMS = sorted(set(_forms()))
START_FORMS = {
    key: (form, ui)
    for key, form, ui in FORMS
    for path in BPMN.glob(f"{key}_*.bpmn")
    if any(
        e.kind == "startEvent" and e.form == form and e.container is None
        for p in executable_processes(parse_xml(path.read_bytes(), path.name))
        for e in process_elements(p).values()
    )
}


def _load(name: str | None) -> dict[str, Any]:
    if not name:
        return {}
    return dict(json.loads((PROCESSES / "forms" / name).read_text(encoding="utf-8")))


def _sample(app: Flask, schema: dict[str, Any]) -> Any:
    """Data the schema accepts, with organisms and people taken from the directory's choices."""
    with app.test_request_context():
        return sample_data(with_directory_choices(schema, for_new=True), PEOPLE)


def _as_submitted(app: Flask, form: str, ui: str | None) -> tuple[dict[str, Any], Any]:
    schema = _load(form)
    expected = _sample(app, schema)
    values, files = posted_form(app, schema, _load(ui), expected, PDF)
    return expected, read_submission(schema, values, files)


def test_the_forms_include_lists_of_plain_strings() -> None:
    assert {"P005.acta_reunion.schema.json", "P007.F001.schema.json"} <= {f for _, f, _ in FORMS}


@pytest.fixture(scope="module")
def form_app(
    tmp_path_factory: pytest.TempPathFactory, database_templates: DatabaseTemplates
) -> Iterator[Flask]:
    """The web application once for the module: rendering a form needs no deployment."""
    folder = tmp_path_factory.mktemp("formularios")
    with database_templates.copy("sqlite", DIRECTORY, folder) as database:
        yield make_app(Engine(session_factory(database), services=service_registry()))


@pytest.mark.parametrize(("key", "form", "ui"), FORMS, ids=[f for _, f, _ in FORMS])
def test_generated_data_round_trips_through_the_web_form(
    form_app: Flask, key: str, form: str, ui: str | None
) -> None:
    expected, submission = _as_submitted(form_app, form, ui)
    for path in submission.uploads:  # the engine stores the file and puts its reference here
        target: Any = submission.data
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        target[int(last) if isinstance(target, list) else last] = SAMPLE_FILE
    assert submission.data == expected
    validate_form(_load(form), submission.data)


def test_every_procedure_starts_from_the_web_with_generated_data(engine: Engine) -> None:
    engine.deploy(sorted(BPMN.glob("*.bpmn")), "admin")
    app = make_app(engine)
    client = app.test_client()
    login(client, "admin")
    refused = {}
    for key, (form, ui) in sorted(START_FORMS.items()):
        schema = _load(form)
        data = _sample(app, schema)
        values, files = posted_form(app, schema, _load(ui), data, PDF)
        response = client.post(
            f"/iniciar/{key}",
            data={**values.to_dict(flat=False), "csrf_token": csrf_token(client), **files},
            content_type="multipart/form-data",
        )
        if response.status_code != 303 or "/casos/" not in response.headers.get("Location", ""):
            refused[key] = response.text[response.text.find("error-summary") :][:600]
    assert sorted(START_FORMS) == [f"P00{n}" for n in range(1, 9)]
    assert refused == {}
