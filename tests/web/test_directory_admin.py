"""The directory's administration pages: administrators add, edit, deactivate and reset users
and add, rename, deactivate or merge organisms; every change is audited, bad input is a field
error that changes nothing, and nobody else gets in (see also test_authorization_matrix)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from engine import Engine, ManualClock
from engine.people.directory import DEMO_USERS
from engine.people.directory_sign_in import ProvisionFromDirectory
from engine.people.ldap_directory import DirectoryPerson
from storage.models import DirectoryChange, Group, User
from tests.helpers import task_for
from tests.web.conftest import csrf_token, login, post, start_p001
from tests.web.test_authorization_matrix import (
    ADMIN_PASSWORD,
    ADMIN_ROUTES,
    NEW_USER_FORM,
    World,
)


def _changes(engine: Engine, subject: str) -> list[DirectoryChange]:
    with engine.sessions() as session:
        return list(
            session.scalars(
                select(DirectoryChange)
                .where(DirectoryChange.subject == subject)
                .order_by(DirectoryChange.id)
            )
        )


def _user(engine: Engine, username: str) -> User | None:
    with engine.sessions() as session:
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is not None:
            session.expunge(user)
        return user


@pytest.fixture
def admin(client: FlaskClient) -> FlaskClient:
    login(client, "admin")
    return client


def test_every_other_role_is_refused_every_page_and_action(
    client: FlaskClient, engine: Engine
) -> None:
    others = [user.username for user in DEMO_USERS if not user.is_admin]
    refused = []
    for username in others:
        login(client, username)
        for name, route in ADMIN_ROUTES.items():
            url = route.url(World(engine))
            if route.method == "GET":
                status = client.get(url).status_code
            else:
                status = post(client, url, route.data).status_code
            if status != 403:
                refused.append(f"{username} {name}: {status}")
        client.post("/salir", data={"csrf_token": csrf_token(client)})
    assert refused == []
    assert _user(engine, "maria.gomez") is None
    with engine.sessions() as session:
        assert session.scalars(select(DirectoryChange.id)).all() == []


def test_the_matrix_names_every_administration_route_and_method(
    client: FlaskClient, engine: Engine
) -> None:
    assert client.application is not None
    urls = client.application.url_map.bind("localhost")
    named = {
        (urls.match(route.url(World(engine)).split("?")[0], method=route.method)[0], route.method)
        for route in ADMIN_ROUTES.values()
    }
    served = {
        (rule.endpoint, method)
        for rule in client.application.url_map.iter_rules()
        if rule.endpoint.startswith(("admin_users.", "admin_organisms."))
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert named == served


def test_the_list_searches_and_filters_by_group_and_state(admin: FlaskClient) -> None:
    page = admin.get("/administracion/usuarios?q=despacho").text
    assert 'href="/administracion/usuarios/despacho2"' in page
    assert 'href="/administracion/usuarios/orc"' not in page
    by_group = admin.get("/administracion/usuarios?grupo=secretaria_cultura").text
    assert "delegada" in by_group and "despacho2" not in by_group and "2 usuarios" in by_group
    post(admin, "/administracion/usuarios/delegada/desactivar")
    link = 'href="/administracion/usuarios/delegada"'
    active = admin.get("/administracion/usuarios?grupo=secretaria_cultura").text
    assert link not in active and "1 usuario" in active
    inactive = admin.get("/administracion/usuarios?estado=inactivos").text
    assert link in inactive and "1 usuario" in inactive


def test_an_administrator_adds_a_user_and_it_is_audited(admin: FlaskClient, engine: Engine) -> None:
    response = post(admin, "/administracion/usuarios/nuevo", {**NEW_USER_FORM, "coordina": "dagjp"})
    assert response.status_code == 303
    [change] = _changes(engine, "usuario:maria.gomez")
    assert (change.actor, change.action) == ("admin", "user_added")
    assert change.after and change.after["coordinates"] == ["dagjp"]
    page = admin.get("/administracion/usuarios/maria.gomez").text
    assert "María Gómez" in page and "Ingresa con contraseña local" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"usuario": "María"}, "usuario", "use minúsculas"),
        ({"usuario": "despacho2"}, "usuario", "ya existe"),
        ({"nombre": " "}, "nombre", "este campo es obligatorio"),
        ({"correo": "maria"}, "correo", "no es un correo electrónico"),
        ({"grupos": "no_existe"}, "grupos", "grupos desconocidos: no_existe"),
        ({"coordina": "orc"}, "coordina", "coordina grupos a los que no pertenece: orc"),
        ({"contrasena": "corta", "repetir_contrasena": "corta"}, "contrasena", ""),
        ({"repetir_contrasena": "otra cosa"}, "repetir_contrasena", "no coinciden"),
    ],
)
def test_a_bad_new_user_is_a_field_error_and_nothing_is_created(
    admin: FlaskClient, engine: Engine, changes: dict[str, str], field: str, message: str
) -> None:
    response = post(admin, "/administracion/usuarios/nuevo", {**NEW_USER_FORM, **changes})
    assert response.status_code == 422
    assert f'id="campo-{field}-error"' in response.text and message in response.text
    assert 'aria-invalid="true"' in response.text and "nada se guardó" in response.text
    assert 'value="María Gómez"' in response.text or changes.get("nombre")
    with engine.sessions() as session:
        assert session.scalars(select(User).where(User.username == "maria.gomez")).first() is None
        assert session.scalars(select(DirectoryChange.id)).all() == []


def test_editing_groups_and_position_is_audited_before_and_after(
    admin: FlaskClient, engine: Engine
) -> None:
    form = {"nombre": "Contratista Despacho", "correo": "d2@cali.gov.co", "cargo": "Abogado",
            "grupos": ["despacho_gobierno", "orc"], "coordina": "orc"}  # fmt: skip
    assert post(admin, "/administracion/usuarios/despacho2", form).status_code == 303
    [change] = _changes(engine, "usuario:despacho2")
    assert change.action == "user_edited" and change.actor == "admin"
    assert change.before and change.before["groups"] == ["despacho_gobierno"]
    assert change.after and change.after["groups"] == ["despacho_gobierno", "orc"]
    assert (change.after["position"], change.after["coordinates"]) == ("Abogado", ["orc"])


def test_a_bad_edit_changes_nothing(admin: FlaskClient, engine: Engine) -> None:
    form = {"nombre": "Otro nombre", "cargo": "Abogado", "grupos": ["orc", "no_existe"]}
    response = post(admin, "/administracion/usuarios/despacho2", form)
    assert response.status_code == 422 and "grupos desconocidos: no_existe" in response.text
    user = _user(engine, "despacho2")
    assert user is not None and (user.full_name, user.position) == (
        "Contratista Despacho de Gobierno",
        "",
    )
    assert _changes(engine, "usuario:despacho2") == []


def test_deactivating_lists_the_open_tasks_to_reassign(admin: FlaskClient, p001: Engine) -> None:
    key = start_p001(p001)
    task = task_for(p001, key, "proponer_delegado")
    p001.claim(task.id, "despacho2")
    before = admin.get("/administracion/usuarios/despacho2/desactivar").text
    assert f'href="/tareas/{task.id}"' in before and key in before
    response = post(admin, "/administracion/usuarios/despacho2/desactivar")
    assert response.status_code == 303
    after = admin.get(response.headers["Location"]).text
    assert "El usuario está inactivo" in after and f'href="/tareas/{task.id}"' in after
    user = _user(p001, "despacho2")
    assert user is not None and not user.active
    assert [c.action for c in _changes(p001, "usuario:despacho2")] == ["user_deactivated"]


def test_an_administrator_cannot_deactivate_themself(admin: FlaskClient, engine: Engine) -> None:
    response = post(admin, "/administracion/usuarios/admin/desactivar")
    assert response.status_code == 409 and "no puede desactivarse a sí mismo" in response.text
    user = _user(engine, "admin")
    assert user is not None and user.active


def test_resetting_a_password_lets_the_user_in_with_it(
    admin: FlaskClient, engine: Engine, client: FlaskClient
) -> None:
    url = "/administracion/usuarios/despacho2/contrasena"
    mismatch = post(admin, url, {"contrasena": ADMIN_PASSWORD, "repetir_contrasena": "x"})
    weak = post(admin, url, {"contrasena": "corta", "repetir_contrasena": "corta"})
    assert (mismatch.status_code, weak.status_code) == (422, 422)
    assert _changes(engine, "usuario:despacho2") == []
    good = post(admin, url, {"contrasena": ADMIN_PASSWORD, "repetir_contrasena": ADMIN_PASSWORD})
    assert good.status_code == 303
    [change] = _changes(engine, "usuario:despacho2")
    assert (change.action, change.before, change.after) == ("password_reset", None, None)
    other = client.application.test_client()
    login(other, "despacho2", ADMIN_PASSWORD)


def test_organisms_are_added_renamed_and_merged_keeping_their_history(
    admin: FlaskClient, engine: Engine
) -> None:
    new = {"codigo": "uae_catastro", "nombre": "UAE de Catastro", "tipo": "organism",
           "categoria": "unidad_administrativa_especial"}  # fmt: skip
    assert post(admin, "/administracion/organismos/nuevo", new).status_code == 303
    again = post(admin, "/administracion/organismos/nuevo", new)
    assert again.status_code == 422 and "ya existe" in again.text
    renamed = post(
        admin, "/administracion/organismos/uae_catastro", {"nombre": "UAE Catastro Distrital"}
    )
    assert renamed.status_code == 303
    unknown = post(
        admin, "/administracion/organismos/uae_catastro/desactivar", {"fusionado_en": "nada"}
    )
    assert unknown.status_code == 422 and "no es un organismo activo" in unknown.text
    merged = post(
        admin, "/administracion/organismos/uae_catastro/desactivar", {"fusionado_en": "hacienda"}
    )
    assert merged.status_code == 303
    listing = admin.get("/administracion/organismos").text
    assert "UAE Catastro Distrital" in listing and "UAE de Catastro" in listing
    assert "Fusionado en hacienda" in listing
    with engine.sessions() as session:
        group = session.scalars(select(Group).where(Group.code == "uae_catastro")).one()
        assert (group.active, group.merged_into) == (False, "hacienda")
    assert [c.actor for c in _changes(engine, "grupo:uae_catastro")] == ["admin"] * 3


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"codigo": "UAE!", "nombre": "X", "tipo": "organism", "categoria": "oficina"}, "codigo"),
        ({"codigo": "uae_x", "nombre": "", "tipo": "organism", "categoria": "oficina"}, "nombre"),
        ({"codigo": "uae_x", "nombre": "X", "tipo": "organism", "categoria": ""}, "categoria"),
        ({"codigo": "uae_x", "nombre": "X", "tipo": "otro", "categoria": ""}, "tipo"),
    ],
)
def test_a_bad_organism_is_a_field_error_and_nothing_is_added(
    admin: FlaskClient, engine: Engine, form: dict[str, str], field: str
) -> None:
    response = post(admin, "/administracion/organismos/nuevo", form)
    assert response.status_code == 422 and f'id="campo-{field}-error"' in response.text
    with engine.sessions() as session:
        assert session.scalars(select(DirectoryChange.id)).all() == []


def test_a_deactivated_user_is_reactivated_from_their_page_and_audited(
    admin: FlaskClient, engine: Engine, client: FlaskClient
) -> None:
    assert post(admin, "/administracion/usuarios/delegada/desactivar").status_code == 303
    page = admin.get("/administracion/usuarios/delegada").text
    assert 'action="/administracion/usuarios/delegada/reactivar"' in page
    assert "Reactivar a delegada" in page
    response = post(admin, "/administracion/usuarios/delegada/reactivar")
    assert response.status_code == 303
    assert "Reactivó a delegada" in admin.get(response.headers["Location"]).text
    user = _user(engine, "delegada")
    assert user is not None and user.active
    *_, change = _changes(engine, "usuario:delegada")
    assert (change.actor, change.action) == ("admin", "user_reactivated")
    assert change.before and change.after
    assert (change.before["active"], change.after["active"]) == (False, True)
    assert change.after["groups"] == change.before["groups"]  # the groups they had
    login(client.application.test_client(), "delegada")  # and they sign in again


def test_reactivating_an_active_user_is_refused_and_records_nothing(
    admin: FlaskClient, engine: Engine
) -> None:
    page = admin.get("/administracion/usuarios/delegada").text
    assert "/reactivar" not in page  # only an inactive user offers it
    response = post(admin, "/administracion/usuarios/delegada/reactivar")
    assert response.status_code == 409
    assert "El usuario «delegada» ya está activo." in response.text
    assert _changes(engine, "usuario:delegada") == []


def test_the_user_page_shows_every_audited_change_who_when_before_and_after(
    admin: FlaskClient, engine: Engine, clock: ManualClock
) -> None:
    empty = admin.get("/administracion/usuarios/despacho2").text
    assert "Aún no hay cambios registrados de este usuario" in empty
    form = {"nombre": "Contratista Despacho de Gobierno", "correo": "despacho2@cali.gov.co",
            "cargo": "Abogado", "grupos": ["despacho_gobierno", "orc"]}  # fmt: skip
    assert post(admin, "/administracion/usuarios/despacho2", form).status_code == 303
    clock.advance(timedelta(hours=2))
    password = {"contrasena": ADMIN_PASSWORD, "repetir_contrasena": ADMIN_PASSWORD}
    assert post(admin, "/administracion/usuarios/despacho2/contrasena", password).status_code == 303
    clock.advance(timedelta(days=1))
    assert post(admin, "/administracion/usuarios/despacho2/desactivar").status_code == 303
    assert post(admin, "/administracion/usuarios/despacho2/reactivar").status_code == 303

    rows = _history(admin.get("/administracion/usuarios/despacho2").text)
    who = "Administración del sistema (admin)"
    orc = "Oficina de Relaciones y Cooperación"  # names, not codes
    assert rows == [  # newest first
        ["2 dic 2026, 11:00 a. m.", who, "Lo reactivó: Estado", "Inactivo", "Activo"],
        ["2 dic 2026, 11:00 a. m.", who, "Lo desactivó: Estado", "Activo", "Inactivo"],
        ["1 dic 2026, 11:00 a. m.", who, "Restableció su contraseña", "", ""],
        ["1 dic 2026, 9:00 a. m.", who, "Editó sus datos: Cargo", "—", "Abogado"],
        ["Editó sus datos: Grupos", "Despacho de Gobierno", f"Despacho de Gobierno; {orc}"],
    ]


def test_the_history_names_the_directory_and_what_a_first_sign_in_created(
    admin: FlaskClient, engine: Engine
) -> None:
    person = DirectoryPerson("maria.gomez", "María Gómez", "maria.gomez@cali.gov.co", ("dagjp",))
    engine.executor.execute(ProvisionFromDirectory(person, frozenset({"dagjp"})))
    rows = _history(admin.get("/administracion/usuarios/maria.gomez").text)
    created = "Lo creó al ingresar por primera vez"
    assert rows == [
        ["1 dic 2026, 9:00 a. m.", "El directorio de la Alcaldía", f"{created}: Nombre", "—",
         "María Gómez"],
        [f"{created}: Correo", "—", "maria.gomez@cali.gov.co"],
        [f"{created}: Estado", "—", "Activo"],
        [f"{created}: Grupos", "—", "Departamento Administrativo de Gestión Jurídica Pública"],
    ]  # fmt: skip


def _history(page: str) -> list[list[str]]:
    """The history table's rows (headers left out), each as the texts of its cells."""
    history = page[page.index("Historial de cambios") :]
    return [_cells(row) for row in re.findall(r"<tr>(.*?)</tr>", history, re.S)][1:]


def _cells(row: str) -> list[str]:
    return [
        html.unescape(re.sub(r"<[^>]+>|\s+", " ", cell)).strip()
        for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
    ]
