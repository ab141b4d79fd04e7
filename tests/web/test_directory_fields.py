"""Forms pick organisms and people from the directory: a select of the active ones (with a name
search for people), checked again on the server; old cases still show what they named."""

from __future__ import annotations

import io

from flask.testing import FlaskClient
from sqlalchemy import update

from engine import Engine
from storage.models import Group, User
from tests.conftest import BPMN
from tests.helpers import task_for
from tests.web.conftest import PDF, PROPOSAL, login, post, start_p001


def _deactivate_user(engine: Engine, username: str) -> None:
    with engine.sessions() as session, session.begin():
        session.execute(update(User).where(User.username == username).values(active=False))


def _deactivate_group(engine: Engine, code: str) -> None:
    with engine.sessions() as session, session.begin():
        session.execute(update(Group).where(Group.code == code).values(active=False))


def test_the_delegate_is_picked_from_the_active_people(client: FlaskClient, p001: Engine) -> None:
    task = task_for(p001, start_p001(p001), "proponer_delegado")
    _deactivate_user(p001, "educacion")
    login(client, "despacho")
    page = client.get(f"/tareas/{task.id}").text
    assert '<select id="campo-delegado" name="delegado"' in page
    assert '<option value="delegada" >Subsecretaria delegada</option>' in page
    assert 'value="educacion"' not in page  # inactive: not offered
    assert 'class="person-search" hidden' in page  # the name search, for when JS runs
    assert 'for="campo-delegado-buscar"' in page


def test_an_unknown_delegate_posted_by_hand_comes_back_with_a_spanish_error(
    client: FlaskClient, p001: Engine
) -> None:
    task = task_for(p001, start_p001(p001), "proponer_delegado")
    login(client, "despacho")
    response = post(client, f"/tareas/{task.id}", {**PROPOSAL, "delegado": "maria.gomez"})
    assert response.status_code == 422
    assert "la persona «maria.gomez» no existe en el directorio" in response.text
    assert task_for(p001, _key(p001, task.case_id), "proponer_delegado").state == "open"


def _key(engine: Engine, case_id: int) -> str:
    from storage.models import Case

    with engine.sessions() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case.business_key


def test_the_person_search_finds_active_people_by_name_within_a_group(
    client: FlaskClient, p001: Engine
) -> None:
    _deactivate_user(p001, "educacion")
    login(client, "despacho")
    everyone = client.get("/directorio/personas?q=directivo").get_json()["personas"]
    assert {p["usuario"] for p in everyone} == {"salud", "movilidad"}  # educacion is inactive
    in_group = client.get("/directorio/personas?q=directivo&grupo=secretaria_salud").get_json()
    assert [p["usuario"] for p in in_group["personas"]] == ["salud"]
    assert in_group["personas"][0]["nombre"] == "Directivo Secretaría de Salud"


def test_the_act_form_offers_every_active_organism_and_old_cases_still_show_theirs(
    client: FlaskClient, p001: Engine
) -> None:
    p001.deploy([BPMN / "P003_actos_administrativos.bpmn"], "admin")
    login(client, "despacho")
    form = client.get("/iniciar/P003").text
    assert '<option value="dagma" >' in form and '<option value="secretaria_turismo" >' in form
    response = post(
        client,
        "/iniciar/P003",
        {"tipo_acto": "decreto", "clase_acto": "general", "asunto": "Por el cual…", "organismo_productor": "secretaria_turismo",
         "borrador": (io.BytesIO(PDF), "proyecto.pdf")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 303, response.text
    case_page = response.headers["Location"]

    _deactivate_group(p001, "secretaria_turismo")
    assert 'value="secretaria_turismo"' not in client.get("/iniciar/P003").text
    assert "Secretaría de Turismo (inactivo)" in client.get(case_page).text
