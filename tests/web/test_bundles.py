"""The bundle `make` builds into web/bundles/ (bpmnlint for the modeler) is served; nothing else
in that folder is."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_the_workbench_lint_bundle_is_served_and_nothing_else(client: FlaskClient) -> None:
    response = client.get("/bundle/workbench-lint.js")
    assert response.status_code == 200, "run `make bundle` (make test and make run do)"
    assert b"BuenGobiernoLint" in response.data
    assert client.get("/bundle/.built").status_code == 404
    assert client.get("/bundle/build.mjs").status_code == 404
