"""Administración de organismos y roles: list, add, rename (the former name is kept) and
deactivate or merge into another. Administrators only, like the users' pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import ValidationError
from engine.authorization import require_can_administer_directory
from engine.people.administration import deactivate_organism, save_organism
from engine.people.catalogue import CATEGORIES
from engine.read.directory_admin import OrganismRow, list_organisms
from web.current import actor, engine, login_required

blueprint = Blueprint("admin_organisms", __name__, url_prefix="/administracion/organismos")

KINDS = ("organism", "role")


@blueprint.before_request
@login_required
def _administrators_only() -> None:
    require_can_administer_directory(actor())


@blueprint.get("")
def index() -> ResponseReturnValue:
    return render_template("admin/organisms.html", organisms=_organisms(), categories=CATEGORIES)


@blueprint.route("/nuevo", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    values = {
        "codigo": request.form.get("codigo", "").strip(),
        "nombre": request.form.get("nombre", ""),
        "tipo": request.form.get("tipo", "organism"),
        "categoria": request.form.get("categoria", ""),
    }
    if request.method == "GET":
        return _new_form(values, {})
    try:
        save_organism(
            engine(), actor().username, code=values["codigo"], name=values["nombre"],
            kind=values["tipo"], category=values["categoria"], new=True,
        )  # fmt: skip
    except ValidationError as error:
        return _new_form(values, error.field_errors), 422
    flash(
        _("Agregó «%(name)s» (%(code)s).", name=values["nombre"], code=values["codigo"]), "success"
    )
    return redirect(url_for("admin_organisms.index"), code=303)


@blueprint.route("/<code>", methods=["GET", "POST"])
def rename(code: str) -> ResponseReturnValue:
    organism = _organism(code)
    if request.method == "GET":
        return render_template(
            "admin/rename_organism.html", organism=organism, name=organism.name, errors={}
        )
    name = request.form.get("nombre", "")
    try:
        save_organism(
            engine(), actor().username, code=code, name=name, kind=organism.kind,
            category=organism.category, active=organism.active,
        )  # fmt: skip
    except ValidationError as error:
        page = render_template(
            "admin/rename_organism.html", organism=organism, name=name, errors=error.field_errors
        )
        return page, 422
    flash(_("Renombró %(code)s: «%(name)s».", code=code, name=name.strip()), "success")
    return redirect(url_for("admin_organisms.index"), code=303)


@blueprint.route("/<code>/desactivar", methods=["GET", "POST"])
def deactivate(code: str) -> ResponseReturnValue:
    organism = _organism(code)
    successors = [
        o for o in _organisms() if o.active and o.code != code and o.kind == organism.kind
    ]
    merged_into = request.form.get("fusionado_en", "")
    if request.method == "GET":
        return _deactivate_form(organism, successors, merged_into, {})
    try:
        deactivate_organism(engine(), actor().username, code, merged_into or None)
    except ValidationError as error:
        return _deactivate_form(organism, successors, merged_into, error.field_errors), 422
    flash(_("Desactivó %(code)s.", code=code), "success")
    return redirect(url_for("admin_organisms.index"), code=303)


def _organisms() -> list[OrganismRow]:
    with engine().sessions() as session:
        return list_organisms(session)


def _organism(code: str) -> OrganismRow:
    found = next((o for o in _organisms() if o.code == code), None)
    if found is None:
        abort(404)
    return found


def _new_form(values: dict[str, str], errors: dict[str, str]) -> str:
    return render_template(
        "admin/new_organism.html", values=values, errors=errors, categories=CATEGORIES
    )


def _deactivate_form(
    organism: OrganismRow, successors: list[OrganismRow], merged_into: str, errors: dict[str, str]
) -> str:
    return render_template(
        "admin/deactivate_organism.html", organism=organism, successors=successors,
        merged_into=merged_into, errors=errors,
    )  # fmt: skip
