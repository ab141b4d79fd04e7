"""Route by role: every route, for an anonymous visitor, a non-member and a member.

Anonymous visitors are sent to sign in (401 under /api/), non-members get 403 (404 when the
thing does not exist, see test_api_and_errors), members get the page or the action, and so do
administrators (plus the administrators' own pages); the process analyst is one more
signed-in non-member: deploying is theirs, and it has no route (`buengobierno deploy`). Every POST
without its CSRF token is refused with 400 whoever sends it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from engine import Engine
from engine.commands.absences import declare_absence
from storage.models import Attachment
from tests.helpers import task_for
from tests.web.conftest import (
    INVITATION,
    PROPOSAL,
    csrf_token,
    draft_act_uploaded,
    login,
    start_p001,
)

ADMIN_PASSWORD = "Una clave larga de prueba 7"
NEW_USER_FORM = {
    "usuario": "maria.gomez", "nombre": "María Gómez", "correo": "maria.gomez@cali.gov.co",
    "grupos": "dagjp", "contrasena": ADMIN_PASSWORD, "repetir_contrasena": ADMIN_PASSWORD,
}  # fmt: skip
EDIT_FORM = {"nombre": "Contratista", "correo": "", "cargo": "Abogado", "grupos": "orc"}
NEW_ORGANISM = {"codigo": "uae_catastro", "nombre": "UAE de Catastro", "tipo": "organism",
                "categoria": "unidad_administrativa_especial"}  # fmt: skip
ABSENCE_DAYS = (date(2026, 12, 3), date(2026, 12, 4))
ABSENCE_FORM = {"suplente": "juridica", "desde": "2026-12-03", "hasta": "2026-12-04"}
MEMBER = "despacho"  # Despacho de Gobierno, coordinator of its group
OUTSIDER = "hacienda"  # signed in, but not in the group, not in the case
ADMIN = "admin"
ANALYST = "analista"  # deploys diagrams; otherwise an outsider to cases and incidents


@dataclass
class World:
    engine: Engine
    key: str = ""
    task: int = 0
    _attachment: tuple[str, int] | None = None

    def absence(self) -> int:
        """An absence of despacho2 (juridica stands in), declared by an administrator."""
        return declare_absence(self.engine, ADMIN, "despacho2", "juridica", *ABSENCE_DAYS)

    def attachment(self) -> tuple[str, int]:
        """A second case whose draft act of delegation (a PDF) Despacho de Gobierno uploaded."""
        if self._attachment is None:
            key = draft_act_uploaded(self.engine)
            with self.engine.sessions() as session:
                self._attachment = (key, session.scalars(select(Attachment.id)).one())
        return self._attachment


@dataclass(frozen=True)
class Route:
    method: str
    url: Callable[[World], str]
    outsider: int
    member: int
    data: dict[str, Any] = field(default_factory=dict)
    claimed_by_member: bool = False
    is_api: bool = False
    admin: int | None = None  # None: what a member gets

    def expected(self, role: str) -> int:
        if role == "anonymous":
            return 401 if self.is_api else 302
        if role in ("non-member", "analyst"):
            return self.outsider
        if role == "admin" and self.admin is not None:
            return self.admin
        return self.member


# The directory's administration is for administrators only (test_directory_admin); the check
# comes before any lookup.
ADMIN_ROUTES: dict[str, Route] = {
    name: Route(method, lambda w, url=url: url, 403, 403, data, admin=admin)
    for name, method, url, data, admin in (
        ("usuarios", "GET", "/administracion/usuarios?q=des&grupo=orc", {}, 200),
        ("nuevo usuario", "GET", "/administracion/usuarios/nuevo", {}, 200),
        ("crear usuario", "POST", "/administracion/usuarios/nuevo", NEW_USER_FORM, 303),
        ("usuario", "GET", "/administracion/usuarios/despacho2", {}, 200),
        ("editar usuario", "POST", "/administracion/usuarios/despacho2", EDIT_FORM, 303),
        ("desactivación", "GET", "/administracion/usuarios/despacho2/desactivar", {}, 200),
        ("desactivar", "POST", "/administracion/usuarios/despacho2/desactivar", {}, 303),
        # despacho2 is active: the administrator reaches the command, which refuses (409).
        ("reactivar", "POST", "/administracion/usuarios/despacho2/reactivar", {}, 409),
        ("contraseña", "GET", "/administracion/usuarios/despacho2/contrasena", {}, 200),
        (
            "restablecer",
            "POST",
            "/administracion/usuarios/despacho2/contrasena",
            {"contrasena": ADMIN_PASSWORD, "repetir_contrasena": ADMIN_PASSWORD},
            303,
        ),
        ("organismos", "GET", "/administracion/organismos", {}, 200),
        ("nuevo organismo", "GET", "/administracion/organismos/nuevo", {}, 200),
        ("crear organismo", "POST", "/administracion/organismos/nuevo", NEW_ORGANISM, 303),
        ("organismo", "GET", "/administracion/organismos/orc", {}, 200),
        ("renombrar", "POST", "/administracion/organismos/orc", {"nombre": "ORC"}, 303),
        ("baja organismo", "GET", "/administracion/organismos/orc/desactivar", {}, 200),
        ("desactivar organismo", "POST", "/administracion/organismos/orc/desactivar", {}, 303),
    )
}

ROUTES: dict[str, Route] = {
    "bandeja": Route("GET", lambda w: "/", 200, 200),
    "bandeja grupos": Route("GET", lambda w: "/?bandeja=grupos", 200, 200),
    "tarea": Route("GET", lambda w: f"/tareas/{w.task}", 403, 200),
    "completar": Route("POST", lambda w: f"/tareas/{w.task}", 403, 303, PROPOSAL),
    "reclamar": Route("POST", lambda w: f"/tareas/{w.task}/reclamar", 403, 303),
    "liberar": Route(
        "POST", lambda w: f"/tareas/{w.task}/liberar", 403, 303, claimed_by_member=True
    ),
    "reasignar": Route(
        "POST", lambda w: f"/tareas/{w.task}/reasignar", 403, 303, {"usuario": "despacho2"}
    ),
    # Bulk actions are for coordinators (MEMBER coordinates; test_bulk_and_followups shows a
    # plain member refused); the check comes before the form (no task checked: back to the inbox).
    "acciones masivas": Route("POST", lambda w: "/tareas/acciones", 403, 303, {"accion": "tomar"}),
    "seguimiento": Route(
        "POST", lambda w: f"/tareas/{w.task}/seguimiento", 403, 303, {"fecha": "2026-12-03"}
    ),
    "iniciar": Route("GET", lambda w: "/iniciar", 200, 200),
    "formulario de inicio": Route("GET", lambda w: "/iniciar/P001", 403, 200),
    "iniciar P001": Route("POST", lambda w: "/iniciar/P001", 403, 303, INVITATION),
    "mis casos": Route("GET", lambda w: "/casos", 200, 200),
    # Anyone signed in searches cases; what each one finds is its own (test_case_search).
    "casos": Route("GET", lambda w: "/casos/buscar?q=P001&estado=running", 200, 200),
    "caso": Route("GET", lambda w: f"/casos/{w.key}", 403, 200),
    "diagrama": Route("GET", lambda w: f"/casos/{w.key}/diagrama.bpmn", 403, 200),
    # Comments: read on the case and task pages by whoever sees the case, written by whoever
    # works on it (test_comments: the quality office reads and does not write).
    "comentar caso": Route(
        "POST", lambda w: f"/casos/{w.key}/comentarios", 403, 303, {"texto": "Revisado"}
    ),
    "comentar tarea": Route(
        "POST", lambda w: f"/tareas/{w.task}/comentarios", 403, 303, {"texto": "Revisado"}
    ),
    "adjunto": Route(
        "GET",
        lambda w: "/casos/{}/adjuntos/{}".format(*w.attachment()),
        403,
        200,
    ),
    # Printed documents: the summary and the forms for whoever sees the case; the trace is the
    # quality office's (test_printed_documents reads them back).
    "resumen pdf": Route("GET", lambda w: f"/casos/{w.key}/resumen.pdf", 403, 200),
    "formulario pdf": Route(
        "GET", lambda w: f"/casos/{w.key}/formularios/P001.inicio.pdf", 403, 200
    ),
    "traza pdf": Route("GET", lambda w: f"/casos/{w.key}/traza.pdf", 403, 403, admin=200),
    "traza html": Route("GET", lambda w: f"/casos/{w.key}/traza", 403, 403, admin=200),
    "salir": Route("POST", lambda w: "/salir", 303, 303),
    "buzón": Route("GET", lambda w: "/buzon", 200, 200),
    # Every official picks people in forms: the search is for anyone signed in.
    "buscar personas": Route("GET", lambda w: "/directorio/personas?q=cultura", 200, 200),
    # The quality office's pages are for `calidad` and administrators (test_quality_page).
    "calidad": Route("GET", lambda w: "/calidad", 403, 403, admin=200),
    "traza csv": Route("GET", lambda w: "/calidad/traza.csv", 403, 403, admin=200),
    "traza xes": Route("GET", lambda w: "/calidad/traza.xes", 403, 403, admin=200),
    "tendencia csv": Route(
        "GET", lambda w: "/calidad/politica/3/tendencia.csv", 403, 403, admin=200
    ),
    # Incidents are for administrators only (test_mailbox retries a real one); the check comes
    # before the lookup, so others learn nothing, and an administrator hears that job 1 is none.
    "incidentes": Route("GET", lambda w: "/incidentes", 403, 403, admin=200),
    "reintentar incidente": Route(
        "POST", lambda w: "/incidentes/1/reintentar", 403, 403, admin=404
    ),
    **ADMIN_ROUTES,
    # Everyone declares their own absences; only administrators those of someone else
    # (test_absences: the substitute's rights on the absent user's tasks, by date).
    "mis ausencias": Route("GET", lambda w: "/cuenta/ausencias", 200, 200),
    "declarar ausencia": Route("POST", lambda w: "/cuenta/ausencias", 303, 303, ABSENCE_FORM),
    "ausencias de otro": Route(
        "GET", lambda w: "/cuenta/ausencias?usuario=despacho2", 403, 403, admin=200
    ),
    "declarar ausencia de otro": Route(
        "POST",
        lambda w: "/cuenta/ausencias",
        403,
        403,
        {**ABSENCE_FORM, "usuario": "despacho2"},
        admin=303,
    ),
    "cancelar ausencia de otro": Route(
        "POST",
        lambda w: f"/cuenta/ausencias/{w.absence()}/cancelar",
        403,
        403,
        {"usuario": "despacho2"},
        admin=303,
    ),
    "api tareas": Route("GET", lambda w: "/api/tareas", 200, 200, is_api=True),
    "api tarea": Route("GET", lambda w: f"/api/tareas/{w.task}", 403, 200, is_api=True),
    "api reclamar": Route(
        "POST", lambda w: f"/api/tareas/{w.task}/reclamar", 403, 200, is_api=True
    ),
    "api liberar": Route(
        "POST",
        lambda w: f"/api/tareas/{w.task}/liberar",
        403,
        200,
        claimed_by_member=True,
        is_api=True,
    ),
    "api completar": Route(
        "POST", lambda w: f"/api/tareas/{w.task}/completar", 403, 200, PROPOSAL, is_api=True
    ),
    # The comments of the case pages, as JSON (test_comments: fields, CSRF, a task not one's).
    "api comentarios caso": Route(
        "GET", lambda w: f"/api/casos/{w.key}/comentarios", 403, 200, is_api=True
    ),
    "api comentarios tarea": Route(
        "GET", lambda w: f"/api/tareas/{w.task}/comentarios", 403, 200, is_api=True
    ),
    "api comentar caso": Route(
        "POST",
        lambda w: f"/api/casos/{w.key}/comentarios",
        403,
        201,
        {"texto": "Revisado"},
        is_api=True,
    ),
    "api comentar tarea": Route(
        "POST",
        lambda w: f"/api/tareas/{w.task}/comentarios",
        403,
        201,
        {"texto": "Revisado"},
        is_api=True,
    ),
}
POST_ROUTES = [name for name, route in ROUTES.items() if route.method == "POST"]


def _world(engine: Engine, route: Route) -> World:
    key = start_p001(engine)
    world = World(engine, key, task_for(engine, key, "proponer_delegado").id)
    if route.claimed_by_member:
        engine.claim(world.task, MEMBER)
    return world


def _send(client: FlaskClient, route: Route, url: str, *, with_csrf: bool = True) -> int:
    if route.method == "GET":
        return client.get(url).status_code
    token = csrf_token(client) if with_csrf else None
    if route.is_api:
        headers = {"X-CSRFToken": token} if token else {}
        return client.post(url, json=route.data, headers=headers).status_code
    data = {**route.data, **({"csrf_token": token} if token else {})}
    return client.post(url, data=data).status_code


@pytest.mark.parametrize("name", list(ROUTES))
@pytest.mark.parametrize("role", ["anonymous", "non-member", "analyst", "member", "admin"])
def test_route_by_role(client: FlaskClient, p001: Engine, name: str, role: str) -> None:
    route = ROUTES[name]
    world = _world(p001, route)
    url = route.url(world)
    if role != "anonymous":
        login(client, _USERS[role])
    assert _send(client, route, url) == route.expected(role)


_USERS = {"non-member": OUTSIDER, "analyst": ANALYST, "member": MEMBER, "admin": ADMIN}


@pytest.mark.parametrize("name", POST_ROUTES)
def test_post_without_csrf_token_is_refused(client: FlaskClient, p001: Engine, name: str) -> None:
    route = ROUTES[name]
    world = _world(p001, route)
    login(client, MEMBER)
    assert _send(client, route, route.url(world), with_csrf=False) == 400


@pytest.mark.parametrize(
    ("username", "sees"),
    [
        ("despacho", True),  # started it
        ("despacho2", True),  # its group holds the open task
        ("calidad", True),  # the quality office reads every case
        (ADMIN, True),
        (OUTSIDER, False),
        (ANALYST, False),
    ],
)
def test_the_case_page_and_the_case_search_agree_on_who_sees_a_case(
    client: FlaskClient, p001: Engine, username: str, sees: bool
) -> None:
    key = start_p001(p001)
    login(client, username)
    assert client.get(f"/casos/{key}").status_code == (200 if sees else 403)
    assert (f'href="/casos/{key}"' in client.get("/casos/buscar").text) is sees
