"""Administración de usuarios: list, add, edit (name, e-mail, position, groups), deactivate
(with the open tasks to reassign), reactivate, reset the password, and each user's history. Administrators only: every view checks
before it reads anything, so others learn nothing (403), and every change is an audited command."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine import Conflict, ValidationError
from engine.authorization import require_can_administer_directory
from engine.people.administration import (
    EditUser,
    NewUser,
    add_user,
    deactivate_user,
    edit_user,
    reactivate_user,
    reset_password,
)
from engine.people.directory_sign_in import DIRECTORY_ACTOR
from engine.read.directory_admin import (
    HISTORY_LIMIT,
    UserFilter,
    UserRow,
    list_organisms,
    list_users,
    open_tasks_of,
    user_history,
    user_row,
)
from web.current import actor, engine, login_required

blueprint = Blueprint("admin_users", __name__, url_prefix="/administracion/usuarios")

STATES = ("activos", "inactivos", "todos")
# The history's words for what the trail records (engine.read.directory_admin.user_history).
ACTIONS = {
    "user_added": _l("Creó el usuario"),
    "user_edited": _l("Editó sus datos"),
    "user_groups_set": _l("Cambió sus grupos"),
    "user_deactivated": _l("Lo desactivó"),
    "user_reactivated": _l("Lo reactivó"),
    "password_reset": _l("Restableció su contraseña"),
    "user_imported": _l("Lo importó de un archivo CSV"),
    "user_provisioned": _l("Lo creó al ingresar por primera vez"),
    "user_refreshed": _l("Actualizó sus datos al ingresar"),
}
FIELDS = {
    "full_name": _l("Nombre"),
    "email": _l("Correo"),
    "position": _l("Cargo"),
    "active": _l("Estado"),
    "groups": _l("Grupos"),
    "coordinates": _l("Coordina"),
}


@blueprint.before_request
@login_required
def _administrators_only() -> None:
    require_can_administer_directory(actor())


@blueprint.get("")
def index() -> ResponseReturnValue:
    state = request.args.get("estado", "activos")
    wanted = UserFilter(
        text=request.args.get("q", "")[:100],
        group=request.args.get("grupo", ""),
        state=state if state in STATES else "activos",
    )
    page_text = request.args.get("pagina", "1")
    with engine().sessions() as session:
        page = list_users(session, wanted, int(page_text) if page_text.isdigit() else 1)
        groups = list_organisms(session)
    return render_template("admin/users.html", page=page, wanted=wanted, groups=groups)


@blueprint.route("/nuevo", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    if request.method == "GET":
        return _user_form(errors={}, values=UserFields(), creating=True)
    form = request.form
    values = _submitted()
    errors: dict[str, str] = {}
    if form.get("contrasena", "") != form.get("repetir_contrasena", ""):
        errors["repetir_contrasena"] = _("Las dos contraseñas no coinciden.")
    else:
        user = NewUser(
            values.username, values.full_name, values.email, values.position, values.groups,
            values.coordinates,
        )  # fmt: skip
        try:
            add_user(engine(), actor().username, user, form.get("contrasena", ""))
        except ValidationError as error:
            errors = error.field_errors
        except Conflict as error:
            errors = {"usuario": str(error)}
    if errors:
        return _user_form(errors=errors, values=values, creating=True), 422
    flash(_("Creó el usuario %(username)s.", username=values.username), "success")
    return redirect(url_for("admin_users.edit", username=values.username), code=303)


@blueprint.route("/<username>", methods=["GET", "POST"])
def edit(username: str) -> ResponseReturnValue:
    with engine().sessions() as session:
        current = user_row(session, username)
    if request.method == "GET":
        return _user_form(errors={}, values=_stored(current), creating=False, user=current)
    values = _submitted(username)
    change = EditUser(
        actor().username, username, values.full_name, values.email, values.position,
        values.groups, values.coordinates,
    )  # fmt: skip
    try:
        edit_user(engine(), change)
    except ValidationError as error:
        return _user_form(
            errors=error.field_errors, values=values, creating=False, user=current
        ), 422
    flash(_("Guardó los cambios de %(username)s.", username=username), "success")
    return redirect(url_for("admin_users.edit", username=username), code=303)


@blueprint.route("/<username>/desactivar", methods=["GET", "POST"])
def deactivate(username: str) -> ResponseReturnValue:
    """GET: what deactivating means, and their open tasks; after it, the tasks to reassign."""
    if request.method == "POST":
        try:
            deactivate_user(engine(), actor().username, username)
        except Conflict as error:
            return _deactivate_page(username, error=str(error)), 409
        flash(
            _("Desactivó a %(username)s; sus sesiones se cerraron.", username=username), "success"
        )
        return redirect(url_for("admin_users.deactivate", username=username), code=303)
    return _deactivate_page(username)


@blueprint.post("/<username>/reactivar")
def reactivate(username: str) -> ResponseReturnValue:
    try:
        reactivate_user(engine(), actor().username, username)
    except Conflict as error:
        with engine().sessions() as session:
            current = user_row(session, username)
        notice = str(error)[:1].upper() + str(error)[1:] + "."
        return _user_form(
            errors={}, values=_stored(current), creating=False, user=current, notice=notice
        ), 409
    flash(_("Reactivó a %(username)s; puede volver a ingresar.", username=username), "success")
    return redirect(url_for("admin_users.edit", username=username), code=303)


@blueprint.route("/<username>/contrasena", methods=["GET", "POST"])
def password(username: str) -> ResponseReturnValue:
    with engine().sessions() as session:
        current = user_row(session, username)
    if request.method == "GET":
        return render_template("admin/password.html", user=current, errors={})
    new_password = request.form.get("contrasena", "")
    errors: dict[str, str] = {}
    if new_password != request.form.get("repetir_contrasena", ""):
        errors["repetir_contrasena"] = _("Las dos contraseñas no coinciden.")
    else:
        try:
            reset_password(engine(), actor().username, username, new_password)
        except ValidationError as error:
            errors = error.field_errors
    if errors:
        return render_template("admin/password.html", user=current, errors=errors), 422
    flash(
        _(
            "Restableció la contraseña de %(username)s; sus sesiones se cerraron.",
            username=username,
        ),
        "success",
    )
    return redirect(url_for("admin_users.edit", username=username), code=303)


@dataclass(frozen=True)
class UserFields:
    """What the user form shows: what was stored, or what was sent when it was refused."""

    username: str = ""
    full_name: str = ""
    email: str = ""
    position: str = ""
    groups: tuple[str, ...] = ()
    coordinates: tuple[str, ...] = ()


def _stored(user: UserRow) -> UserFields:
    return UserFields(
        user.username, user.full_name, user.email, user.position, user.groups, user.coordinates
    )


def _submitted(username: str | None = None) -> UserFields:
    form = request.form
    return UserFields(
        username if username is not None else form.get("usuario", "").strip(),
        form.get("nombre", ""),
        form.get("correo", ""),
        form.get("cargo", ""),
        tuple(form.getlist("grupos")),
        tuple(form.getlist("coordina")),
    )


def _user_form(**context: object) -> str:
    user = context.get("user")
    with engine().sessions() as session:
        organisms = list_organisms(session)
        history = user_history(session, user.username) if isinstance(user, UserRow) else []
    return render_template(
        "admin/user_form.html",
        groups=[group for group in organisms if group.active],
        group_names={group.code: group.name for group in organisms},
        history=history,
        history_limit=HISTORY_LIMIT,
        action_labels=ACTIONS,
        field_labels=FIELDS,
        directory_actor=DIRECTORY_ACTOR,
        **{"user": None, **context},
    )


def _deactivate_page(username: str, error: str | None = None) -> str:
    with engine().sessions() as session:
        current = user_row(session, username)
        tasks = open_tasks_of(session, username)
    return render_template("admin/deactivate_user.html", user=current, tasks=tasks, error=error)
