"""HTML forms from a task's JSON Schema (and UI schema), and the submitted form back to data.

Field names are the dotted paths the engine's `ValidationError.field_errors` use
(`compromisos.1.responsable`), so each error lands next to its field. Lists of objects work
without JavaScript: the form shows the rows plus a blank one, and "Agregar fila" / "Quitar"
are submit buttons that re-render the form (`Submission.action`) instead of completing it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import FileStorage, MultiDict

from engine.bpm.unavailable_options import pattern_of
from engine.commands.attachments import (
    ACCEPTED_EXTENSIONS,
    MAX_ATTACHMENT_BYTES,
    Upload,
    parse_reference,
)
from engine.people.pickers import picker_of

ACTION_FIELD = "_accion"
ROWS_FIELD_PREFIX = "_filas."
# A required top-level choice named decision… is what the task decides: one button per option.
DECISION_PREFIX = "decision"


@dataclass
class Field:
    path: str
    label: str
    help: str
    # text textarea date number integer select radio buttons checkbox file rows list group person
    kind: str
    required: bool = False
    value: Any = None
    error: str | None = None
    options: list[tuple[str, str]] = field(default_factory=list)
    lines: int = 4
    columns: list[Field] = field(default_factory=list)
    rows: list[list[Field]] = field(default_factory=list)
    item_label: str = "Fila"
    children: list[Field] = field(default_factory=list)
    person_group: str | None = None  # a person picker: only members of this group, if set
    # Options the case rules out (`x-unavailable-when`): value -> why; shown disabled.
    unavailable: dict[str, str] = field(default_factory=dict)

    @property
    def html_id(self) -> str:
        return "campo-" + self.path.replace(".", "-")

    @property
    def described_by(self) -> str:
        ids = []
        if self.help:
            ids.append(self.html_id + "-ayuda")
        if self.error:
            ids.append(self.html_id + "-error")
        return " ".join(ids)

    @property
    def accept(self) -> str:
        return ",".join(ACCEPTED_EXTENSIONS)

    @property
    def max_megabytes(self) -> int:
        return MAX_ATTACHMENT_BYTES // (1024 * 1024)

    @property
    def attachment_name(self) -> str | None:
        reference = parse_reference(self.value)
        return reference.filename if reference else None


@dataclass(frozen=True)
class Submission:
    data: dict[str, Any]
    uploads: dict[str, Upload]
    action: str  # "enviar", "agregar:<path>" or "quitar:<path>.<index>"
    row_counts: dict[str, int]

    @property
    def completes(self) -> bool:
        return self.action == "enviar"


def build_fields(
    schema: Mapping[str, Any],
    ui: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    row_counts: Mapping[str, int] | None = None,
    unavailable: Mapping[str, Mapping[str, str]] | None = None,
) -> list[Field]:
    """The fields to render, in the UI schema's order, with values and errors filled in, and
    the options the case rules out (`TaskDetail.unavailable`) marked with why."""
    fields = _object_fields(schema, ui or {}, data or {}, errors or {}, row_counts or {}, "")
    if unavailable:
        _mark_unavailable(fields, unavailable)
    return fields


def _mark_unavailable(fields: list[Field], unavailable: Mapping[str, Mapping[str, str]]) -> None:
    for f in fields:
        reasons = unavailable.get(pattern_of(f.path))
        if reasons and f.options:
            f.unavailable = {value: reasons[value] for value, _ in f.options if value in reasons}
            if f.value is not None and str(f.value) in f.unavailable:
                f.value = None  # never shown as picked: a disabled input is not sent
        _mark_unavailable(f.children, unavailable)
        _mark_unavailable(f.columns, unavailable)
        for row in f.rows:
            _mark_unavailable(row, unavailable)


def field_labels(fields: list[Field], within: str = "") -> dict[str, str]:
    """Each field's path -> what the user reads as its name ("Compromisos, Compromiso 2, Responsable"),
    so an error summary never shows an internal key."""
    labels: dict[str, str] = {}
    for f in fields:
        label = f"{within} › {f.label}" if within else f.label
        labels[f.path] = label
        if f.kind == "group":
            labels.update(field_labels(f.children, label))
        elif f.kind == "rows":
            for number, row in enumerate(f.rows, start=1):
                labels.update(field_labels(row, f"{label} › {f.item_label} {number}"))
        elif f.kind == "list":
            for row in f.rows:
                labels.update(field_labels(row, label))
    return labels


def decision_field(fields: list[Field]) -> Field | None:
    return next((f for f in fields if f.kind == "buttons"), None)


def _object_fields(
    schema: Mapping[str, Any],
    ui: Mapping[str, Any],
    data: Mapping[str, Any],
    errors: Mapping[str, str],
    row_counts: Mapping[str, int],
    prefix: str,
) -> list[Field]:
    properties: Mapping[str, Any] = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    order = [name for name in ui.get("ui:order", []) if name in properties]
    order += [name for name in properties if name not in order]
    fields = []
    for name in order:
        fields.append(
            _field(
                name,
                properties[name],
                ui.get(name) or {},
                data.get(name) if isinstance(data, Mapping) else None,
                errors,
                row_counts,
                prefix,
                required=name in required,
            )
        )
    return fields


def _field(
    name: str,
    schema: Mapping[str, Any],
    ui: Mapping[str, Any],
    value: Any,
    errors: Mapping[str, str],
    row_counts: Mapping[str, int],
    prefix: str,
    *,
    required: bool,
) -> Field:
    path = f"{prefix}{name}"
    base = Field(
        path=path,
        label=str(schema.get("title") or name),
        help=str(schema.get("description") or ""),
        kind="text",
        required=required,
        value=value,
        error=errors.get(path),
    )
    kind = schema.get("type")
    options = _options(schema)
    widget = ui.get("ui:widget")
    if options:
        base.options = options
        if required and not prefix and name.startswith(DECISION_PREFIX):
            base.kind = "buttons"
        elif widget == "radio" or len(options) <= 3:
            base.kind = "radio"
        else:
            base.kind = "select"
    elif kind == "boolean":
        base.kind = "checkbox"
    elif kind in ("number", "integer"):
        base.kind = str(kind)
    elif kind == "string" and schema.get("format") == "date":
        base.kind = "date"
    elif kind == "string" and schema.get("format") == "data-url":
        base.kind = "file"
    elif kind == "string" and widget == "textarea":
        base.kind = "textarea"
        base.lines = int((ui.get("ui:options") or {}).get("rows", 4))
    elif kind == "object":
        base.kind = "group"
        base.children = _object_fields(
            schema, ui, value if isinstance(value, Mapping) else {}, errors, row_counts, path + "."
        )
    elif kind == "array" and isinstance(schema.get("items"), Mapping):
        item = scalar_item(schema["items"])
        if item is not None:
            _list(base, item, ui.get("items") or {}, value, errors, row_counts)
        else:
            _rows(base, schema["items"], ui.get("items") or {}, value, errors, row_counts)
    _directory_field(base, schema)
    return base


def _directory_field(base: Field, schema: Mapping[str, Any]) -> None:
    """A person picked from the directory (`x-directory`, choices filled in by
    `web.directory_fields`): a select with a name search, whatever the number of options."""
    picker = picker_of(schema)
    if picker is not None and picker.picks == "person":
        base.kind = "person"
        base.person_group = picker.group
    elif picker is not None and base.kind == "radio":
        base.kind = "select"  # an organism list grows; a select stays one line


def scalar_item(item_schema: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The schema of a list's items when each is one value (a text, a date…), else None.

    An item that may be a text or an object (`anyOf`, like P005's attendees) is asked as text:
    the simplest shape the schema accepts.
    """
    for keyword in ("anyOf", "oneOf"):
        alternatives = item_schema.get(keyword)
        if isinstance(alternatives, list) and not _options(item_schema):
            for alternative in alternatives:
                if isinstance(alternative, Mapping) and alternative.get("type") in _SCALARS:
                    outer = {k: v for k, v in item_schema.items() if k != keyword}
                    return {**alternative, **outer}
            return None
    if item_schema.get("type") in _SCALARS or _options(item_schema):
        return item_schema
    return None


