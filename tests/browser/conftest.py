"""A live server on a free loopback port and Debian's Chromium driven by Playwright.

Never `playwright install`: the browser is /usr/bin/chromium (`make test` installs it with apt).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from werkzeug.serving import BaseWSGIServer, make_server

from engine import Engine, ManualClock
from handlers import service_registry
from storage.database import create_database_engine
from storage.migrate import upgrade_to_head
from tests.conftest import BOGOTA, BPMN, ROOT, with_directory
from web.app import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


class LiveServer:
    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url


@contextmanager
def serving(
    folder: Path, deploy: list[Path], config: dict[str, Any] | None = None
) -> Iterator[LiveServer]:
    """The application on a free loopback port, on a SQLite database of its own in `folder`
    (migrated, the demo directory, `deploy` deployed), its clock at the tests' start."""
    database = create_database_engine(f"sqlite:///{folder / 'live.sqlite3'}")
    upgrade_to_head(database)
    clock = ManualClock(datetime(2026, 12, 1, 9, 0, tzinfo=BOGOTA))
    engine = Engine(with_directory(database), services=service_registry(), clock=clock)
    engine.deploy(deploy, "admin")
    app = create_app(
        {"SECRET_KEY": "browser-tests-" + "k" * 32, "LOGIN_RATE_LIMIT": "1000 per minute"}
        | (config or {}),
        engine=engine,
    )
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(engine, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        database.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serving(tmp_path_factory.mktemp("live"), [BPMN / "P001_delegaciones.bpmn"]) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    # axe.min.js is injected as an inline script, which our CSP forbids on purpose: the
    # accessibility contexts bypass it; test_content_security_policy checks pages without.
    context = browser.new_context(
        bypass_csp=True, locale="es-CO", viewport={"width": 1280, "height": 900}
    )
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def wide_page(browser: Browser, refused: list[str] | None = None, bypass_csp: bool = False) -> Page:
    """A page wide enough for the modeler, under the pages' own Content-Security-Policy unless
    `bypass_csp` (axe-core is injected inline); what the policy refuses goes into `refused`.
    Close it with `page.context.close()`."""
    context = browser.new_context(
        locale="es-CO", viewport={"width": 1400, "height": 1000}, bypass_csp=bypass_csp
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    if refused is not None:
        collected = refused
        page.on(
            "console",
            lambda message: (
                collected.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
    return page


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def axe_violations(page: Page) -> list[str]:
    """WCAG 2.1 A/AA violations axe-core finds on the page, one line each."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_21_AA,
    )
    assert len(result["passes"]) > 10, "axe-core ran no rules: was axe.min.js injected?"
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in result["violations"]
    ]


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/ingresar")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill("BuenGobierno2026!")
    page.get_by_role("button", name="Ingresar").click()
    page.wait_for_url(f"{base_url}/")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Salir").click()
    page.wait_for_url("**/ingresar")
