"""Every error a user or a client can meet, in one place: engine errors and HTTP errors.

`STATUS_FOR` is the only mapping from the engine's exception tree to HTTP status codes.
Pages under `/api/` get JSON; every other page gets a Spanish error page, never a traceback.
A database that does not answer is 503 with `Retry-After`, whether the engine raised
`Unavailable` or a view's own read met the raw SQLAlchemy error (told apart by
`engine.commands.database_faults`); its page does not touch the database (no signed-in user shown).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, g, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from engine import (
    Conflict,
    EngineError,
    Forbidden,
    Incident,
    InvalidDefinition,
    NotFound,
    Unavailable,
    UnreadableState,
    ValidationError,
)
from engine.commands.database_faults import unavailable_from
from web.extensions import login_manager

blueprint = Blueprint("errors", __name__)
log = logging.getLogger(__name__)

STATUS_FOR: dict[type[EngineError], int] = {
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    ValidationError: 422,
    InvalidDefinition: 422,
    Incident: 500,
    UnreadableState: 500,
    Unavailable: 503,
}
# Seconds a client should wait before trying again while the database does not answer.
RETRY_AFTER_SECONDS = 10

TITLES = {
    400: _l("Solicitud no válida"),
    401: _l("Debe iniciar sesión"),
    403: _l("Acceso no permitido"),
    404: _l("No encontrado"),
    405: _l("Método no permitido"),
    409: _l("La información cambió"),
    413: _l("El archivo es demasiado grande"),
    415: _l("Formato no admitido"),
    422: _l("Datos no válidos"),
    429: _l("Demasiados intentos"),
    500: _l("Error del sistema"),
    503: _l("Servicio no disponible por el momento"),
}

EXPLANATIONS = {
    400: _l(
        "La solicitud no se pudo procesar. Si venía de un formulario, recargue la página e intente de nuevo."
    ),
    403: _l("Su usuario no tiene permiso para ver o hacer esto."),
    404: _l("La página, la tarea o el caso que busca no existe."),
    405: _l("Esta dirección no admite esa operación."),
    409: _l(
        "Otra persona actuó primero o el caso avanzó mientras usted trabajaba. Nada de lo que envió se guardó."
    ),
    413: _l("El envío supera el tamaño máximo permitido."),
    429: _l("Espere un momento antes de intentarlo de nuevo."),
    500: _l(
        "Ocurrió un problema inesperado. Nada quedó a medias: intente de nuevo o avise a la mesa de ayuda."
    ),
    503: _l(
        "La base de datos no responde. Espere un momento e intente de nuevo; si estaba enviando un formulario, revise si quedó guardado antes de repetirlo."
    ),
}


def status_for(error: EngineError) -> int:
    return next((code for kind, code in STATUS_FOR.items() if isinstance(error, kind)), 500)


def wants_json() -> bool:
    """The API, the workbench's JSON endpoints and the modeler's JSON saves get JSON errors."""
    return request.path.startswith("/api/") or request.path.endswith(".json") or request.is_json


def error_response(status: int, message: str | None = None, **extra: Any) -> ResponseReturnValue:
    """A JSON error under /api/, the Spanish error page elsewhere."""
    title = str(TITLES.get(status, TITLES[500]))
    if wants_json():
        body: dict[str, Any] = {"error": title, "message": message or title, **extra}
        return body, status
    return (
        render_template(
            "errors/unavailable.html" if status == 503 else "errors/error.html",
            status=status,
            title=title,
            message=message,
            explanation=str(EXPLANATIONS.get(status, EXPLANATIONS[500])),
        ),
        status,
    )


@blueprint.app_errorhandler(EngineError)
def engine_error(error: EngineError) -> ResponseReturnValue:
    if isinstance(error, Unavailable):
        return database_unavailable(error)
    status = status_for(error)
    if isinstance(error, ValidationError):
        return error_response(status, str(error), field_errors=error.field_errors)
    if isinstance(error, Incident):
        log.warning("incident: %s", error)
    return error_response(status, _sentence(str(error)))


@blueprint.app_errorhandler(CSRFError)
def csrf_error(error: CSRFError) -> ResponseReturnValue:
    return error_response(
        400, _("El formulario venció o no trae el código de seguridad (CSRF). Recargue la página.")
    )


@blueprint.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> ResponseReturnValue:
    return error_response(error.code or 500)


@blueprint.app_errorhandler(Exception)
def unexpected_error(error: Exception) -> ResponseReturnValue:
    unavailable = unavailable_from(error)
    if unavailable is not None:
        return database_unavailable(unavailable)
    log.exception("unexpected error", exc_info=error)
    return error_response(500)


def database_unavailable(error: Unavailable) -> ResponseReturnValue:
    """503 and `Retry-After`; the driver's words go to the log, not to the client."""
    log.warning("database unavailable: %s", error.detail)
    # Templates get `current_user` from Flask-Login, which would load the user from the database
    # (again): for this answer nobody is signed in.
    g._login_user = login_manager.anonymous_user()
    response = make_response(
        error_response(503, _("La base de datos no responde; intente de nuevo en unos momentos."))
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
