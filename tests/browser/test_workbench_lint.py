"""bpmnlint's recommended rules in the modeler (the bundle `make` builds into web/bundles/), in
Spanish with a hint, each row selecting its element; and the scenarios' coverage drawn on the
draft's diagram. Both pages are checked with axe-core (WCAG 2.1 A/AA)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from lxml import etree
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.conftest import (
    LiveServer,
    axe_violations,
    screenshot,
    serving,
    sign_in,
    wide_page,
)
from tests.conftest import BPMN

P001 = BPMN / "P001_delegaciones.bpmn"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"


@pytest.fixture(scope="module")
def workbench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server of its own, every procedure deployed; its scenarios folder holds only
    P001's first scenario, so that some of P001's flows stay untaken."""
    folder: Path = tmp_path_factory.mktemp("lint")
    processes = folder / "processes"
    (processes / "scenarios").mkdir(parents=True)
    for part in ("bpmn", "forms"):
        (processes / part).symlink_to(BPMN.parent / part)
    suite = yaml.safe_load((BPMN.parent / "scenarios" / "P001.yaml").read_text(encoding="utf-8"))
    suite["scenarios"] = suite["scenarios"][:1]
    (processes / "scenarios" / "P001.yaml").write_text(
        yaml.safe_dump(suite, allow_unicode=True), encoding="utf-8"
    )
    with serving(folder, [BPMN], {"PROCESSES_DIRECTORY": str(processes)}) as server:
        yield server


def without_flow(xml: bytes, flow_id: str) -> str:
    """P001 with sequence flow `flow_id` removed: from the process, its ends and the drawing."""
    root = etree.fromstring(xml)
    for element in root.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        if element.get("id") == flow_id:
            element.getparent().remove(element)
    for tag in ("incoming", "outgoing"):
        for reference in list(root.iter(f"{{{BPMN_NS}}}{tag}")):
            if reference.text == flow_id:
                reference.getparent().remove(reference)
    for edge in list(root.iter(f"{{{DI_NS}}}BPMNEdge")):
        if edge.get("bpmnElement") == flow_id:
            edge.getparent().remove(edge)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode()


def modeler_page(
    browser: Browser, workbench: LiveServer, draft_id: int, refused: list[str] | None = None
) -> Page:
    """The draft in the modeler; with `refused`, under the page's own Content-Security-Policy
    (whose refusals it collects), else without it (axe-core is injected inline)."""
    page = wide_page(browser, refused, bypass_csp=refused is None)
    sign_in(page, workbench.url, "analista")
    page.goto(f"{workbench.url}/modelos/borradores/{draft_id}")
    page.wait_for_selector("#modelador[data-ready='true']")
    return page


def test_bpmnlint_reports_a_task_without_outgoing_flow_in_spanish_and_selects_it(
    browser: Browser, workbench: LiveServer
) -> None:
    draft = workbench.engine.create_draft("P001", "analista", 1)
    broken = without_flow(P001.read_bytes(), "f_proponer_aprobar")
    workbench.engine.save_draft(draft.draft_id, draft.revision, broken, "analista")
    page = modeler_page(browser, workbench, draft.draft_id)

    row = page.locator(
        "#problemas-modelado li[data-element='proponer_delegado'][data-rule='no-implicit-end']"
    )
    expect(row).to_contain_text("Error")
    expect(row).to_contain_text("Proponer delegado (proponer_delegado)")
    expect(row).to_contain_text(
        "El elemento no tiene flujo de salida: termina el proceso sin un evento de fin."
    )
    expect(row.locator(".lint-hint")).to_have_text(
        " Conéctelo con un flujo de secuencia al paso siguiente o a un evento de fin."
    )
    expect(page.locator("#problemas-modelado-resumen")).to_contain_text(
        "Las reglas de modelado encontraron"
    )
    # The offending element is marked and carries bpmn-js-bpmnlint's overlay, in Spanish too.
    shape = page.locator(".djs-element[data-element-id='proponer_delegado']")
    expect(shape).to_have_class(re.compile(r"\bbg-lint-error\b"))
    overlay = page.locator(".djs-overlays[data-container-id='proponer_delegado'] .bjsl-overlay")
    expect(overlay).to_have_count(1)
    expect(page.locator(".bjsl-button")).to_contain_text("2 errores, 0 advertencias")
    expect(page.locator(".bjsl-button")).to_be_visible()

    row.get_by_role("button", name="Proponer delegado (proponer_delegado)").click()
    expect(shape).to_have_class(re.compile(r"\bselected\b"))
    screenshot(page, "workbench-bpmnlint")
    assert axe_violations(page) == []
    page.context.close()


