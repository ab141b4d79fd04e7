"""Sign-in against the Alcaldía's directory, on ldap3's in-process server (MOCK_SYNC) populated
with entries: the account is provisioned and refreshed from the directory, wrong passwords and
unknown users are refused, deactivated users stay out, a directory that does not answer is a
Spanish message (not a 500), and the local `admin` keeps working throughout."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from ldap3 import MOCK_SYNC, MODIFY_REPLACE, Connection, Server
from sqlalchemy import select

from engine import Engine
from engine.people.administration import deactivate_user, set_groups
from engine.people.directory import has_local_password
from engine.people.ldap_directory import LdapDirectory, LdapSettings, settings_from
from storage.models import DirectoryChange, User
from tests.web.conftest import csrf_token, make_app

BASE = "dc=cali,dc=gov,dc=co"
JURIDICA = f"CN=Juridica,OU=Grupos,{BASE}"
HACIENDA = f"CN=Hacienda,OU=Grupos,{BASE}"
MARIA = f"uid=maria.gomez,ou=people,{BASE}"
SERVICE = f"cn=buengobierno,ou=servicios,{BASE}"
SETTINGS = LdapSettings(
    url="ldaps://directorio.cali.gov.co",
    base_dn=BASE,
    bind_dn=SERVICE,
    bind_password="clave-del-servicio",
    group_map={JURIDICA.lower(): ("dagjp",), HACIENDA.lower(): ("hacienda",)},
)


@pytest.fixture
def server() -> Server:
    server = Server("ldaps://directorio.cali.gov.co")
    seed = Connection(server, client_strategy=MOCK_SYNC)
    seed.strategy.add_entry(
        SERVICE, {"objectClass": "person", "userPassword": "clave-del-servicio"}
    )
    seed.strategy.add_entry(MARIA, {
        "objectClass": "person", "uid": "maria.gomez", "userPassword": "Clave de María 2026",
        "displayName": "María Gómez", "mail": "maria.gomez@cali.gov.co",
        "memberOf": [JURIDICA, HACIENDA],
    })  # fmt: skip
    seed.strategy.add_entry(f"uid=admin,ou=people,{BASE}", {
        "objectClass": "person", "uid": "admin", "userPassword": "clave del directorio",
        "displayName": "Otro admin", "memberOf": [JURIDICA],
    })  # fmt: skip
    return server


def _client(engine: Engine, directory: LdapDirectory) -> FlaskClient:
    return make_app(engine, LDAP_DIRECTORY=directory).test_client()


@pytest.fixture
def client(engine: Engine, server: Server) -> FlaskClient:
    return _client(engine, LdapDirectory(SETTINGS, server=server, strategy=MOCK_SYNC))


def _sign_in(client: FlaskClient, username: str, password: str) -> tuple[int, str]:
    response = client.post(
        "/ingresar",
        data={"usuario": username, "contrasena": password, "csrf_token": csrf_token(client)},
    )
    return response.status_code, response.text


def _user(engine: Engine, username: str) -> User | None:
    with engine.sessions() as session:
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is not None:
            session.expunge(user)
        return user


def _groups(engine: Engine, username: str) -> list[str]:
    with engine.sessions() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        return sorted(m.group.code for m in user.memberships)


def test_the_right_password_provisions_the_user_from_the_directory(
    client: FlaskClient, engine: Engine
) -> None:
    status, _page = _sign_in(client, "Maria.Gomez", "Clave de María 2026")
    assert status == 303
    user = _user(engine, "maria.gomez")
    assert user is not None
    assert (user.full_name, user.email) == ("María Gómez", "maria.gomez@cali.gov.co")
    assert not has_local_password(user.password_hash)
    assert _groups(engine, "maria.gomez") == ["dagjp", "hacienda"]
    assert "María Gómez" in client.get("/").text
    with engine.sessions() as session:
        [change] = session.scalars(
            select(DirectoryChange).where(DirectoryChange.subject == "usuario:maria.gomez")
        )
        assert (change.actor, change.action, change.before) == (
            "directorio", "user_provisioned", None,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("username", "password"),
    [("maria.gomez", "clave equivocada"), ("nadie", "Clave de María 2026"), ("maria.gomez", "")],
    ids=["wrong password", "unknown user", "empty password (an anonymous bind)"],
)
def test_wrong_password_or_unknown_user_is_refused_and_nothing_is_created(
    client: FlaskClient, engine: Engine, username: str, password: str
) -> None:
    status, page = _sign_in(client, username, password)
    assert status == 401 and "Usuario o contraseña incorrectos" in page
    assert _user(engine, username) is None


def test_groups_follow_the_directory_at_each_sign_in(
    client: FlaskClient, engine: Engine, server: Server
) -> None:
    assert _sign_in(client, "maria.gomez", "Clave de María 2026")[0] == 303
    # An administrator gives a group by hand: the mapping does not decide it, so it stays.
    set_groups(engine, "admin", "maria.gomez", ("dagjp", "hacienda", "comite_proyectos_acuerdo"))
    directory = Connection(
        server, user=SERVICE, password="clave-del-servicio", client_strategy=MOCK_SYNC
    )
    directory.bind()
    directory.modify(MARIA, {"memberOf": [(MODIFY_REPLACE, [HACIENDA])]})
    fresh = client.application.test_client()
    assert _sign_in(fresh, "maria.gomez", "Clave de María 2026")[0] == 303
    assert _groups(engine, "maria.gomez") == ["comite_proyectos_acuerdo", "hacienda"]

    directory.modify(MARIA, {"memberOf": [(MODIFY_REPLACE, [f"CN=Otros,OU=Grupos,{BASE}"])]})
    status, page = _sign_in(client.application.test_client(), "maria.gomez", "Clave de María 2026")
    assert status == 403
    assert "no pertenece a ningún grupo habilitado para Buen Gobierno" in page
    assert _groups(engine, "maria.gomez") == ["comite_proyectos_acuerdo", "hacienda"]


def test_a_deactivated_user_is_refused_even_with_the_right_password(
    client: FlaskClient, engine: Engine
) -> None:
    assert _sign_in(client, "maria.gomez", "Clave de María 2026")[0] == 303
    deactivate_user(engine, "admin", "maria.gomez")
    status, page = _sign_in(client.application.test_client(), "maria.gomez", "Clave de María 2026")
    assert status == 403 and "Su usuario está desactivado en Buen Gobierno" in page
    user = _user(engine, "maria.gomez")
    assert user is not None and not user.active


def test_the_local_admin_signs_in_locally_and_a_directory_namesake_cannot(
    client: FlaskClient,
) -> None:
    assert _sign_in(client, "admin", "clave del directorio")[0] == 401
    assert _sign_in(client, "admin", "BuenGobierno2026!")[0] == 303


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_directory_that_does_not_answer_is_a_message_and_local_admins_still_sign_in(
    engine: Engine,
) -> None:
    url = f"ldap://127.0.0.1:{_closed_port()}"
    down = LdapSettings(
        url=url, base_dn=BASE, bind_dn=SERVICE, bind_password="x", timeout_seconds=2
    )
    client = _client(engine, LdapDirectory(down))
    status, page = _sign_in(client, "maria.gomez", "Clave de María 2026")
    assert status == 503
    assert "El directorio de la Alcaldía no responde" in page
    assert "cuentas locales de administración siguen funcionando" in page
    assert _sign_in(client, "admin", "BuenGobierno2026!")[0] == 303


def test_a_user_dn_template_binds_without_a_service_account(engine: Engine, server: Server) -> None:
    template = LdapSettings(
        url="ldaps://directorio.cali.gov.co", base_dn=BASE,
        user_dn_template=f"uid={{username}},ou=people,{BASE}", group_map=SETTINGS.group_map,
    )  # fmt: skip
    client = _client(engine, LdapDirectory(template, server=server, strategy=MOCK_SYNC))
    assert _sign_in(client, "maria.gomez", "clave equivocada")[0] == 401
    assert _sign_in(client, "maria.gomez", "Clave de María 2026")[0] == 303
    assert _groups(engine, "maria.gomez") == ["dagjp", "hacienda"]


def test_settings_come_from_the_environment_and_a_mapping_file(tmp_path: Path) -> None:
    mapping = tmp_path / "grupos.json"
    mapping.write_text(json.dumps({JURIDICA: ["dagjp"], HACIENDA: "hacienda"}), encoding="utf-8")
    settings = settings_from({
        "LDAP_URL": "ldap://dc1.cali.local", "LDAP_BASE_DN": BASE, "LDAP_START_TLS": "true",
        "LDAP_USER_FILTER": "(sAMAccountName={username})", "LDAP_GROUP_MAP_FILE": str(mapping),
        "LDAP_BIND_DN": SERVICE, "LDAP_BIND_PASSWORD": "secreto",
    })  # fmt: skip
    assert settings is not None and settings.start_tls and settings.bind_dn == SERVICE
    assert settings.user_filter == "(sAMAccountName={username})"
    assert settings.group_map == {JURIDICA.lower(): ("dagjp",), HACIENDA.lower(): ("hacienda",)}
    assert "secreto" not in repr(settings)
    assert settings_from({}) is None