_SCALARS = ("string", "number", "integer", "boolean")


def _list(
    base: Field,
    item_schema: Mapping[str, Any],
    item_ui: Mapping[str, Any],
    value: Any,
    errors: Mapping[str, str],
    row_counts: Mapping[str, int],
) -> None:
    """One input per item, each its own row with "Quitar"; the same add/remove as `_rows`."""
    # A text where the list is: what an older version of the form recorded (P002's attendees and
    # agenda were free text), kept as the list's one item rather than hidden.
    legacy = [value] if isinstance(value, str) and value.strip() else []
    items = list(value) if isinstance(value, list) else legacy
    shown = max(len(items) + (0 if items else 1), row_counts.get(base.path, 0))
    base.kind = "list"
    base.item_label = str(item_schema.get("title") or "Elemento")
    base.rows = []
    for index in range(shown):
        item = items[index] if index < len(items) else None
        if isinstance(item, Mapping):  # an attendee given as an object keeps its name
            item = item.get("nombre") or next(iter(item.values()), None)
        cell = _field(
            str(index), item_schema, item_ui, item, errors, {}, f"{base.path}.", required=True
        )
        cell.label = f"{base.item_label} {index + 1}"
        cell.help = ""
        base.rows.append([cell])


def _rows(
    base: Field,
    item_schema: Mapping[str, Any],
    item_ui: Mapping[str, Any],
    value: Any,
    errors: Mapping[str, str],
    row_counts: Mapping[str, int],
) -> None:
    items = [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []
    shown = max(len(items) + (0 if items else 1), row_counts.get(base.path, 0))
    base.kind = "rows"
    base.item_label = str(item_schema.get("title") or "Fila")
    base.columns = _object_fields(item_schema, item_ui, {}, {}, {}, f"{base.path}.#.")
    base.rows = [
        _object_fields(
            item_schema,
            item_ui,
            items[index] if index < len(items) else {},
            errors,
            {},
            f"{base.path}.{index}.",
        )
        for index in range(shown)
    ]


def _options(schema: Mapping[str, Any]) -> list[tuple[str, str]]:
    if isinstance(schema.get("oneOf"), list) and all("const" in o for o in schema["oneOf"]):
        return [(str(o["const"]), str(o.get("title") or o["const"])) for o in schema["oneOf"]]
    if isinstance(schema.get("enum"), list):
        return [(str(value), str(value)) for value in schema["enum"]]
    return []


# -- reading a submission ----------------------------------------------------------------------


def read_submission(
    schema: Mapping[str, Any],
    form: MultiDict[str, str],
    files: MultiDict[str, FileStorage] | None = None,
) -> Submission:
    """Typed form data (blank optional fields left out, blank rows dropped) and the uploads."""
    uploads: dict[str, Upload] = {}
    data = _read_object(schema, form, files or MultiDict(), "", uploads)
    action = form.get(ACTION_FIELD, "enviar")
    row_counts = {
        key[len(ROWS_FIELD_PREFIX) :]: _int(value, 0)
        for key, value in form.items()
        if key.startswith(ROWS_FIELD_PREFIX)
    }
    if action.startswith("agregar:"):
        path = action.split(":", 1)[1]
        row_counts[path] = max(row_counts.get(path, 0), _row_count(data, path)) + 1
    elif action.startswith("quitar:"):
        path, _, index = action.split(":", 1)[1].rpartition(".")
        rows = _rows_at(data, path)
        if rows is not None and index.isdigit() and int(index) < len(rows):
            del rows[int(index)]
        row_counts[path] = max(1, row_counts.get(path, 1) - 1)
    elif action != "enviar":
        action = "enviar"
    return Submission(data, uploads, action, row_counts)


def _read_object(
    schema: Mapping[str, Any],
    form: MultiDict[str, str],
    files: MultiDict[str, FileStorage],
    prefix: str,
    uploads: dict[str, Upload],
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, child in (schema.get("properties") or {}).items():
        path = f"{prefix}{name}"
        kind = child.get("type")
        if kind == "object":
            value: Any = _read_object(child, form, files, path + ".", uploads)
            if value:
                data[name] = value
        elif kind == "array" and isinstance(child.get("items"), Mapping):
            item = scalar_item(child["items"])
            data[name] = (
                _read_list(item, form, path)
                if item is not None
                else _read_rows(child["items"], form, files, path, uploads)
            )
            if not data[name]:
                del data[name]
        elif kind == "string" and child.get("format") == "data-url":
            upload = files.get(path)
            if upload is not None and upload.filename:
                uploads[path] = Upload(upload.filename, upload.read())
                data[name] = ""  # the engine puts the reference here
            elif parse_reference(form.get(path)):
                data[name] = form.get(path)
        elif kind == "boolean":
            data[name] = form.get(path) in ("on", "true", "1", "si")
        else:
            raw = form.get(path, "").strip()
            if raw:
                data[name] = _typed(kind, raw)
    return data


def _read_rows(
    item_schema: Mapping[str, Any],
    form: MultiDict[str, str],
    files: MultiDict[str, FileStorage],
    path: str,
    uploads: dict[str, Upload],
) -> list[Any]:
    pattern = re.compile(rf"^{re.escape(path)}\.(\d+)\.")
    indexes = sorted(
        {int(m.group(1)) for key in [*form.keys(), *files.keys()] if (m := pattern.match(key))}
    )
    rows: list[Any] = []
    for index in indexes:
        row_uploads: dict[str, Upload] = {}
        row = _read_object(item_schema, form, files, f"{path}.{index}.", row_uploads)
        meaningful = {k: v for k, v in row.items() if v not in ("", False, None, [], {})}
        if not meaningful and not row_uploads:
            continue
        # Rows are renumbered without the blank ones: move the uploads' paths along.
        for upload_path, upload in row_uploads.items():
            uploads[f"{path}.{len(rows)}." + upload_path.split(".", 2 + path.count("."))[-1]] = (
                upload
            )
        rows.append(row)
    return rows


def _read_list(item_schema: Mapping[str, Any], form: MultiDict[str, str], path: str) -> list[Any]:
    """The items in the order of their inputs, blank ones dropped."""
    pattern = re.compile(rf"^{re.escape(path)}\.(\d+)$")
    indexed = sorted((int(m.group(1)), key) for key in form if (m := pattern.match(key)))
    kind = item_schema.get("type")
    items: list[Any] = []
    for _, key in indexed:
        raw = form.get(key, "").strip()
        if kind == "boolean":
            items.append(raw in ("on", "true", "1", "si"))
        elif raw:
            items.append(_typed(kind, raw))
    return items


def with_references(data: dict[str, Any], references: Mapping[str, str]) -> dict[str, Any]:
    """`data` with each kept file's reference at its field, so the form shows it attached."""
    for path, reference in references.items():
        target: Any = data
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
        if isinstance(target, list):
            target[int(last)] = reference
        else:
            target[last] = reference
    return data


def _typed(kind: Any, raw: str) -> Any:
    """Numbers as numbers; what does not parse stays text so the schema reports it."""
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            number = float(raw.replace(",", "."))
            return int(number) if number.is_integer() else number
    except ValueError:
        return raw
    return raw


def _int(value: str, default: int) -> int:
    try:
        return max(0, min(int(value), 50))
    except ValueError:
        return default


def _rows_at(data: dict[str, Any], path: str) -> list[Any] | None:
    target: Any = data
    for part in path.split("."):
        if isinstance(target, dict):
            target = target.get(part)
        elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
            target = target[int(part)]
        else:
            return None
    return target if isinstance(target, list) else None


def _row_count(data: dict[str, Any], path: str) -> int:
    rows = _rows_at(data, path)
    return len(rows) if rows is not None else 0
