"""The directory seen from the forms: the person search behind every person picker."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from engine.read.directory import search_people
from web.current import engine, login_required

blueprint = Blueprint("directory", __name__)


@blueprint.get("/directorio/personas")
@login_required
def people() -> ResponseReturnValue:
    """Active people matching `q` (name, username or position), of `grupo` if given, as JSON."""
    text = request.args.get("q", "")[:100]
    group = request.args.get("grupo") or None
    with engine().sessions() as session:
        found = search_people(session, text, group)
    return jsonify(
        personas=[
            {"usuario": p.username, "nombre": p.full_name, "cargo": p.position} for p in found
        ]
    )
