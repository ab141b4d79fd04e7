"""The analysts' workbench (/modelos) as analysts use it: library, bundle download, drafts saved
per revision with a 409 for the second of two saves, lint, compare, deploy; every route refused
to everyone else, and every action left in the workbench's log."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine import Engine
from storage.models import Case, Definition, Group, WorkbenchEvent
from tests.conftest import BPMN
from tests.p001_versions import RENAMED, WITHOUT_PROPOSAL, deploy_version
from tests.web.conftest import csrf_token, login, make_app, post, start_p001

P001_XML = (BPMN / "P001_delegaciones.bpmn").read_text(encoding="utf-8")
FORM = "P001.propuesta.schema.json"
PROPOSAL_FORM = (
    '<spiffworkflow:property name="formJsonSchemaFilename" value="P001.propuesta.schema.json" />'
)


@pytest.fixture
def p001(p001_then_procedures: Engine) -> Engine:
    """Every procedure deployed, as `make run` does: P001 calls P003 and P005."""
    return p001_then_procedures


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    login(client, username)
    return client


def save(client: FlaskClient, draft: int, revision: int, xml: str) -> object:
    return client.post(
        f"/modelos/borradores/{draft}",
        json={"bpmn": xml, "revision": revision},
        headers={"X-CSRFToken": csrf_token(client)},
    )


def events(engine: Engine) -> list[tuple[str, str, str, int | None]]:
    with engine.sessions() as session:
        return [
            (e.actor, e.action, e.key, e.version)
            for e in session.scalars(select(WorkbenchEvent).order_by(WorkbenchEvent.id))
        ]


# -- authorization ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    method: str
    url: Callable[[int], str]
    endpoint: str
    ok: int  # what an analyst gets


ROUTES = [
    Route("GET", lambda d: "/modelos", "workbench.index", 200),
    Route("GET", lambda d: "/modelos/P001/v1.zip", "workbench.download", 200),
    Route("GET", lambda d: "/modelos/P001/v1.bpmn", "workbench.version_xml", 200),
    Route("POST", lambda d: "/modelos/P001/borradores", "workbench.create_draft", 303),
    Route("POST", lambda d: "/modelos/P001/v1/redesplegar", "workbench.redeploy_version", 303),
    Route("GET", lambda d: f"/modelos/borradores/{d}", "workbench.modeler", 200),
    Route("GET", lambda d: f"/modelos/borradores/{d}.bpmn", "workbench.draft_xml", 200),
    Route("POST", lambda d: f"/modelos/borradores/{d}", "workbench.save_draft", 400),
    Route("GET", lambda d: f"/modelos/borradores/{d}/problemas", "workbench.problems_page", 200),
    Route(
        "GET", lambda d: f"/modelos/borradores/{d}/problemas.json", "workbench.problems_json", 200
    ),
    Route("POST", lambda d: f"/modelos/borradores/{d}/desplegar", "workbench.deploy_draft", 400),
    Route(
        "GET",
        lambda d: f"/modelos/comparar?antes=P001:1&despues=borrador:{d}",
        "workbench.compare_page",
        200,
    ),
    Route(
        "GET",
        lambda d: f"/modelos/comparar.json?antes=P001:1&despues=borrador:{d}",
        "workbench.compare_json",
        200,
    ),
    Route(
        "GET",
        lambda d: f"/modelos/comparar.bpmn?ref=borrador:{d}",
        "workbench.compared_diagram",
        200,
    ),
    Route("GET", lambda d: "/modelos/P001/migrar?hacia=1", "workbench.migration_page", 200),
    Route(
        "POST", lambda d: f"/modelos/borradores/{d}/escenarios", "workbench.draft_scenarios", 200
    ),
    Route("POST", lambda d: "/modelos/P001/migrar", "workbench.migrate_cases", 303),
    Route("GET", lambda d: f"/modelos/borradores/{d}/formularios", "workbench.forms.index", 200),
    Route(
        "GET",
        lambda d: f"/modelos/borradores/{d}/formularios/nuevo?nombre=P001.nuevo",
        "workbench.forms.new",
        303,
    ),
    Route(
        "GET",
        lambda d: f"/modelos/borradores/{d}/formularios/{FORM}",
        "workbench.forms.editor",
        200,
    ),
    Route(
        "POST",
        lambda d: f"/modelos/borradores/{d}/formularios/{FORM}/vista-previa",
        "workbench.forms.preview",
        200,
    ),
    Route(
        "POST", lambda d: f"/modelos/borradores/{d}/formularios/{FORM}", "workbench.forms.save", 400
    ),
    Route(
        "POST",
        lambda d: f"/modelos/borradores/{d}/formularios/{FORM}/quitar",
        "workbench.forms.remove",
        303,
    ),
    Route("GET", lambda d: "/modelos/grupos.json", "workbench.groups_json", 200),
]


def test_the_matrix_names_every_workbench_route(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert {e for e in endpoints if e.startswith("workbench.")} == {r.endpoint for r in ROUTES}


def _request(client: FlaskClient, route: Route, draft: int) -> int:
    if route.method == "GET":
        return client.get(route.url(draft)).status_code
    return post(client, route.url(draft)).status_code


@pytest.mark.parametrize("username", ["despacho", "hacienda", "calidad", "secretario"])
def test_everyone_but_analysts_and_administrators_gets_403_on_every_route(
    app: Flask, p001: Engine, username: str
) -> None:
    draft = p001.create_draft("P001", "analista").draft_id
    client = signed_in(app, username)
    assert {r.endpoint: _request(client, r, draft) for r in ROUTES} == {
        r.endpoint: 403 for r in ROUTES
    }
    assert [e for e in events(p001) if e[0] == username] == []


def test_anonymous_visitors_are_sent_to_sign_in(app: Flask, p001: Engine) -> None:
    draft = p001.create_draft("P001", "analista").draft_id
    client = app.test_client()
    for route in ROUTES:
        if route.method == "GET":
            response = client.get(route.url(draft))
            assert response.status_code == 302, route.endpoint
            assert "/ingresar" in response.headers["Location"]


@pytest.mark.parametrize("username", ["analista", "admin"])
def test_analysts_and_administrators_reach_every_route(
    app: Flask, p001: Engine, username: str
) -> None:
    draft = p001.create_draft("P001", "analista").draft_id
    client = signed_in(app, username)
    assert {r.endpoint: _request(client, r, draft) for r in ROUTES} == {
        r.endpoint: r.ok for r in ROUTES
    }


def test_only_analysts_and_administrators_see_the_menu_entry(app: Flask) -> None:
    assert 'href="/modelos"' in signed_in(app, "analista").get("/").text
    assert 'href="/modelos"' not in signed_in(app, "despacho").get("/").text


# -- library and bundles ----------------------------------------------------------------------


def test_library_lists_versions_with_who_when_sha_and_running_cases(
    app: Flask, p001: Engine
) -> None:
    start_p001(p001)
    start_p001(p001)
    with p001.sessions() as session:
        sha = session.scalars(select(Definition.sha256).where(Definition.key == "P001")).one()
    page = signed_in(app, "analista").get("/modelos").text
    assert "P001" in page and "P008" in page and sha in page
    row = page[page.index('<th scope="row">v1</th>') :]
    assert "admin" in row[:400]
    assert "<td>2</td>" in row[:800]  # two running cases on version 1


def test_a_downloaded_bundle_holds_the_bpmn_and_its_forms_and_is_audited(
    app: Flask, p001: Engine
) -> None:
    response = signed_in(app, "analista").get("/modelos/P001/v1.zip")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "attachment; filename=P001-v1.zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert "bpmn/P001.bpmn" in names
    assert archive.read("bpmn/P001.bpmn").decode() == P001_XML
    assert "forms/P001.propuesta.schema.json" in names
    schema = json.loads(archive.read("forms/P001.propuesta.schema.json"))
    assert schema["type"] == "object"
    assert events(p001) == [("analista", "bundle_downloaded", "P001", 1)]


def test_a_missing_version_is_404(app: Flask, p001: Engine) -> None:
    assert signed_in(app, "analista").get("/modelos/P001/v9.zip").status_code == 404


# -- drafts -----------------------------------------------------------------------------------


def test_a_draft_starts_as_the_version_and_each_save_is_a_revision(
    app: Flask, p001: Engine
) -> None:
    client = signed_in(app, "analista")
    created = post(client, "/modelos/P001/borradores", {"version": "1"})
    assert created.status_code == 303
    draft = int(created.headers["Location"].rsplit("/", 1)[1])
    assert client.get(f"/modelos/borradores/{draft}.bpmn").text == P001_XML
    renamed = P001_XML.replace('name="Proponer delegado"', 'name="Proponer delegada o delegado"')
    saved = save(client, draft, 1, renamed)
    assert saved.status_code == 200, saved.text
    assert saved.json["revision"] == 2
    assert client.get(f"/modelos/borradores/{draft}.bpmn").text == renamed
    assert client.get(f"/modelos/borradores/{draft}.bpmn?revision=1").text == P001_XML
    assert [e[1] for e in events(p001)] == ["draft_created", "draft_saved"]


def test_the_second_save_of_the_same_revision_is_409_with_the_others_change(
    app: Flask, p001: Engine
) -> None:
    draft = p001.create_draft("P001", "analista").draft_id
    first, second = signed_in(app, "analista"), signed_in(app, "admin")
    theirs = P001_XML.replace('name="Proponer delegado"', 'name="Proponer delegado (v. admin)"')
    mine = P001_XML.replace('name="Proponer delegado"', 'name="Proponer delegado (v. analista)"')
    assert save(second, draft, 1, theirs).status_code == 200

    refused = save(first, draft, 1, mine)

    assert refused.status_code == 409
    body = refused.json
    assert body["revision"] == 2 and body["saved_by"] == "admin"
    assert "revisión 2" in body["message"]
    assert first.get(body["their_bpmn_url"]).text == theirs
    compared = first.get(body["compare_url"].replace("/comparar?", "/comparar.json?")).json
    assert compared["elements"][0]["element"] == "proponer_delegado"
    assert first.get(f"/modelos/borradores/{draft}.bpmn").text == theirs  # nothing written
    assert [e[1] for e in events(p001)].count("draft_saved") == 1


def test_saving_an_unchanged_draft_is_a_new_revision(p001: Engine) -> None:
    draft = p001.create_draft("P001", "analista")
    saved = p001.save_draft(draft.draft_id, draft.revision, P001_XML, "analista")
    assert saved.revision == 2


def test_a_save_without_csrf_or_without_a_revision_changes_nothing(
    app: Flask, p001: Engine
) -> None:
    draft = p001.create_draft("P001", "analista").draft_id
    client = signed_in(app, "analista")
    no_csrf = client.post(f"/modelos/borradores/{draft}", json={"bpmn": "x", "revision": 1})
    assert no_csrf.status_code == 400
    no_revision = client.post(
        f"/modelos/borradores/{draft}",
        json={"bpmn": P001_XML},
        headers={"X-CSRFToken": csrf_token(client)},
    )
    assert no_revision.status_code == 400
    assert "revisión" in no_revision.json["message"]
    assert [e[1] for e in events(p001)] == ["draft_created"]


# -- lint and deploy --------------------------------------------------------------------------


def test_the_problems_panel_names_the_task_that_lost_its_form(app: Flask, p001: Engine) -> None:
    draft = p001.create_draft("P001", "analista").draft_id
    client = signed_in(app, "analista")
    assert client.get(f"/modelos/borradores/{draft}/problemas.json").json["deployable"] is True
    assert save(client, draft, 1, P001_XML.replace(PROPOSAL_FORM, "")).status_code == 200

    report = client.get(f"/modelos/borradores/{draft}/problemas.json").json

    assert report["deployable"] is False
    line = 1 + P001_XML[: P001_XML.index('<bpmn:userTask id="proponer_delegado"')].count("\n")
    assert {
        "element": "proponer_delegado",
        "line": line,
        "message": "la tarea de usuario no tiene formulario (formJsonSchemaFilename)",
    } in report["problems"]
    page = client.get(f"/modelos/borradores/{draft}/problemas").text
    assert "<code>proponer_delegado</code>" in page and "no tiene formulario" in page
    assert "Desplegar como nueva versión" not in page


def test_a_draft_with_problems_is_not_deployed(app: Flask, p001: Engine) -> None:
    draft = p001.create_draft("P001", "analista").draft_id
    client = signed_in(app, "analista")
    save(client, draft, 1, P001_XML.replace(PROPOSAL_FORM, ""))
    refused = post(client, f"/modelos/borradores/{draft}/desplegar", {"revision": "2"})
    assert refused.status_code == 303
    assert refused.headers["Location"].endswith(f"/modelos/borradores/{draft}/problemas")
    with p001.sessions() as session:
        assert session.scalar(select(func.count()).where(Definition.key == "P001")) == 1
    assert "draft_deployed" not in [e[1] for e in events(p001)]


def test_a_clean_draft_deploys_as_the_next_version_and_running_cases_stay(
    scenario_app: Flask, p001: Engine
) -> None:
    running = start_p001(p001)
    draft = p001.create_draft("P001", "analista").draft_id
    client = signed_in(scenario_app, "analista")
    renamed = P001_XML.replace('name="Proponer delegado"', 'name="Proponer delegado idóneo"')
    save(client, draft, 1, renamed)
    tested = post(client, f"/modelos/borradores/{draft}/escenarios").text
    assert "1 de 1 escenarios pasaron." in tested and "Desplegar como nueva versión" in tested
    deployed = post(client, f"/modelos/borradores/{draft}/desplegar", {"revision": "2"})
    assert deployed.status_code == 303
    with p001.sessions() as session:
        versions = session.execute(
            select(Definition.version, Definition.deployed_by).where(Definition.key == "P001")
        ).all()
    assert sorted(versions) == [(1, "admin"), (2, "analista")]
    assert ("analista", "draft_deployed", "P001", 2) in events(p001)
    page = client.get("/modelos").text
    assert "v2" in page
    assert running in {t.case for t in p001.tasks("despacho")}
    # Deployed: the draft is closed, a second deploy or save is a conflict.
    assert (
        post(client, f"/modelos/borradores/{draft}/desplegar", {"revision": "2"}).status_code == 409
    )


def test_deploying_a_revision_someone_else_replaced_is_a_conflict(app: Flask, p001: Engine) -> None:
    draft = p001.create_draft("P001", "analista").draft_id
    client = signed_in(app, "analista")
    save(signed_in(app, "admin"), draft, 1, P001_XML.replace("Proponer delegado", "Otra"))
    assert (
        post(client, f"/modelos/borradores/{draft}/desplegar", {"revision": "1"}).status_code == 409
    )
    with p001.sessions() as session:
        assert session.scalar(select(func.count()).where(Definition.key == "P001")) == 1


# -- rollback ---------------------------------------------------------------------------------


def test_rollback_from_the_library_deploys_version_1_again_as_version_3(
    app: Flask, p001: Engine
) -> None:
    deploy_version(p001, RENAMED)
    client = signed_in(app, "analista")
    library_page = client.get("/modelos").text
    assert "Volver a v1 (se despliega como v3)" in library_page
    assert "Volver a v2" not in library_page  # the latest is not a rollback

    rolled_back = post(client, "/modelos/P001/v1/redesplegar")

    assert rolled_back.status_code == 303
    assert "P001 versión 1 desplegada de nuevo como versión 3" in client.get("/modelos").text
    with p001.sessions() as session:
        shas = dict(
            session.execute(
                select(Definition.version, Definition.sha256).where(Definition.key == "P001")
            ).all()
        )
    assert shas[3] == shas[1] != shas[2]
    assert ("analista", "version_redeployed", "P001", 3) in events(p001)
    new_case = start_p001(p001)
    assert [t.name for t in p001.tasks("despacho") if t.case == new_case] == ["Proponer delegado"]


def test_rolling_back_to_the_latest_content_changes_nothing_and_says_why(
    app: Flask, p001: Engine
) -> None:
    client = signed_in(app, "analista")
    post(client, "/modelos/P001/v1/redesplegar")
    assert (
        "La versión 1 de P001 ya tiene el contenido de la versión 1" in client.get("/modelos").text
    )
    with p001.sessions() as session:
        assert session.scalar(select(func.count()).where(Definition.key == "P001")) == 1
    assert events(p001) == []


def test_an_untouched_draft_of_an_earlier_version_is_not_deployed_but_points_to_rollback(
    app: Flask, p001: Engine
) -> None:
    deploy_version(p001, RENAMED)
    draft = p001.create_draft("P001", "analista", 1).draft_id
    client = signed_in(app, "analista")

    refused = post(client, f"/modelos/borradores/{draft}/desplegar", {"revision": "1"})

    assert refused.status_code == 303
    page = client.get(refused.headers["Location"]).text
    assert "El contenido es igual a la versión 1 de P001" in page and "Volver a v1" in page
    with p001.sessions() as session:
        assert session.scalar(select(func.count()).where(Definition.key == "P001")) == 2


# -- compare ----------------------------------------------------------------------------------


def test_compare_page_lists_the_renamed_task_with_both_names(app: Flask, p001: Engine) -> None:
    draft = p001.create_draft("P001", "analista").draft_id
    client = signed_in(app, "analista")
    save(client, draft, 1, P001_XML.replace('name="Proponer delegado"', 'name="Postular delegado"'))
    page = client.get(f"/modelos/comparar?antes=P001:1&despues=borrador:{draft}").text
    assert 'data-element="proponer_delegado"' in page
    assert "Proponer delegado" in page and "Postular delegado" in page and "modificado" in page


def test_compare_with_an_unknown_reference_is_404(app: Flask, p001: Engine) -> None:
    client = signed_in(app, "analista")
    assert client.get("/modelos/comparar?antes=P001:1&despues=nada").status_code == 404
    assert client.get("/modelos/comparar.json?antes=P001:1&despues=P001:7").status_code == 404


def test_the_modeler_page_allows_inline_styles_but_never_inline_scripts(
    app: Flask, p001: Engine
) -> None:
    draft = p001.create_draft("P001", "analista").draft_id
    client = signed_in(app, "analista")
    modeler = client.get(f"/modelos/borradores/{draft}").headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in modeler
    assert "script-src 'self';" in modeler
    library = client.get("/modelos").headers["Content-Security-Policy"]
    assert "unsafe-inline" not in library


# -- migrate running cases --------------------------------------------------------------------


def test_the_migration_page_checks_each_case_then_migrates_the_chosen_ones(
    app: Flask, p001: Engine
) -> None:
    movable = start_p001(p001)
    unchosen = start_p001(p001)
    p001.complete(
        next(t.id for t in p001.tasks("despacho") if t.case == unchosen),
        "despacho",
        {"delegado": "delegada", "cargo_delegado": "Subsecretaria"},
    )
    client = signed_in(app, "analista")
    deploy_version(p001, RENAMED)

    page = client.get("/modelos/P001/migrar?hacia=2")

    assert page.status_code == 200
    assert "2 casos se pueden migrar y 0 no." in page.text
    assert f'value="{movable}"' in page.text and "Proponer delegado" in page.text
    assert [c.name for c in p001.tasks("despacho") if c.case == movable] == ["Proponer delegado"]

    done = post(client, "/modelos/P001/migrar", {"hacia": "2", "caso": movable})

    assert done.status_code == 200
    assert "1 casos migrados, 0 rechazados." in done.text
    assert f"{movable}" in done.text and "v1 → v2" in done.text
    assert [t.name for t in p001.tasks("despacho") if t.case == movable] == ["Postular delegado"]
    assert [t.name for t in p001.tasks("secretario") if t.case == unchosen] == [
        "Aprobar delegación"
    ]
    again = client.get("/modelos/P001/migrar?hacia=2").text  # only the case left on v1
    assert f'data-case="{unchosen}"' in again and f'data-case="{movable}"' not in again
    assert ("analista", "cases_migrated", "P001", 2) in events(p001)
    assert ("analista", "migration_checked", "P001", 2) in events(p001)


def test_the_migration_page_says_why_a_case_cannot_move(app: Flask, p001: Engine) -> None:
    running = start_p001(p001)
    client = signed_in(app, "analista")
    deploy_version(p001, WITHOUT_PROPOSAL)

    page = client.get("/modelos/P001/migrar?hacia=2").text

    assert "0 casos se pueden migrar y 1 no." in page
    assert "No se puede migrar:" in page
    assert "&#39;Proponer delegado&#39; (proponer_delegado) está activa en el caso" in page
    assert f'value="{running}"' not in page  # nothing to tick, no button
    assert "Migrar los casos marcados" not in page
    refused = post(client, "/modelos/P001/migrar", {"hacia": "2", "caso": running})
    assert "0 casos migrados, 1 rechazados." in refused.text
    assert [t.name for t in p001.tasks("despacho") if t.case == running] == ["Proponer delegado"]


def test_a_migration_without_cases_or_to_a_missing_version_changes_nothing(
    app: Flask, p001: Engine
) -> None:
    start_p001(p001)
    client = signed_in(app, "analista")
    assert post(client, "/modelos/P001/migrar", {"hacia": "1"}).status_code == 303
    assert client.get("/modelos/P001/migrar?hacia=7").status_code == 404
    assert client.get("/modelos/P404/migrar").status_code == 404
    assert [e[1] for e in events(p001)] == []


# -- scenarios against a draft ----------------------------------------------------------------

PROPOSAL_SCENARIO = """
procedure: P001
scenarios:
  - name: La propuesta llega al Secretario
    start: {as: despacho, data: {instancia: Junta, asunto: Sesión, fecha_sesion: "2026-12-04", tipo_delegacion: puntual}}
    steps:
      - {as: despacho, complete: proponer_delegado, data: {delegado: delegada, cargo_delegado: Subsecretaria}, expect: {tasks: [aprobar_delegacion]}}
    end: {status: running}
