"""Template filters: dates in America/Bogota (es-CO), business days left, short texts."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from babel import Locale
from babel import dates as babel_dates
from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from engine.bpm.calendar import business_days_between
from engine.read.case_views import FormSpec
from web.directory_fields import with_directory_choices
from web.schema_form import Field, build_fields, field_labels

ACTIONS = {
    "case_started": _l("Inició el trámite"),
    "task_created": _l("Se creó la tarea"),
    "task_claimed": _l("Tomó la tarea"),
    "task_released": _l("Liberó la tarea"),
    "task_reassigned": _l("Reasignó la tarea"),
    "task_completed": _l("Completó la tarea"),
    "task_cancelled": _l("Se canceló la tarea"),
    "element_completed": _l("Paso automático"),
    "case_completed": _l("El trámite terminó"),
    "case_cancelled": _l("Anuló el trámite"),
    "incident": _l("Incidente"),
    "incident_retried": _l("Reintentó el paso con incidente"),
    "timer_fired": _l("Se cumplió el plazo"),
    "case_migrated": _l("Pasó el caso a otra versión del procedimiento"),
    "case_commented": _l("Comentó el caso"),
    "task_commented": _l("Comentó la tarea"),
    "followup_set": _l("Fijó su fecha de seguimiento de la tarea"),
    "followup_cleared": _l("Quitó su fecha de seguimiento de la tarea"),
}

STATUSES = {
    "running": _l("En curso"),
    "completed": _l("Terminado"),
    "cancelled": _l("Anulado"),
}


def date_text(value: date | None) -> str:
    return format_date(value, "d 'de' MMMM 'de' y") if value else "—"


def iso_date_text(value: Any) -> str:
    """A form's ISO date ("2026-12-04") as officials read it; what does not parse stays."""
    try:
        return date_text(date.fromisoformat(str(value)[:10]))
    except ValueError:
        return str(value)


SHORT_DATE = "d MMM y"


def short_date(value: date | None) -> str:
    if not value:
        return "—"
    if isinstance(value, datetime):  # a moment: Flask-Babel first brings it to Bogotá's day
        return str(format_date(value, SHORT_DATE))
    return _short_day(value, get_locale())


@lru_cache(maxsize=1024)
def _short_day(day: date, locale: Locale) -> str:
    """A day in the inbox's short form ("9 dic 2026"), formatted by Babel once per locale: the
    inbox shows the same few deadlines on many rows and on every page."""
    return babel_dates.format_date(day, SHORT_DATE, locale=locale)


def datetime_text(value: datetime | None) -> str:
    return format_datetime(value, "d MMM y, h:mm a") if value else "—"


def due_text(due: date | None, today: date) -> str:
    """How the deadline stands, in words: never by colour alone."""
    if due is None:
        return str(_("Sin fecha límite"))
    days = business_days_between(today, due)
    if due < today:
        left = -days
        return str(
            ngettext("Vencida hace %(num)d día hábil", "Vencida hace %(num)d días hábiles", left)
        )
    if days == 0:
        return str(_("Vence hoy"))
    return str(ngettext("Faltan %(num)d día hábil", "Faltan %(num)d días hábiles", days))


def sentence(text: str) -> str:
    """An engine message ("la tarea 5 ya fue…") as a sentence of its own."""
    return text[:1].upper() + text[1:] if text else text


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


def percent_text(value: float | None) -> str:
    """A share in es-CO: one decimal, decimal comma ("33,3 %"); a dash when nothing counted."""
    return "—" if value is None else f"{format_decimal(value, format='#,##0.0')} %"


def number_text(value: Any, label: str = "") -> str:
    """A form's number in es-CO ("1.500.000,5"); an amount of money (a title that says "COP",
    docs/bpmn-conventions.md) with its currency: "150.000.000 COP"."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    text = format_decimal(value, format="#,##0.##")
    return f"{text} COP" if "COP" in label else text


def read_only_fields(form: FormSpec, data: dict[str, Any]) -> list[Field]:
    return build_fields(with_directory_choices(form.schema, for_new=False), form.ui, data)


def init_app(app: Flask) -> None:
    app.add_template_global(read_only_fields, "campos")
    app.add_template_global(field_labels, "etiquetas")
    app.add_template_filter(date_text, "fecha")
    app.add_template_filter(short_date, "fecha_corta")
    app.add_template_filter(iso_date_text, "fecha_iso")
    app.add_template_filter(datetime_text, "fecha_hora")
    app.add_template_filter(emphasis, "enfasis")
    app.add_template_filter(sentence, "oracion")
    app.add_template_filter(file_size, "tamano")
    app.add_template_filter(percent_text, "porcentaje")
    app.add_template_filter(number_text, "numero")
    app.add_template_global(due_text, "vencimiento")
    app.add_template_global(option_title, "titulo_opcion")
    app.jinja_env.globals.update(ACCIONES=ACTIONS, ESTADOS=STATUSES)
