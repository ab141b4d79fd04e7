"""The analyst opens P001 in the workbench's modeler, renames a task in the properties panel,
saves the draft, sees the linter's verdict and the rename in the comparison with version 1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import BaseWSGIServer, make_server

from engine import Engine, ManualClock
from handlers import service_registry
from storage.database import create_database_engine
from storage.migrate import upgrade_to_head
from tests.browser.conftest import axe_violations, screenshot, sign_in
from tests.conftest import BOGOTA, BPMN, with_directory
from web.app import create_app


@pytest.fixture(scope="module")
def workbench_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server of its own with every procedure deployed (P001 calls P003 and P005)."""
    folder: Path = tmp_path_factory.mktemp("workbench")
    database = create_database_engine(f"sqlite:///{folder / 'live.sqlite3'}")
    upgrade_to_head(database)
    clock = ManualClock(datetime(2026, 12, 1, 9, 0, tzinfo=BOGOTA))
    engine = Engine(with_directory(database), services=service_registry(), clock=clock)
    engine.deploy([BPMN], "admin")
    app = create_app(
        {"SECRET_KEY": "browser-tests-" + "w" * 32, "LOGIN_RATE_LIMIT": "1000 per minute"},
        engine=engine,
    )
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        database.dispose()


def test_analyst_renames_a_task_in_the_modeler_and_compares_with_version_1(
    browser: Browser, workbench_server: str
) -> None:
    # The page's own Content-Security-Policy stays on: the modeler must run under it (with
    # inline styles allowed on that page only, see web/workbench.py).
    context = browser.new_context(locale="es-CO", viewport={"width": 1400, "height": 1000})
    page: Page = context.new_page()
    page.set_default_timeout(20_000)
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    sign_in(page, workbench_server, "analista")
    page.get_by_role("link", name="Modelos").click()
    page.get_by_role("button", name="Editar v1 como borrador").first.click()
    page.wait_for_selector("#modelador[data-ready='true']")
    expect(page.locator("#problemas-resumen")).to_have_text(
        "Sin problemas: el borrador se puede desplegar."
    )

    page.locator("[data-element-id='proponer_delegado']").first.click()
    page.locator(
        "#propiedades [data-group-id='group-general'] .bio-properties-panel-group-header"
    ).click()
    name = page.locator("#propiedades textarea[name='name'], #propiedades input[name='name']")
    name.first.fill("Postular delegado")
    page.get_by_role("button", name="Guardar borrador").click()
    expect(page.locator("#estado")).to_have_text("Guardado: revisión 2.")
    expect(page.locator("#problemas-resumen")).to_have_text(
        "Sin problemas: el borrador se puede desplegar."
    )
    screenshot(page, "workbench-modeler")
    assert refused == []

    page.get_by_role("link", name="Comparar con la versión 1").click()
    row = page.locator("tr[data-element='proponer_delegado']")
    expect(row).to_contain_text("modificado")
    expect(row).to_contain_text("Proponer delegado")
    expect(row).to_contain_text("Postular delegado")
    context.close()


def test_workbench_pages_have_no_wcag_violations(page: Page, workbench_server: str) -> None:
    sign_in(page, workbench_server, "analista")
    page.goto(f"{workbench_server}/modelos")
    assert axe_violations(page) == []
    page.goto(f"{workbench_server}/modelos/comparar?antes=P001:1&despues=P001:1")
    assert axe_violations(page) == []
