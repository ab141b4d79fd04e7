"""Sign-in against the Alcaldía's directory, on a real OpenLDAP server (Debian's slapd, started
once for the session by `tests.openldap`): the account is provisioned and refreshed from the
directory, wrong passwords and unknown users are refused, accounts disabled in the directory or
deactivated here stay out, a directory that stops answering is a Spanish message (not a 500),
and the local `admin` keeps working throughout."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from engine import Engine
from engine.people.administration import deactivate_user, set_groups
from engine.people.directory import has_local_password
from engine.people.ldap_directory import LdapDirectory, LdapSettings, settings_from
from storage.models import DirectoryChange, User
from tests.openldap import (
    BASE,
    HACIENDA,
    JURIDICA,
    OTROS,
    SERVICE,
    SERVICE_PASSWORD,
    Person,
    Slapd,
    start_slapd,
)
from tests.web.conftest import csrf_token, make_app

MARIA = Person("maria.gomez", "Clave de María 2026", "María Gómez")
# A directory account named like the local break-glass administrator.
NAMESAKE = Person("admin", "clave del directorio", "Otro Admin")
GROUP_MAP = {JURIDICA.lower(): ("dagjp",), HACIENDA.lower(): ("hacienda",)}
LOCAL_ADMIN_PASSWORD = "BuenGobierno2026!"


def _settings(slapd: Slapd, **changes: Any) -> LdapSettings:
    settings = LdapSettings(
        url=slapd.url, base_dn=BASE, bind_dn=SERVICE, bind_password=SERVICE_PASSWORD,
        group_map=GROUP_MAP, timeout_seconds=3,
    )  # fmt: skip
    return replace(settings, **changes)


@pytest.fixture(scope="session")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slapd]:
    server = start_slapd(tmp_path_factory.mktemp("slapd"))
    server.add_person(MARIA, (JURIDICA, HACIENDA))
    server.add_person(NAMESAKE, (JURIDICA,))
    yield server
    server.stop()


@pytest.fixture
def person(slapd: Slapd) -> Iterator[Person]:
    """A directory person of this test only (the server outlives it), in Jurídica."""
    someone = Person(f"ana.{secrets.token_hex(4)}", "Clave de Ana 2026", "Ana Ruiz")
    slapd.add_person(someone, (JURIDICA,))
    yield someone
    slapd.delete(someone)


def _client(engine: Engine, directory: LdapDirectory) -> FlaskClient:
    return make_app(engine, LDAP_DIRECTORY=directory).test_client()


@pytest.fixture
def client(engine: Engine, slapd: Slapd) -> FlaskClient:
    return _client(engine, LdapDirectory(_settings(slapd)))


def _sign_in(client: FlaskClient, username: str, password: str) -> tuple[int, str]:
    response = client.post(
        "/ingresar",
        data={"usuario": username, "contrasena": password, "csrf_token": csrf_token(client)},
    )
    return response.status_code, response.text


def _again(client: FlaskClient, username: str, password: str) -> tuple[int, str]:
    """A sign-in from a browser without a session (the next morning)."""
    assert client.application is not None
    return _sign_in(client.application.test_client(), username, password)


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
    status, _page = _sign_in(client, "Maria.Gomez", MARIA.password)
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
    [("maria.gomez", "clave equivocada"), ("nadie", MARIA.password), ("maria.gomez", "")],
    ids=["wrong password", "unknown user", "empty password (an anonymous bind)"],
)
def test_wrong_password_or_unknown_user_is_refused_and_nothing_is_created(
    client: FlaskClient, engine: Engine, username: str, password: str
) -> None:
    status, page = _sign_in(client, username, password)
    assert status == 401 and "Usuario o contraseña incorrectos" in page
    assert _user(engine, username) is None


def test_groups_follow_the_directory_at_each_sign_in(
    client: FlaskClient, engine: Engine, slapd: Slapd, person: Person
) -> None:
    assert _sign_in(client, person.uid, person.password)[0] == 303
    assert _groups(engine, person.uid) == ["dagjp"]
    # An administrator gives a group by hand: the mapping does not decide it, so it stays.
    set_groups(engine, "admin", person.uid, ("dagjp", "comite_proyectos_acuerdo"))
    # The directory's administrator moves the person from Jurídica to Hacienda.
    slapd.set_groups(person, (HACIENDA,))
    assert slapd.member_of(person) == [HACIENDA.lower()]
    assert _groups(engine, person.uid) == ["comite_proyectos_acuerdo", "dagjp"]  # not yet
    assert _again(client, person.uid, person.password)[0] == 303
    assert _groups(engine, person.uid) == ["comite_proyectos_acuerdo", "hacienda"]
    with engine.sessions() as session:
        refreshed = session.scalars(
            select(DirectoryChange).where(
                DirectoryChange.subject == f"usuario:{person.uid}",
                DirectoryChange.action == "user_refreshed",
            )
        ).one()
        assert refreshed.before is not None and refreshed.after is not None
        assert (refreshed.before["groups"], refreshed.after["groups"]) == (
            ["comite_proyectos_acuerdo", "dagjp"], ["comite_proyectos_acuerdo", "hacienda"],
        )  # fmt: skip

    slapd.set_groups(person, (OTROS,))  # in no group the mapping names
    status, page = _again(client, person.uid, person.password)
    assert status == 403
    assert "no pertenece a ningún grupo habilitado para Buen Gobierno" in page
    assert _groups(engine, person.uid) == ["comite_proyectos_acuerdo", "hacienda"]


def test_an_account_disabled_in_the_directory_is_refused(
    client: FlaskClient, engine: Engine, slapd: Slapd, person: Person
) -> None:
    assert _sign_in(client, person.uid, person.password)[0] == 303
    slapd.disable(person)  # ppolicy: pwdAccountLockedTime, the bind is refused
    status, page = _again(client, person.uid, person.password)
    assert status == 401 and "Usuario o contraseña incorrectos" in page


def test_an_account_disabled_in_the_directory_is_never_provisioned(
    client: FlaskClient, engine: Engine, slapd: Slapd, person: Person
) -> None:
    slapd.disable(person)
    assert _sign_in(client, person.uid, person.password)[0] == 401
    assert _user(engine, person.uid) is None


def test_a_user_deactivated_here_is_refused_even_with_the_right_password(
    client: FlaskClient, engine: Engine
) -> None:
    assert _sign_in(client, "maria.gomez", MARIA.password)[0] == 303
    deactivate_user(engine, "admin", "maria.gomez")
    status, page = _again(client, "maria.gomez", MARIA.password)
    assert status == 403 and "Su usuario está desactivado en Buen Gobierno" in page
    user = _user(engine, "maria.gomez")
    assert user is not None and not user.active


def test_the_local_admin_signs_in_locally_and_a_directory_namesake_cannot(
    client: FlaskClient,
) -> None:
    assert _sign_in(client, "admin", NAMESAKE.password)[0] == 401
    assert _sign_in(client, "admin", LOCAL_ADMIN_PASSWORD)[0] == 303


def test_a_directory_that_stops_answering_is_a_message_and_local_admins_still_sign_in(
    engine: Engine, tmp_path: Path
) -> None:
    own = start_slapd(tmp_path)  # this test stops its server; the session's keeps running
    try:
        own.add_person(MARIA, (JURIDICA,))
        client = _client(engine, LdapDirectory(_settings(own, timeout_seconds=2)))
        assert _sign_in(client, "maria.gomez", MARIA.password)[0] == 303
    finally:
        own.stop()
    status, page = _again(client, "maria.gomez", MARIA.password)
    assert status == 503
    assert "El directorio de la Alcaldía no responde" in page
    assert "cuentas locales de administración siguen funcionando" in page
    assert _again(client, "admin", LOCAL_ADMIN_PASSWORD)[0] == 303


def test_a_service_account_the_directory_refuses_is_a_message_not_a_wrong_password(
    engine: Engine, slapd: Slapd
) -> None:
    client = _client(engine, LdapDirectory(_settings(slapd, bind_password="caducada")))
    status, page = _sign_in(client, "maria.gomez", MARIA.password)
    assert status == 503 and "El directorio de la Alcaldía no responde" in page
    assert _user(engine, "maria.gomez") is None


@pytest.mark.parametrize("start_tls", [False, True], ids=["ldaps", "StartTLS"])
def test_sign_in_over_tls_verifies_the_directory_certificate(
    engine: Engine, slapd: Slapd, start_tls: bool
) -> None:
    url = slapd.url if start_tls else slapd.tls_url
    trusted = _settings(slapd, url=url, start_tls=start_tls, ca_file=slapd.ca_file)
    client = _client(engine, LdapDirectory(trusted))
    assert _sign_in(client, "maria.gomez", MARIA.password)[0] == 303
    # The same server, without its CA among the trusted ones: the certificate is not accepted.
    untrusted = _client(engine, LdapDirectory(replace(trusted, ca_file=None)))
    status, page = _sign_in(untrusted, "maria.gomez", MARIA.password)
    assert status == 503 and "El directorio de la Alcaldía no responde" in page


def test_a_user_dn_template_binds_without_a_service_account(engine: Engine, slapd: Slapd) -> None:
    template = _settings(
        slapd, bind_dn=None, bind_password=None,
        user_dn_template=f"uid={{username}},ou=people,{BASE}",
    )  # fmt: skip
    client = _client(engine, LdapDirectory(template))
    assert _sign_in(client, "maria.gomez", "clave equivocada")[0] == 401
    assert _sign_in(client, "nadie", MARIA.password)[0] == 401
    assert _sign_in(client, "maria.gomez", MARIA.password)[0] == 303
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
