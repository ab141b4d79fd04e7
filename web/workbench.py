"""The analysts' workbench under /modelos: library, drafts, modeler, form editor
(`web.workbench_forms`), lint, compare, deploy, migrate running cases.

Every route, present and future, is for process analysts and administrators only: the check
runs before any view of this blueprint (`_only_analysts`), so a new route cannot forget it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from engine import Conflict, DeployRefused, InvalidDefinition, NotFound
from engine.authorization import require_can_use_workbench
from engine.read.workbench import (
    ProcedureRow,
    bundle_zip,
    compare,
    compared_xml,
    definition_version,
    draft_content,
    draft_problems,
    lane_groups,
    last_scenario_run,
    library,
)
from web import workbench_forms
from web.current import actor, engine
from web.extensions import login_manager
from web.scratch import run_draft_scenarios
from web.security import CONTENT_SECURITY_POLICY

blueprint = Blueprint("workbench", __name__, url_prefix="/modelos")
# The form editor's routes, under /modelos/borradores/<id>/formularios: nested, so the check
# below runs before them too.
blueprint.register_blueprint(workbench_forms.blueprint)

# bpmn-js and its properties panel write style attributes into the markup they build (sizes,
# positions of the canvas' overlays): the modeler page alone allows inline styles. Scripts stay
# 'self' only, so an injected style can restyle the page but never run code.
MODELER_POLICY = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)


@blueprint.before_request
def _only_analysts() -> ResponseReturnValue | None:
    if not current_user.is_authenticated:
        response: ResponseReturnValue = login_manager.unauthorized()
        return response
    require_can_use_workbench(actor())
    return None


@blueprint.get("")
def index() -> ResponseReturnValue:
    with engine().reading() as session:
        procedures = library(session)
    return render_template("workbench/index.html", procedures=procedures)


@blueprint.get("/<key>/v<int:version>.zip")
def download(key: str, version: int) -> ResponseReturnValue:
    with engine().reading() as session:
        filename, content = bundle_zip(session, key, version)
    engine().record_workbench_event(actor().username, "bundle_downloaded", key, version)
    response = Response(content, mimetype="application/zip")
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


@blueprint.get("/<key>/v<int:version>.bpmn")
def version_xml(key: str, version: int) -> ResponseReturnValue:
    with engine().reading() as session:
        xml = definition_version(session, key, version).bpmn_xml
    return Response(xml, mimetype="application/xml")


@blueprint.post("/<key>/v<int:version>/redesplegar")
def redeploy_version(key: str, version: int) -> ResponseReturnValue:
    """Rollback: the chosen earlier version deployed again as the procedure's next version."""
    try:
        deployment = engine().redeploy_version(key, version, actor().username)
    except DeployRefused as error:
        flash(_capitalized(str(error)) + ".", "error")
    else:
        flash(
            _(
                "%(key)s versión %(version)s desplegada de nuevo como versión %(new)s: los casos "
                "nuevos la usan; los que están en curso siguen en su versión.",
                key=key,
                version=version,
                new=deployment.version,
            )
        )
    return redirect(url_for("workbench.index"), code=303)


def _capitalized(message: str) -> str:
    return message[:1].upper() + message[1:]


@blueprint.post("/<key>/borradores")
def create_draft(key: str) -> ResponseReturnValue:
    version = request.form.get("version", type=int)
    saved = engine().create_draft(key, actor().username, version)
    flash(_("Borrador %(id)s creado; nada cambia hasta que lo despliegue.", id=saved.draft_id))
    return redirect(url_for("workbench.modeler", draft_id=saved.draft_id), code=303)


@blueprint.get("/borradores/<int:draft_id>")
def modeler(draft_id: int) -> ResponseReturnValue:
    with engine().reading() as session:
        draft = draft_content(session, draft_id)
    response = make_response(
        render_template(
            "workbench/modeler.html",
            draft=draft,
            forms=sorted(draft.forms),
            operators=sorted(engine().services.names()),
        )
    )
    response.headers["Content-Security-Policy"] = MODELER_POLICY
    return response


