"""Oficina de Calidad: compliance per policy, the chain verification and the trail exports."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue

from engine.audit.quality import compliance, export_csv, export_xes
from engine.authorization import require_can_audit
from web.current import actor, engine, login_required

blueprint = Blueprint("quality", __name__)


def _require_auditor() -> None:
    require_can_audit(actor())


@blueprint.get("/calidad")
@login_required
def index() -> ResponseReturnValue:
    _require_auditor()
    with engine().sessions() as session:
        figures = compliance(session, engine().clock.now())
    report = engine().audit_report()
    return render_template(
        "quality/index.html", figures=figures, broken=report.broken, checkpoint=report.checkpoint
    )


@blueprint.get("/calidad/traza.<kind>")
@login_required
def export(kind: str) -> ResponseReturnValue:
    _require_auditor()
    procedure = request.args.get("procedimiento") or None
    with engine().sessions() as session:
        if kind == "xes":
            response = Response(export_xes(session, procedure), mimetype="application/xml")
        elif kind == "csv":
            response = Response(export_csv(session, procedure), mimetype="text/csv; charset=utf-8")
        else:
            return Response("Formato no soportado", status=404)
    response.headers.set("Content-Disposition", "attachment", filename=f"traza-mede0109.{kind}")
    return response
