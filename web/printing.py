"""Printed documents as PDF: a Jinja template under templates/print/, laid out by WeasyPrint
with the print stylesheet (static/print.css) the browser also uses when a page is printed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Response, render_template

PRINT_STYLESHEET = Path(__file__).parent / "static" / "print.css"


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    # A document is built from the case's data only: nothing in it may make the server fetch a
    # URL or read a file (the stylesheet is handed over from disk, not linked).
    raise ValueError(f"los documentos impresos no cargan recursos externos ({url})")


def render_pdf(template: str, **context: Any) -> bytes:
    """The template rendered to HTML, then to PDF."""
    # Imported here: WeasyPrint (and Pango behind it) takes a while to load, and only these
    # routes need it.
    from weasyprint import CSS, HTML

    html = render_template(template, **context)
    document = HTML(string=html, url_fetcher=_refuse_fetch)
    stylesheet = CSS(filename=str(PRINT_STYLESHEET), url_fetcher=_refuse_fetch)
    pdf: bytes = document.write_pdf(stylesheets=[stylesheet])
    return pdf


def pdf_response(pdf: bytes, filename: str) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response
