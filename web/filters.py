"""Template filters: dates in America/Bogota (es-CO), business days left, short texts."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from flask import Flask
from flask_babel import format_date, format_datetime
from markupsafe import Markup, escape

from engine.calendar import business_days_between
from engine.case_views import FormSpec
from web.schema_form import Field, build_fields

ACTIONS = {
    "case_started": "Inició el trámite",
    "task_created": "Se creó la tarea",
    "task_claimed": "Reclamó la tarea",
    "task_released": "Liberó la tarea",
    "task_reassigned": "Reasignó la tarea",
    "task_completed": "Completó la tarea",
    "task_cancelled": "Se canceló la tarea",
    "element_completed": "Paso automático completado",
    "case_completed": "El trámite terminó",
    "case_cancelled": "Anuló el trámite",
    "incident": "Incidente",
}

STATUSES = {
    "running": "En curso",
    "completed": "Terminado",
    "cancelled": "Anulado",
}


def date_text(value: date | None) -> str:
    return format_date(value, "d 'de' MMMM 'de' y") if value else "—"


def short_date(value: date | None) -> str:
    return format_date(value, "d MMM y") if value else "—"


def datetime_text(value: datetime | None) -> str:
    return format_datetime(value, "d MMM y, h:mm a") if value else "—"


def due_text(due: date | None, today: date) -> str:
    """How the deadline stands, in words: never by colour alone."""
    if due is None:
        return "Sin fecha límite"
    days = business_days_between(today, due)
    if due < today:
        left = -days
        return f"Vencida hace {left} {'día hábil' if left == 1 else 'días hábiles'}"
    if days == 0:
        return "Vence hoy"
    return f"Faltan {days} {'día hábil' if days == 1 else 'días hábiles'}"


def emphasis(text: str) -> Markup:
    """The BPMN instructions' **bold** and *italic*, on escaped text; paragraphs by blank line."""
    html = str(escape(text))
    html = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html)
    html = re.sub(r"\*(.+?)\*", r"<em>\1</em>", html)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", html) if p.strip()]
    return Markup("".join(f"<p>{p}</p>" for p in paragraphs))


def file_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


def option_title(value: Any, options: list[tuple[str, str]]) -> str:
    return next((title for const, title in options if const == str(value)), str(value))


def read_only_fields(form: FormSpec, data: dict[str, Any]) -> list[Field]:
    return build_fields(form.schema, form.ui, data)


def init_app(app: Flask) -> None:
    app.add_template_global(read_only_fields, "campos")
    app.add_template_filter(date_text, "fecha")
    app.add_template_filter(short_date, "fecha_corta")
    app.add_template_filter(datetime_text, "fecha_hora")
    app.add_template_filter(emphasis, "enfasis")
    app.add_template_filter(file_size, "tamano")
    app.add_template_global(due_text, "vencimiento")
    app.add_template_global(option_title, "titulo_opcion")
    app.jinja_env.globals.update(ACCIONES=ACTIONS, ESTADOS=STATUSES)