"""


@pytest.fixture
def scenario_app(p001: Engine, tmp_path: Path) -> Flask:
    """The app reading a processes/ folder whose P001 has one short scenario."""
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "P001.yaml").write_text(PROPOSAL_SCENARIO, encoding="utf-8")
    (tmp_path / "bpmn").symlink_to(BPMN)
    (tmp_path / "forms").symlink_to(BPMN.parent / "forms")
    return make_app(p001, PROCESSES_DIRECTORY=str(tmp_path))


def test_scenarios_run_against_the_draft_on_a_scratch_database(
    scenario_app: Flask, p001: Engine
) -> None:
    draft = p001.create_draft("P001", "analista").draft_id
    client = signed_in(scenario_app, "analista")
    # The draft sends the proposal to a misnamed task: the scenario expects aprobar_delegacion.
    renamed_id = P001_XML.replace('"aprobar_delegacion"', '"aprobar_propuesta"').replace(
        ">aprobar_delegacion<", ">aprobar_propuesta<"
    )
    assert save(client, draft, 1, renamed_id).status_code == 200

    page = post(client, f"/modelos/borradores/{draft}/escenarios")

    assert page.status_code == 200
    assert "0 de 1 escenarios pasaron." in page.text
    assert "Falló" in page.text and "aprobar_propuesta" in page.text
    assert 'data-flow="f_devolver"' in page.text  # a flow no scenario took
    with p001.sessions() as session:
        assert session.scalar(select(func.count()).where(Definition.key == "P001")) == 1
        assert session.scalar(select(func.count()).select_from(Case)) == 0
    assert ("analista", "scenarios_run", "P001", 1) in events(p001)


def test_a_draft_that_passes_its_scenarios_says_so(scenario_app: Flask, p001: Engine) -> None:
    draft = p001.create_draft("P001", "analista").draft_id
    page = post(signed_in(scenario_app, "analista"), f"/modelos/borradores/{draft}/escenarios")
    assert "1 de 1 escenarios pasaron." in page.text and "Pasó" in page.text


def test_a_draft_whose_scenarios_have_not_run_is_not_deployed(app: Flask, p001: Engine) -> None:
    draft = p001.create_draft("P001", "analista").draft_id
    client = signed_in(app, "analista")
    save(client, draft, 1, RENAMED)
    problems = client.get(f"/modelos/borradores/{draft}/problemas").text
    assert "los escenarios de P001 deben pasar con la revisión 2" in problems
    assert "Desplegar como nueva versión" not in problems

    refused = post(client, f"/modelos/borradores/{draft}/desplegar", {"revision": "2"})

    assert refused.status_code == 303
    assert refused.headers["Location"].endswith(f"/modelos/borradores/{draft}/problemas")
    page = client.get(refused.headers["Location"]).text
    assert "Los escenarios de P001 no se han probado con la revisión 2 del borrador" in page
    with p001.sessions() as session:
        assert session.scalar(select(func.count()).where(Definition.key == "P001")) == 1
    assert "draft_deployed" not in [e[1] for e in events(p001)]


def test_a_draft_whose_scenarios_fail_is_not_deployed(scenario_app: Flask, p001: Engine) -> None:
    draft = p001.create_draft("P001", "analista").draft_id
    client = signed_in(scenario_app, "analista")
    misnamed = P001_XML.replace('"aprobar_delegacion"', '"aprobar_propuesta"').replace(
        ">aprobar_delegacion<", ">aprobar_propuesta<"
    )
    save(client, draft, 1, misnamed)
    tested = post(client, f"/modelos/borradores/{draft}/escenarios").text
    assert "Desplegar como nueva versión" not in tested

    refused = post(client, f"/modelos/borradores/{draft}/desplegar", {"revision": "2"})

    page = client.get(refused.headers["Location"]).text
    assert (
        "1 de 1 escenarios de P001 fallaron con la revisión 2 (La propuesta llega al Secretario)"
        in page
    )
    assert "1 escenarios fallaron con la revisión 2" in page
    with p001.sessions() as session:
        assert session.scalar(select(func.count()).where(Definition.key == "P001")) == 1


def test_a_save_after_the_scenarios_passed_needs_them_run_again(
    scenario_app: Flask, p001: Engine
) -> None:
    draft = p001.create_draft("P001", "analista").draft_id
    client = signed_in(scenario_app, "analista")
    post(client, f"/modelos/borradores/{draft}/escenarios")  # passes with revision 1
    save(client, draft, 1, RENAMED)

    refused = post(client, f"/modelos/borradores/{draft}/desplegar", {"revision": "2"})

    assert "no se han probado con la revisión 2" in client.get(refused.headers["Location"]).text
    with p001.sessions() as session:
        assert session.scalar(select(func.count()).where(Definition.key == "P001")) == 1


def test_the_deploy_summary_says_what_changes_and_which_cases_stay_where(
    app: Flask, p001: Engine
) -> None:
    start_p001(p001)
    start_p001(p001)
    draft = p001.create_draft("P001", "analista").draft_id
    client = signed_in(app, "analista")
    save(client, draft, 1, RENAMED)

    page = client.get(f"/modelos/borradores/{draft}/problemas").text

    assert "Frente a v1: 0 elementos agregados, 0 eliminados, 1 modificados, 0 movidos" in page
    assert "<li>v1: 2 casos en curso</li>" in page


def test_each_side_of_a_comparison_is_served_as_its_bpmn(app: Flask, p001: Engine) -> None:
    draft = p001.create_draft("P001", "analista")
    p001.save_draft(draft.draft_id, draft.revision, RENAMED, "analista")
    client = signed_in(app, "analista")
    after = client.get(f"/modelos/comparar.bpmn?ref=borrador:{draft.draft_id}")
    assert after.mimetype == "application/xml" and after.text == RENAMED
    before = client.get(f"/modelos/comparar.bpmn?ref=revision:{draft.draft_id}:1")
    assert before.text == (BPMN / "P001_delegaciones.bpmn").read_text(encoding="utf-8")
    assert client.get("/modelos/comparar.bpmn?ref=P001:1").text == before.text
    assert client.get("/modelos/comparar.bpmn?ref=nada").status_code == 404


# -- what the modeler's properties panel offers -----------------------------------------------


def test_the_lane_groups_are_the_directory_s_active_groups_and_the_per_case_lanes(
    app: Flask, p001: Engine
) -> None:
    groups = signed_in(app, "analista").get("/modelos/grupos.json").get_json()["groups"]
    codes = [group["code"] for group in groups]
    assert {"despacho_gobierno", "dagjp", "hacienda", "analistas"} <= set(codes)
    assert codes[-3:] == ["organismo", "delegado", "responsable"]
    assert all(group["kind"] == "dynamic" for group in groups[-3:])
    juridica = next(group for group in groups if group["code"] == "dagjp")
    assert juridica["kind"] == "organism" and "Jurídica" in juridica["name"]


def test_a_deactivated_group_is_no_longer_offered_for_a_lane(app: Flask, p001: Engine) -> None:
    with p001.sessions() as session, session.begin():
        session.scalars(
            select(Group).where(Group.code == "secretaria_cultura")
        ).one().active = False
    groups = signed_in(app, "analista").get("/modelos/grupos.json").get_json()["groups"]
    assert "secretaria_cultura" not in [group["code"] for group in groups]


def test_the_modeler_page_lists_the_draft_s_forms_and_the_registered_operators(
    app: Flask, p001: Engine
) -> None:
    draft = p001.create_draft("P001", "analista").draft_id
    page = signed_in(app, "analista").get(f"/modelos/borradores/{draft}").text
    forms = json.loads(html.unescape(re.search(r'data-forms="([^"]*)"', page).group(1)))
    operators = json.loads(html.unescape(re.search(r'data-operators="([^"]*)"', page).group(1)))
    assert "P001.propuesta.schema.json" in forms and "P001.propuesta.uischema.json" in forms
    assert {"notify", "number_act", "require_vistos_buenos"} <= set(operators)
    assert 'data-groups-url="/modelos/grupos.json"' in page
    assert "/bundle/properties-panel.js" in page
