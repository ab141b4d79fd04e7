"""Instructions render as spiff-arena renders them: a sandboxed Jinja template over the task's
data, then Markdown, then sanitized HTML."""

from __future__ import annotations

import pytest

from engine.bpm.instructions import (
    InstructionsError,
    check_instructions,
    render_instructions,
    render_text,
)


def test_template_fills_in_the_data_then_markdown_becomes_html() -> None:
    html = render_instructions(
        "Revise el proyecto de {{ tipo_acto }} **{{ asunto }}**.\n\n- uno\n- dos",
        {"tipo_acto": "decreto", "asunto": "Delegación"},
    )
    assert html.startswith("<p>Revise el proyecto de decreto <strong>Delegación</strong>.</p>")
    assert "<ul>\n<li>uno</li>" in html
    assert "{{" not in html


def test_conditional_block_shows_only_the_branch_that_holds() -> None:
    template = (
        "{% if not vistos_buenos.completos %}Faltan: {{ vistos_buenos.faltantes | join(', ') }}."
        "{% elif decision is defined and decision == 'devolver' %}Devuelto: {{ motivo }}{% endif %}"
    )
    missing = {"vistos_buenos": {"completos": False, "faltantes": ["DAGJP", "organismo"]}}
    assert render_instructions(template, missing) == "<p>Faltan: DAGJP, organismo.</p>\n"
    returned = {"vistos_buenos": {"completos": True}, "decision": "devolver", "motivo": "Firma"}
    assert render_instructions(template, returned) == "<p>Devuelto: Firma</p>\n"


def test_html_in_the_data_or_the_template_is_never_markup() -> None:
    html = render_instructions(
        "<img src=x onerror=alert(1)> {{ asunto }} [enlace](javascript:alert(1))",
        {"asunto": "<script>alert(1)</script>"},
    )
    assert "<script" not in html and "<img" not in html and "href" not in html
    assert "&lt;script&gt;" in html


def test_the_sandbox_refuses_python_internals() -> None:
    with pytest.raises(InstructionsError):
        render_instructions("{{ asunto.__class__.__mro__[1].__subclasses__() }}", {"asunto": "x"})


def test_a_runaway_loop_is_refused() -> None:
    with pytest.raises(InstructionsError, match="range"):
        render_instructions("{% for i in range(10000000) %}x{% endfor %}", {})


def test_check_names_unknown_fields_and_broken_templates() -> None:
    assert check_instructions("Hola {{ asunto }}", {"asunto"}, {"asunto": "x"}) == []
    (unknown,) = check_instructions("Hola {{ asuntos }}", {"asunto"}, {"asunto": "x"})
    assert "asuntos" in unknown and "ningún formulario" in unknown
    (broken,) = check_instructions("{% if asunto %}sin cerrar", {"asunto"}, {"asunto": "x"})
    assert "no son una plantilla válida" in broken
    (failing,) = check_instructions("{{ asunto + 1 }}", {"asunto"}, {"asunto": "x"})
    assert "no se pueden mostrar" in failing


def test_a_template_is_compiled_once_per_text_and_a_changed_text_anew() -> None:
    from engine.bpm import instructions

    instructions._compiled.cache_clear()
    data = {"asunto": "Sesión"}
    assert render_text("Delegación {{ asunto }}", data) == "Delegación Sesión"
    assert render_text("Delegación {{ asunto }}", data) == "Delegación Sesión"
    assert instructions._compiled.cache_info().hits == 1
    # A new version's outcome is another text: compiled for itself, never the old one's.
    assert render_text("Aprobada: {{ asunto }}", data) == "Aprobada: Sesión"
    assert instructions._compiled.cache_info().misses == 2


def test_a_template_that_does_not_compile_is_refused_every_time() -> None:
    for _ in range(2):
        with pytest.raises(InstructionsError):
            render_text("{% if %}", {})
