"""What carries case data is never kept in a browser's or a proxy's cache: pages, file
downloads, trail exports and the JSON API answer `Cache-Control: no-store`."""

from __future__ import annotations

import base64

from flask.testing import FlaskClient
from sqlalchemy import select

from engine import Engine
from engine.people.directory import DEMO_PASSWORD
from storage.models import Attachment
from tests.helpers import task_for
from tests.web.conftest import PDF, draft_act_uploaded, login, start_p001


def test_an_attachment_download_is_not_cached(client: FlaskClient, p001: Engine) -> None:
    key = draft_act_uploaded(p001)
    with p001.sessions() as session:
        attachment_id = session.scalars(select(Attachment.id)).one()
    login(client, "despacho")
    response = client.get(f"/casos/{key}/adjuntos/{attachment_id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Cache-Control"] == "no-store"


def test_trail_exports_are_not_cached(client: FlaskClient, p001: Engine) -> None:
    start_p001(p001)
    login(client, "calidad")
    for kind in ("csv", "xes"):
        response = client.get(f"/calidad/traza.{kind}")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store", kind


def test_json_api_answers_are_not_cached(client: FlaskClient, p001: Engine) -> None:
    task = task_for(p001, start_p001(p001), "proponer_delegado")
    raw = base64.b64encode(f"despacho:{DEMO_PASSWORD}".encode()).decode()
    headers = {"Authorization": f"Basic {raw}"}
    for path in ("/api/tareas", f"/api/tareas/{task.id}", "/api/tareas/999999"):
        response = client.get(path, headers=headers)
        assert response.is_json and response.headers["Cache-Control"] == "no-store", path


def test_static_assets_stay_cacheable(client: FlaskClient) -> None:
    response = client.get("/vendor/htmx.min.js")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
