"""The workbench's form editor: a draft's forms, each one's JSON Schema and UI schema as text,
checked as typed (the same rules the linter applies) and previewed by the renderer the
officials' task page uses; saving writes the form into the draft as a new revision.

Nested in the workbench's blueprint, so its check (analysts and administrators only) runs
before every route here too.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from engine import Conflict, ValidationError
from engine.read.workbench import (
    DraftContent,
    DraftForm,
    FormCheck,
    check_draft_form,
    draft_form,
    draft_forms,
)
from web.current import actor, engine
from web.directory_fields import with_directory_choices
from web.schema_form import Field, build_fields
from web.security import CONTENT_SECURITY_POLICY

blueprint = Blueprint("forms", __name__, url_prefix="/borradores/<int:draft_id>/formularios")

SCHEMA_SUFFIX = ".schema.json"


@blueprint.get("")
def index(draft_id: int) -> ResponseReturnValue:
    with engine().reading() as session:
        draft, forms = draft_forms(session, draft_id)
    return render_template("workbench/forms.html", draft=draft, forms=forms)


@blueprint.get("/nuevo")
def new(draft_id: int) -> ResponseReturnValue:
    """A new form's name (what a task's formJsonSchemaFilename will say) opens its editor."""
    name = request.args.get("nombre", "").strip()
    if not name:
        flash(_("Escriba el nombre del formulario nuevo."), "error")
        return redirect(url_for(".index", draft_id=draft_id), code=303)
    if not name.endswith(SCHEMA_SUFFIX):
        name += SCHEMA_SUFFIX
    return redirect(url_for(".editor", draft_id=draft_id, name=name), code=303)


@blueprint.get("/<name>")
def editor(draft_id: int, name: str) -> ResponseReturnValue:
    with engine().reading() as session:
        draft, form = draft_form(session, draft_id, name)
        check = check_draft_form(session, form.schema_text, form.ui_text)
    return _editor_page(draft, form, form.schema_text, form.ui_text, check, draft.revision)


@blueprint.post("/<name>/vista-previa")
def preview(draft_id: int, name: str) -> ResponseReturnValue:
    """The check and the preview of the texts as typed (the editor asks as the analyst types);
    changes nothing."""
    with engine().reading() as session:
        check = check_draft_form(session, request.form.get("esquema", ""), _ui_text())
    return render_template("workbench/_form_check.html", check=check, fields=_preview(check))


@blueprint.post("/<name>")
def save(draft_id: int, name: str) -> ResponseReturnValue:
    schema_text, ui_text = request.form.get("esquema", ""), _ui_text()
    revision = request.form.get("revision", type=int)
    with engine().reading() as session:
        draft, form = draft_form(session, draft_id, name)
        check = check_draft_form(session, schema_text, ui_text)
    if revision is None:
        return _editor_page(
            draft, form, schema_text, ui_text, check, draft.revision,
            error=_("Falta la revisión del borrador que editaba."), status=400,
        )  # fmt: skip
    if not check.parsed or check.schema is None:
        return _editor_page(
            draft, form, schema_text, ui_text, check, revision,
            error=_("No se guardó: el texto no es JSON válido (vea los errores)."), status=422,
        )  # fmt: skip
    try:
        saved = engine().save_draft_form(
            draft_id, revision, name, check.schema, check.ui or None, actor().username
        )
    except Conflict as error:
        return _editor_page(
            draft, form, schema_text, ui_text, check, revision,
            error=_(
                "No se guardó: %(reason)s. Su texto sigue en el editor: compare con la "
                "revisión actual, recargue la página y aplique de nuevo sus cambios.",
                reason=str(error),
            ),
            conflict=True, status=409,
        )  # fmt: skip
    except ValidationError as error:
        return _editor_page(
            draft, form, schema_text, ui_text, check, revision,
            error=_("No se guardó: %(reason)s.", reason="; ".join(error.field_errors.values())),
            status=422,
        )  # fmt: skip
    flash(_("Formulario guardado: revisión %(n)s del borrador.", n=saved.revision), "success")
    if check.errors:
        flash(
            ngettext(
                "El formulario tiene %(num)s error: el borrador no se podrá desplegar hasta "
                "corregirlo.",
                "El formulario tiene %(num)s errores: el borrador no se podrá desplegar hasta "
                "corregirlos.",
                len(check.errors),
            ),
            "error",
        )
    return redirect(url_for(".editor", draft_id=draft_id, name=name), code=303)


@blueprint.post("/<name>/quitar")
def remove(draft_id: int, name: str) -> ResponseReturnValue:
    """Remove the form (and its UI schema) from the draft; a task that names it is then a
    problem the linter reports."""
    revision = request.form.get("revision", type=int)
    if revision is None:
        flash(_("Falta la revisión del borrador que editaba."), "error")
        return redirect(url_for(".editor", draft_id=draft_id, name=name), code=303)
    try:
        saved = engine().save_draft_form(draft_id, revision, name, None, None, actor().username)
    except Conflict as error:
        flash(_("No se quitó: %(reason)s.", reason=str(error)), "error")
        return redirect(url_for(".editor", draft_id=draft_id, name=name), code=303)
    flash(
        _(
            "Formulario %(name)s quitado del borrador (revisión %(n)s).",
            name=name,
            n=saved.revision,
        ),
        "success",
    )
    return redirect(url_for(".index", draft_id=draft_id), code=303)


def _ui_text() -> str:
    return request.form.get("ui", "")


def _preview(check: FormCheck) -> list[Field] | None:
    """The fields as an official's task page would draw them (None: nothing to draw)."""
    if not check.parsed or check.schema is None:
        return None
    try:
        return build_fields(with_directory_choices(check.schema, for_new=True), check.ui)
    except (AttributeError, TypeError, ValueError, KeyError):
        # A schema the rules already flag (a field that is not an object…) can trip the
        # renderer: the errors say what to fix, the preview waits for it.
        return None


def _editor_page(
    draft: DraftContent,
    form: DraftForm,
    schema_text: str,
    ui_text: str,
    check: FormCheck,
    revision: int,
    *,
    error: str | None = None,
    conflict: bool = False,
    status: int = 200,
) -> ResponseReturnValue:
    fields = _preview(check)
    # The code editor (CodeMirror) writes its stylesheet as a <style> element, which carries
    # this response's nonce (read from the page's meta); nothing else inline is admitted.
    nonce = secrets.token_urlsafe(18)
    page = render_template(
        "workbench/form_editor.html",
        draft=draft,
        form=form,
        schema_text=schema_text,
        ui_text=ui_text,
        check=check,
        fields=fields,
        revision=revision,
        error=error,
        conflict=conflict,
        style_nonce=nonce,
    )
    response = make_response(page, status)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "style-src 'self'", f"style-src 'self' 'nonce-{nonce}'"
    )
    return response