@blueprint.get("/grupos.json")
def groups_json() -> ResponseReturnValue:
    """What a lane may be named, for the modeler's "Grupo del carril" select."""
    with engine().reading() as session:
        groups = lane_groups(session)
    return {"groups": [group.as_json() for group in groups]}


@blueprint.get("/borradores/<int:draft_id>.bpmn")
def draft_xml(draft_id: int) -> ResponseReturnValue:
    revision = request.args.get("revision", type=int)
    with engine().reading() as session:
        draft = draft_content(session, draft_id, revision)
    response = Response(draft.bpmn_xml, mimetype="application/xml")
    response.headers["X-Revision"] = str(draft.revision)
    return response


@blueprint.post("/borradores/<int:draft_id>")
def save_draft(draft_id: int) -> ResponseReturnValue:
    """The modeler's save: JSON `{"bpmn": ..., "revision": n}` (the revision it was editing)."""
    body: Any = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("bpmn"), str):
        message = _('Envíe el diagrama como JSON: {"bpmn": "...", "revision": n}')
        return {"error": message, "message": message}, 400
    revision = body.get("revision")
    if not isinstance(revision, int):
        message = _("Falta la revisión del borrador que editaba")
        return {"error": message, "message": message}, 400
    try:
        saved = engine().save_draft(draft_id, revision, body["bpmn"], actor().username)
    except Conflict as error:
        return _save_conflict(draft_id, revision, str(error))
    return {
        "draft": saved.draft_id,
        "revision": saved.revision,
        "problems_url": url_for("workbench.problems_json", draft_id=draft_id),
    }


def _save_conflict(draft_id: int, revision: int, message: str) -> ResponseReturnValue:
    """409 with the other analyst's revision: who saved it, its diagram, and what it changed."""
    with engine().reading() as session:
        current = draft_content(session, draft_id)
    body = {
        "error": _("La información cambió"),
        "message": _capitalized(message),
        "revision": current.revision,
        "saved_by": current.saved_by,
        "saved_at": current.saved_at.isoformat(),
        "their_bpmn_url": url_for(
            "workbench.draft_xml", draft_id=draft_id, revision=current.revision
        ),
        "compare_url": url_for(
            "workbench.compare_page",
            antes=f"revision:{draft_id}:{revision}",
            despues=f"borrador:{draft_id}",
        ),
    }
    return jsonify(body), 409


@blueprint.get("/borradores/<int:draft_id>/problemas.json")
def problems_json(draft_id: int) -> ResponseReturnValue:
    with engine().reading() as session:
        draft, problems = draft_problems(session, draft_id, engine().services.names())
    return {
        "draft": draft.id,
        "revision": draft.revision,
        "deployable": not problems,
        "problems": [problem.as_json() for problem in problems],
    }


@blueprint.get("/borradores/<int:draft_id>/problemas")
def problems_page(draft_id: int) -> ResponseReturnValue:
    with engine().reading() as session:
        draft, problems = draft_problems(session, draft_id, engine().services.names())
        scenario_run = last_scenario_run(session, draft.id)
        procedure = _procedure(session, draft.key)
        base = f"{draft.key}:{draft.base_version}" if draft.base_version else None
        diff = compare(session, base, f"borrador:{draft.id}") if base else None
    return render_template(
        "workbench/problems.html",
        draft=draft,
        problems=problems,
        procedure=procedure,
        diff=diff,
        scenario_run=scenario_run,
        scenarios_passed=scenario_run is not None and scenario_run.passed_for(draft.revision),
    )


@blueprint.post("/borradores/<int:draft_id>/desplegar")
def deploy_draft(draft_id: int) -> ResponseReturnValue:
    revision = request.form.get("revision", type=int)
    if revision is None:
        return Response(_("Falta la revisión del borrador"), status=400)
    try:
        deployment = engine().deploy_draft(draft_id, revision, actor().username)
    except InvalidDefinition:
        flash(_("El borrador tiene problemas: corríjalos antes de desplegar."), "error")
        return redirect(url_for("workbench.problems_page", draft_id=draft_id), code=303)
    except DeployRefused as error:
        flash(_capitalized(str(error)) + ".", "error")
        return redirect(url_for("workbench.problems_page", draft_id=draft_id), code=303)
    if deployment.created:
        flash(
            _(
                "%(key)s versión %(version)s desplegada: los casos nuevos la usan; "
                "los que están en curso siguen en su versión.",
                key=deployment.key,
                version=deployment.version,
            )
        )
    else:
        flash(_("Sin cambios: el borrador es igual a la versión %(v)s.", v=deployment.version))
    return redirect(url_for("workbench.index"), code=303)


