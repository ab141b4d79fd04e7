"""What a browser would post for a rendered form: the tests fill a form from data, render it
with the page's own macros, and read back the fields the HTML would send."""

from __future__ import annotations

from html.parser import HTMLParser
from io import BytesIO
from typing import Any

from flask import Flask, render_template_string
from werkzeug.datastructures import FileStorage, MultiDict

from web.directory_fields import with_directory_choices
from web.schema_form import build_fields, decision_field

_FORM = (
    '{% import "_form.html" as forms %}{{ forms.form_fields(fields) }}'
    "{% if decision %}{{ forms.decision_buttons(decision) }}{% endif %}"
)


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self.files: list[str] = []
        self.buttons: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind == "file":
                self.files.append(name)
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.values.append((name, a.get("value", "on")))
            else:
                self.values.append((name, a.get("value", "")))
        elif tag == "button" and name and name != "_accion":
            self.buttons.append((name, a.get("value", "")))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.values.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = name, ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.values.append((self._textarea, self._text))
            self._textarea = None


def posted_form(
    app: Flask, schema: dict[str, Any], ui: dict[str, Any], data: dict[str, Any], file: bytes
) -> tuple[MultiDict[str, str], MultiDict[str, FileStorage]]:
    """The form fields and files a browser sends after the user typed `data` into the form
    (each file input gets `file`; the decision is the button whose value the data names)."""
    with app.test_request_context():
        # As the pages do: directory-backed fields list their choices (people, organisms).
        fields = build_fields(with_directory_choices(schema, for_new=True), ui, data)
        html = render_template_string(_FORM, fields=fields, decision=decision_field(fields))
    inputs = _Inputs()
    inputs.feed(html)
    values = MultiDict(inputs.values)
    for name, value in inputs.buttons:
        if str(data.get(name)) == value:
            values.add(name, value)
    values.add("_accion", "enviar")
    files = MultiDict(
        [(name, FileStorage(BytesIO(file), filename="documento.pdf")) for name in inputs.files]
    )
    return values, files
