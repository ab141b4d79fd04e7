"""The administration pages pass axe-core (WCAG 2.1 AA), including a refused form."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, axe_violations, screenshot, sign_in


def test_the_administration_pages_are_accessible(page: Page, live_server: LiveServer) -> None:
    sign_in(page, live_server.url, "admin")
    page.get_by_role("link", name="Administración").click()
    expect(page.get_by_role("heading", name="Usuarios")).to_be_visible()
    page.get_by_label("Grupo").select_option("despacho_gobierno")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.get_by_role("link", name="despacho2")).to_be_visible()
    violations = {"usuarios": axe_violations(page)}

    page.get_by_role("link", name="Agregar usuario").click()
    page.get_by_label("Usuario", exact=False).first.fill("Con Mayúsculas")
    page.get_by_role("button", name="Crear usuario").click()
    expect(page.get_by_role("alert")).to_contain_text("nada se guardó")
    expect(page.locator("#campo-usuario")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "20-administracion-usuario-con-errores")
    violations["usuario con errores"] = axe_violations(page)

    page.goto(f"{live_server.url}/administracion/usuarios/despacho2/desactivar")
    violations["desactivar"] = axe_violations(page)
    # `educacion` is nobody else's in the browser tests: deactivated and back, with the history.
    page.goto(f"{live_server.url}/administracion/usuarios/educacion/desactivar")
    page.get_by_role("button", name="Desactivar a educacion").click()
    page.get_by_role("link", name="Volver al usuario").click()
    page.get_by_role("button", name="Reactivar a educacion").click()
    expect(page.get_by_text("Reactivó a educacion")).to_be_visible()
    expect(page.get_by_role("cell", name="Lo reactivó: Estado")).to_be_visible()
    expect(page.get_by_role("cell", name="Lo desactivó: Estado")).to_be_visible()
    screenshot(page, "21-administracion-historial-del-usuario")
    violations["usuario con historial"] = axe_violations(page)
    page.goto(f"{live_server.url}/administracion/organismos")
    expect(page.get_by_role("cell", name="Departamento Administrativo de Hacienda")).to_be_visible()
    violations["organismos"] = axe_violations(page)
    page.goto(f"{live_server.url}/administracion/organismos/orc/desactivar")
    violations["desactivar organismo"] = axe_violations(page)
    assert violations == {name: [] for name in violations}
