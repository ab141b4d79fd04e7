"""Issue 13: no WCAG 2.1 A/AA violation (axe-core) on any page, at desktop width and at 390 px,
and no page scrolls sideways on a phone.

The pages are the GET routes of the Flask url_map (downloads, JSON, XML and assets left out),
their parameters filled with a real case, task, draft, procedure, organism and person. Each demo
role visits, in one browser context, every page it may open that no earlier role covered (and
its own inbox); a page a role may not open (403, 404) is left to another role."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Browser, Page

from tests.browser.conftest import LiveServer, axe_violations, screenshot, sign_in
from tests.helpers import communicate_delegation, complete, task_for
from tests.web.conftest import PROPOSAL, start_p001
from web.app import create_app

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
ROLES = ("despacho", "delegada", "secretario", "calidad", "analista", "admin")
# Not pages: files, data and assets; the ones below answer with something other than HTML.
NOT_PAGES = re.compile(
    r"\.(csv|pdf|bpmn|zip|json|<kind>)$|^/(api|static|vendor|bundle)/|^/healthz$"
)
NOT_HTML = {"/directorio/personas", "/casos/<business_key>/adjuntos/<int:attachment_id>"}


@dataclass(frozen=True)
class Fixtures:
    business_key: str
    tasks: dict[str, int]  # a task each role may open
    draft_id: int


def _page_rules() -> list[str]:
    app = create_app({"SECRET_KEY": "k" * 40, "DATABASE_URL": "sqlite://"})
    rules = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or set()) and not NOT_PAGES.search(rule.rule)
    }
    return sorted(rules - NOT_HTML)


def _fill(rule: str, role: str, fixtures: Fixtures) -> str | None:
    values = {
        "business_key": fixtures.business_key,
        "task_id": fixtures.tasks.get(role),
        "draft_id": fixtures.draft_id,
        "key": "P001",
        "policy": "3",
        "code": "secretaria_salud",
        "username": "delegada",
        "name": "P001.propuesta.schema.json",  # a form of the draft, in the form editor
    }
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        filled = values.get(match.group(1))
        missing = missing or filled is None
        return str(filled)

    path = re.sub(r"<(?:\w+:)?(\w+)>", value, rule)
    if rule == "/modelos/comparar":  # a diff needs two sides: the deployed version and a draft
        path += f"?antes=P001:1&despues=borrador:{fixtures.draft_id}"
    return None if missing else path


def _fixtures(live_server: LiveServer) -> Fixtures:
    engine = live_server.engine
    held = start_p001(engine, asunto="Sesión revisada con axe")
    complete(engine, held, "proponer_delegado", "despacho", PROPOSAL)
    complete(engine, held, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    communicate_delegation(engine, held)
    proposed = start_p001(engine, asunto="Sesión por proponer")
    to_approve = start_p001(engine, asunto="Sesión por aprobar")
    complete(engine, to_approve, "proponer_delegado", "despacho", PROPOSAL)
    tasks = {
        "despacho": task_for(engine, proposed, "proponer_delegado").id,
        "delegada": task_for(engine, held, "confirmar_sesion").id,
        "secretario": task_for(engine, to_approve, "aprobar_delegacion").id,
        "admin": task_for(engine, proposed, "proponer_delegado").id,
    }
    draft = engine.create_draft("P001", "analista")
    return Fixtures(held, tasks, draft.draft_id)


def _scrolls_sideways(page: Page) -> bool:
    return bool(
        page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    )


def _check(page: Page, path: str, problems: list[str]) -> None:
    for width, viewport in (("escritorio", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(viewport)
        found = axe_violations(page)
        problems += [f"{path} ({width}): {violation}" for violation in found]
        if viewport is PHONE and _scrolls_sideways(page):
            problems.append(f"{path} (390): la página se desplaza hacia los lados")
    name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "bandeja"
    screenshot(page, f"axe-{name}")
    page.set_viewport_size(DESKTOP)


def test_no_page_has_wcag_violations_on_desktop_or_at_390_px(
    browser: Browser, live_server: LiveServer
) -> None:
    fixtures = _fixtures(live_server)
    rules = _page_rules()
    assert "/tareas/<int:task_id>" in rules and "/modelos/borradores/<int:draft_id>" in rules
    covered: set[str] = set()
    problems: list[str] = []
    for role in ROLES:
        context = browser.new_context(bypass_csp=True, locale="es-CO", viewport=DESKTOP)
        page = context.new_page()
        page.set_default_timeout(15_000)
        if role == ROLES[0]:
            page.goto(f"{live_server.url}/ingresar")
            _check(page, "/ingresar", problems)
        sign_in(page, live_server.url, role)
        for rule in rules:
            path = _fill(rule, role, fixtures)
            if path is None or path == "/ingresar" or (rule in covered and rule != "/"):
                continue
            response = page.goto(live_server.url + path)
            assert response is not None
            if response.status in (403, 404):
                continue
            assert response.status == 200, f"{role} {path}: {response.status}"
            assert "text/html" in response.headers.get("content-type", ""), path
            page.wait_for_load_state("networkidle")
            _check(page, path, problems)
            covered.add(rule)
        context.close()
    assert problems == [], "\n".join(problems)
    assert set(rules) - covered - {"/ingresar"} == set(), "pages no demo role reached"