def test_every_bundled_rule_has_a_spanish_message(browser: Browser, workbench: LiveServer) -> None:
    draft = workbench.engine.create_draft("P001", "analista", 1)
    refused: list[str] = []
    page = modeler_page(browser, workbench, draft.draft_id, refused)
    rules = page.evaluate("window.BuenGobiernoLint.rules")
    translated = page.evaluate("window.BuenGobiernoLint.translatedRules")
    assert "no-implicit-end" in rules and "start-event-required" in rules
    assert sorted(set(rules) - set(translated)) == []
    # P001 as shipped: nothing the recommended rules object to.
    expect(page.locator("#problemas-modelado-resumen")).to_have_text(
        "Sin observaciones de las reglas de modelado."
    )
    assert refused == []
    page.context.close()


def test_scenarios_page_draws_the_coverage_on_the_diagram(
    browser: Browser, workbench: LiveServer
) -> None:
    draft = workbench.engine.create_draft("P001", "analista", 1)
    context = browser.new_context(
        locale="es-CO", viewport={"width": 1400, "height": 1000}, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    sign_in(page, workbench.url, "analista")
    page.goto(f"{workbench.url}/modelos/borradores/{draft.draft_id}/problemas")
    page.get_by_role("button", name="Probar los escenarios de P001").click()
    expect(page.get_by_role("status").filter(has_text="escenarios pasaron")).to_have_text(
        "1 de 1 escenarios pasaron."
    )
    page.wait_for_selector("#cobertura-diagrama[data-ready='true']")
    untaken = [
        flow
        for flow in page.locator("li[data-flow]").evaluate_all(
            "items => items.map(item => item.dataset.flow)"
        )
    ]
    assert untaken, "one scenario of P001 cannot take every flow"
    diagram = page.locator("#cobertura-diagrama")
    for flow in untaken:
        expect(diagram.locator(f".djs-element[data-element-id='{flow}']")).to_have_class(
            re.compile(r"\bbg-untaken\b")
        )
    # The first scenario is the approved puntual delegation: it takes the approval flow.
    expect(diagram.locator(".djs-element[data-element-id='f_proponer_aprobar']")).to_have_class(
        re.compile(r"\bbg-covered\b")
    )
    expect(diagram.locator(".djs-element[data-element-id='proponer_delegado']")).to_have_class(
        re.compile(r"\bbg-covered\b")
    )
    expect(page.locator("#cobertura-conteo")).to_contain_text("flujos de secuencia")
    screenshot(page, "workbench-coverage")
    assert axe_violations(page) == []
    context.close()


def test_compare_marks_the_changes_on_both_diagrams_side_by_side(
    browser: Browser, workbench: LiveServer
) -> None:
    draft = workbench.engine.create_draft("P001", "analista", 1)
    changed = without_flow(P001.read_bytes(), "f_proponer_aprobar").replace(
        'name="Proponer delegado"', 'name="Postular delegado"'
    )
    workbench.engine.save_draft(draft.draft_id, draft.revision, changed, "analista")
    # Under the page's own Content-Security-Policy; axe-core, injected inline, needs it off.
    refused: list[str] = []
    page = wide_page(browser, refused)
    context = page.context
    sign_in(page, workbench.url, "analista")
    url = f"{workbench.url}/modelos/comparar?antes=P001:1&despues=borrador:{draft.draft_id}"
    page.goto(url)
    before, after = page.locator("#diagrama-before"), page.locator("#diagrama-after")
    expect(before).to_have_attribute("data-ready", "true")
    expect(after).to_have_attribute("data-ready", "true")

    def shape(diagram: Locator, element: str) -> Locator:
        return diagram.locator(f".djs-element[data-element-id='{element}']")

    renamed = re.compile(r"\bbg-diff-changed\b")
    expect(shape(before, "proponer_delegado")).to_have_class(renamed)
    expect(shape(after, "proponer_delegado")).to_have_class(renamed)
    expect(shape(before, "f_proponer_aprobar")).to_have_class(re.compile(r"\bbg-diff-removed\b"))
    expect(shape(after, "f_proponer_aprobar")).to_have_count(0)
    expect(shape(after, "aprobar_delegacion")).not_to_have_class(re.compile(r"\bbg-diff-"))
    expect(page.locator("tr[data-element='proponer_delegado']")).to_contain_text("modificado")
    screenshot(page, "workbench-compare-diagrams")
    assert refused == []
    context.close()

    context = browser.new_context(locale="es-CO", bypass_csp=True)
    page = context.new_page()
    sign_in(page, workbench.url, "analista")
    page.goto(url)
    expect(page.locator("#diagrama-after")).to_have_attribute("data-ready", "true")
    assert axe_violations(page) == []
    context.close()


def test_compare_rows_select_their_element_on_the_diagrams(
    browser: Browser, workbench: LiveServer
) -> None:
    draft = workbench.engine.create_draft("P001", "analista", 1)
    changed = without_flow(P001.read_bytes(), "f_proponer_aprobar").replace(
        'name="Proponer delegado"', 'name="Postular delegado"'
    )
    workbench.engine.save_draft(draft.draft_id, draft.revision, changed, "analista")
    refused: list[str] = []
    page = wide_page(browser, refused)
    sign_in(page, workbench.url, "analista")
    url = f"{workbench.url}/modelos/comparar?antes=P001:1&despues=borrador:{draft.draft_id}"
    page.goto(url)
    before, after = page.locator("#diagrama-before"), page.locator("#diagrama-after")
    expect(before).to_have_attribute("data-ready", "true")
    expect(after).to_have_attribute("data-ready", "true")
    selected = re.compile(r"\bselected\b")

    def shape(diagram: Locator, element: str) -> Locator:
        return diagram.locator(f".djs-element[data-element-id='{element}']")

    def selection(diagram: Locator) -> list[str]:
        return diagram.evaluate(
            "d => [...d.querySelectorAll('.djs-element.selected')].map(e => e.dataset.elementId)"
        )

    # A changed element: a click on its row selects it on both diagrams.
    renamed = page.locator("tr[data-element='proponer_delegado']")
    renamed.get_by_role("cell", name="modificado").click()
    expect(shape(before, "proponer_delegado")).to_have_class(selected)
    expect(shape(after, "proponer_delegado")).to_have_class(selected)
    expect(renamed).to_have_attribute("aria-current", "true")
    assert selection(before) == selection(after) == ["proponer_delegado"]

    # A removed one, from the keyboard: its row's button, Enter; only the earlier diagram has it.
    removed = page.locator("tr[data-element='f_proponer_aprobar']")
    button = removed.get_by_role("button", name=re.compile("f_proponer_aprobar"))
    button.focus()
    page.keyboard.press("Enter")
    expect(shape(before, "f_proponer_aprobar")).to_have_class(selected)
    expect(shape(before, "proponer_delegado")).not_to_have_class(selected)
    assert selection(after) == []
    expect(removed).to_have_attribute("aria-current", "true")
    expect(renamed).not_to_have_attribute("aria-current", "true")
    expect(button).to_be_focused()
    screenshot(page, "workbench-compare-selected")
    assert refused == []
    page.context.close()

    page = wide_page(browser, bypass_csp=True)
    sign_in(page, workbench.url, "analista")
    page.goto(url)
    expect(page.locator("#diagrama-after")).to_have_attribute("data-ready", "true")
    page.locator("tr[data-element='proponer_delegado']").get_by_role("button").click()
    assert axe_violations(page) == []
    page.context.close()
