"""Instructions for the end user, rendered as spiff-arena renders `instructionsForEndUser`.

The analyst writes a Jinja template over the task's data; its output is Markdown; the Markdown
becomes HTML that is sanitized before any page or client sees it. The template runs in Jinja's
sandboxed environment: an analyst's diagram reaches neither Python's internals nor the server.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import nh3
from jinja2 import ChainableUndefined, Template, TemplateError, Undefined, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from markdown_it import MarkdownIt

# An instruction is a paragraph or a short list, not a document: a runaway loop is cut here.
MAX_OUTPUT_CHARS = 20_000
MAX_RANGE = 1_000

# Headings are left out so an instruction cannot break the page's heading outline (WCAG 1.3.1).
ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}

# What a template may fail with once it runs: its own errors (undefined name, sandbox refusal)
# and the data's (adding a text to a number, an index out of range).
_RENDER_ERRORS = (TemplateError, TypeError, ValueError, ArithmeticError, LookupError)


class InstructionsError(Exception):
    """An instruction that does not render; the message is Spanish, for analysts and users."""


def _safe_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise InstructionsError(f"range() de más de {MAX_RANGE} elementos")
    return numbers


class _InstructionsEnvironment(SandboxedEnvironment):
    """Jinja's sandbox, where reaching for an unsafe attribute is an error, not a blank."""

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        raise SecurityError(f"el acceso a {attribute!r} no está permitido")


def _environment() -> SandboxedEnvironment:
    # Autoescape stays off: the output is Markdown, not HTML; markdown-it escapes raw HTML
    # (html=False) and nh3 sanitizes what Markdown produced.
    environment = _InstructionsEnvironment(autoescape=False, undefined=ChainableUndefined)
    environment.globals = {"range": _safe_range}
    return environment


_ENVIRONMENT = _environment()
_MARKDOWN = MarkdownIt("commonmark", {"html": False})


@dataclass(frozen=True)
class RenderedInstructions:
    """What a task asks of its user: the Markdown the template gave, and its safe HTML."""

    markdown: str
    html: str


def render_instructions(template: str, data: Mapping[str, Any]) -> str:
    """The instructions as safe HTML; raises `InstructionsError` when the template fails."""
    return render(template, data).html


def render(template: str, data: Mapping[str, Any]) -> RenderedInstructions:
    if not template.strip():
        return RenderedInstructions("", "")
    markdown = _render(template, data)
    return RenderedInstructions(markdown, markdown_to_safe_html(markdown))


def render_text(template: str, data: Mapping[str, Any]) -> str:
    """A one-line text template (a case's outcome) over the data: no Markdown, spaces folded.
    Raises `InstructionsError` when it fails."""
    return " ".join(_render(template, data).split())


def markdown_to_safe_html(markdown: str) -> str:
    html = _MARKDOWN.render(markdown)
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES)


@lru_cache(maxsize=512)
def _compiled(template: str) -> Template:
    """Templates come from deployed definitions (immutable) and compiling one costs more than
    rendering it: compiled once per text. A template that does not compile is not kept."""
    return _ENVIRONMENT.from_string(template)


def _render(template: str, data: Mapping[str, Any]) -> str:
    try:
        compiled = _compiled(template)
        pieces: list[str] = []
        size = 0
        for piece in compiled.generate(dict(data)):
            size += len(piece)
            if size > MAX_OUTPUT_CHARS:
                raise InstructionsError(f"el texto supera {MAX_OUTPUT_CHARS} caracteres")
            pieces.append(piece)
    except InstructionsError:
        raise
    except _RENDER_ERRORS as error:
        raise InstructionsError(_describe(error)) from None
    return "".join(pieces)


def _describe(error: Exception) -> str:
    if isinstance(error, TemplateError) and getattr(error, "lineno", None):
        return f"línea {getattr(error, 'lineno', '?')}: {error}"
    return str(error) or type(error).__name__


def check_instructions(
    template: str, known_names: Collection[str], sample: Mapping[str, Any]
) -> list[str]:
    """Problems of an instruction: unknown names, or a failure with the `sample` data."""
    try:
        names = _names_used(template)
    except TemplateError as error:
        return [f"las instrucciones no son una plantilla válida: {_describe(error)}"]
    unknown = sorted(names - set(known_names) - set(_ENVIRONMENT.globals))
    if unknown:
        return [
            "las instrucciones usan campos que ningún formulario ni servicio define: "
            + ", ".join(unknown)
        ]
    try:
        render_instructions(template, sample)
    except InstructionsError as error:
        return [f"las instrucciones no se pueden mostrar: {error}"]
    return []


def check_text_template(
    template: str, known_names: Collection[str], sample: Mapping[str, Any], label: str
) -> list[str]:
    """Problems of a one-line template (`label` names it): unknown names, a failure or an empty
    text with the `sample` data."""
    try:
        names = _names_used(template)
    except TemplateError as error:
        return [f"{label}: no es una plantilla válida: {_describe(error)}"]
    unknown = sorted(names - set(known_names) - set(_ENVIRONMENT.globals))
    if unknown:
        return [
            f"{label}: usa campos que ningún formulario ni servicio define: " + ", ".join(unknown)
        ]
    try:
        text = render_text(template, sample)
    except InstructionsError as error:
        return [f"{label}: no se puede mostrar: {error}"]
    return [] if text else [f"{label}: queda vacío"]


def _names_used(template: str) -> set[str]:
    tree: nodes.Template = _ENVIRONMENT.parse(template)
    return set(meta.find_undeclared_variables(tree))


def assigned_names(script: str) -> set[str]:
    """Names a (valid) analyst's script assigns at its top level: they become case data."""
    try:
        tree = ast.parse(script)
    except SyntaxError:
        return set()  # the linter reports the script itself
    return {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    }