@blueprint.get("/comparar")
def compare_page() -> ResponseReturnValue:
    before, after = request.args.get("antes", ""), request.args.get("despues", "")
    with engine().reading() as session:
        diff = compare(session, before, after)
    return render_template("workbench/compare.html", diff=diff, before=before, after=after)


@blueprint.get("/comparar.bpmn")
def compared_diagram() -> ResponseReturnValue:
    """One side of a comparison, for the page's side-by-side diagrams (`?ref=P001:1`)."""
    with engine().reading() as session:
        xml = compared_xml(session, request.args.get("ref", ""))
    return Response(xml, mimetype="application/xml")


@blueprint.get("/comparar.json")
def compare_json() -> ResponseReturnValue:
    with engine().reading() as session:
        diff = compare(session, request.args.get("antes", ""), request.args.get("despues", ""))
    return diff.as_json()


@blueprint.get("/<key>/migrar")
def migration_page(key: str) -> ResponseReturnValue:
    """Choose the target version; with one chosen, the dry run: each case and why it could not
    move. Changes nothing (the check is logged)."""
    with engine().reading() as session:
        procedure = _procedure(session, key)
    to_version = request.args.get("hacia", type=int)
    from_version = request.args.get("desde", type=int)
    report = None
    if to_version is not None:
        report = engine().check_migration(
            key, to_version, actor().username, from_version=from_version
        )
    return render_template(
        "workbench/migrate.html",
        procedure=procedure,
        report=report,
        to_version=to_version,
        from_version=from_version,
    )


@blueprint.post("/<key>/migrar")
def migrate_cases(key: str) -> ResponseReturnValue:
    """The batch: each chosen case in its own command; the summary of migrated and refused."""
    to_version = request.form.get("hacia", type=int)
    cases = request.form.getlist("caso")
    if to_version is None or not cases:
        flash(_("Elija la versión de destino y al menos un caso."), "error")
        return redirect(url_for("workbench.migration_page", key=key, hacia=to_version), code=303)
    report = engine().migrate(key, to_version, actor().username, cases=cases)
    with engine().reading() as session:
        procedure = _procedure(session, key)
    return render_template("workbench/migrated.html", procedure=procedure, report=report)


def _procedure(session: Any, key: str) -> ProcedureRow:
    for procedure in library(session):
        if procedure.key == key:
            return procedure
    raise NotFound(f"el procedimiento '{key}' no está desplegado")


@blueprint.post("/borradores/<int:draft_id>/escenarios")
def draft_scenarios(draft_id: int) -> ResponseReturnValue:
    """The procedure's scenarios against the draft, on a scratch database (nothing real is
    touched): each scenario's result and the sequence flows none of them took."""
    with engine().reading() as session:
        draft = draft_content(session, draft_id)
    processes = Path(current_app.config["PROCESSES_DIRECTORY"])
    try:
        outcome = run_draft_scenarios(draft, processes / "scenarios", processes / "bpmn")
    except InvalidDefinition:
        flash(_("El borrador tiene problemas: corríjalos antes de probarlo."), "error")
        return redirect(url_for("workbench.problems_page", draft_id=draft_id), code=303)
    results, untaken = outcome if outcome is not None else ([], [])
    failed = [r.scenario.name for r in results if not r.passed]
    # Recorded whatever the outcome: deploying this revision checks this very record.
    engine().record_scenario_run(draft.id, draft.revision, actor().username, len(results), failed)
    return render_template(
        "workbench/scenarios.html",
        draft=draft,
        has_scenarios=outcome is not None,
        results=results,
        untaken=untaken,
        deployable=not failed and draft.deployed_version is None,
    )
