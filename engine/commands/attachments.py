"""Files uploaded with a form: checked (type, size), stored, and referenced from the form data.

The form data keeps a reference string `adjunto:<sha256>/<filename>` at the field's dotted path.
The reference carries the content's hash, so the audit event that records the submitted data
also seals the file: a changed file no longer matches the hash in the chain.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.errors import ValidationError
from storage.models import Attachment, Case, PendingAttachment

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
REFERENCE_PREFIX = "adjunto:"
_REFERENCE = re.compile(r"^adjunto:(?P<sha256>[0-9a-f]{64})/(?P<filename>.+)$")
_ZIP = (b"PK\x03\x04",)

# Extension -> (content type, accepted leading bytes). The content must start as its type says:
# a renamed executable is refused whatever its name.
ALLOWED_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ZIP,
    ),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    ".odt": ("application/vnd.oasis.opendocument.text", _ZIP),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", _ZIP),
}
ACCEPTED_EXTENSIONS = tuple(sorted(ALLOWED_TYPES))


@dataclass(frozen=True)
class Upload:
    """A file as the user sent it."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class PreparedUpload:
    field: str
    filename: str
    content_type: str
    content: bytes
    sha256: str

    @property
    def reference(self) -> str:
        return f"{REFERENCE_PREFIX}{self.sha256}/{self.filename}"


@dataclass(frozen=True)
class AttachmentRef:
    sha256: str
    filename: str


def parse_reference(value: Any) -> AttachmentRef | None:
    match = _REFERENCE.match(value) if isinstance(value, str) else None
    return AttachmentRef(match["sha256"], match["filename"]) if match else None


def prepare(
    uploads: Mapping[str, Upload], data: dict[str, Any]
) -> tuple[dict[str, Any], list[PreparedUpload]]:
    """Check every upload and put its reference into a copy of `data` at the field's path.

    Raises `ValidationError` (keyed by the field's dotted path) for a refused file.
    """
    errors: dict[str, str] = {}
    prepared: list[PreparedUpload] = []
    for field, upload in uploads.items():
        problem = _problem(upload)
        if problem:
            errors[field] = problem
            continue
        extension = PurePath(upload.filename).suffix.lower()
        prepared.append(
            PreparedUpload(
                field=field,
                filename=_safe_name(upload.filename),
                content_type=ALLOWED_TYPES[extension][0],
                content=upload.content,
                sha256=hashlib.sha256(upload.content).hexdigest(),
            )
        )
    if errors:
        raise ValidationError(errors)
    result = _deep_copy(data)
    for checked in prepared:
        _set_path(result, checked.field, checked.reference)
    return result, prepared


def store(
    session: Session,
    case: Case,
    task_id: int | None,
    prepared: list[PreparedUpload],
    actor: str,
    now: datetime,
) -> None:
    """Write the checked files in the command's transaction (never commits)."""
    for upload in prepared:
        session.add(
            Attachment(
                case_id=case.id,
                task_id=task_id,
                field=upload.field,
                filename=upload.filename,
                content_type=upload.content_type,
                size=len(upload.content),
                sha256=upload.sha256,
                content=upload.content,
                uploaded_by=actor,
                uploaded_at=now,
            )
        )
    session.flush()


def pending_form(task_id: int | None = None, procedure: str | None = None) -> str:
    """The form a kept file belongs to: a task's, or a procedure's start form."""
    return f"tarea:{task_id}" if task_id is not None else f"inicio:{procedure}"


def keep_pending(
    session: Session, owner: str, form: str, uploads: Mapping[str, Upload], now: datetime
) -> dict[str, str]:
    """Keep the acceptable files of a refused form for `owner`; their references by field.

    A file the form sends again for the same field replaces the one kept. Refused files (type,
    size) are left out: their own field error tells the user why.
    """
    references: dict[str, str] = {}
    for path, upload in uploads.items():
        try:
            _, (checked,) = prepare({path: upload}, {})
        except ValidationError:
            continue
        session.execute(
            delete(PendingAttachment).where(
                PendingAttachment.owner == owner,
                PendingAttachment.form == form,
                PendingAttachment.field == path,
            )
        )
        session.add(
            PendingAttachment(
                owner=owner,
                form=form,
                field=path,
                filename=checked.filename,
                content_type=checked.content_type,
                size=len(checked.content),
                sha256=checked.sha256,
                content=checked.content,
                uploaded_at=now,
            )
        )
        references[path] = checked.reference
    session.flush()
    return references


def claim_pending(
    session: Session, owner: str, form: str, data: Any, uploaded: list[PreparedUpload]
) -> list[PreparedUpload]:
    """The kept files of `owner` and `form` that `data` references, as uploads of this
    submission; their pending rows are deleted in the same transaction."""
    fresh = {(upload.sha256, upload.filename) for upload in uploaded}
    wanted = [
        (path, ref)
        for path, ref in _references(data, "")
        if (ref.sha256, ref.filename) not in fresh
    ]
    if not wanted:
        return []
    rows = session.scalars(
        select(PendingAttachment).where(
            PendingAttachment.owner == owner,
            PendingAttachment.form == form,
            PendingAttachment.sha256.in_(sorted({ref.sha256 for _, ref in wanted})),
        )
    ).all()
    kept = {(row.sha256, row.filename): row for row in rows}
    claimed: list[PreparedUpload] = []
    for path, ref in wanted:
        row = kept.get((ref.sha256, ref.filename))
        if row is not None:
            claimed.append(
                PreparedUpload(path, row.filename, row.content_type, row.content, row.sha256)
            )
    for row in rows:
        session.delete(row)
    return claimed


NOT_UPLOADED = (
    "el archivo referenciado no fue cargado en este caso; adjúntelo de nuevo desde el formulario"
)


def check_references(
    session: Session, case_id: int | None, data: Any, uploaded: list[PreparedUpload]
) -> None:
    """Every `adjunto:` reference in `data` must name a file uploaded with it or stored for the
    case `case_id` (same hash and name); anything else is a forged or foreign reference.

    Raises `ValidationError` keyed by each bad reference's dotted path. Reads only.
    """
    found = list(_references(data, ""))
    known = {(upload.sha256, upload.filename) for upload in uploaded}
    missing = {(ref.sha256, ref.filename) for _, ref in found} - known
    if missing and case_id is not None:
        rows = session.execute(
            select(Attachment.sha256, Attachment.filename).where(
                Attachment.case_id == case_id,
                Attachment.sha256.in_(sorted({sha256 for sha256, _ in missing})),
            )
        )
        known |= {(sha256, filename) for sha256, filename in rows}
    errors = {path: NOT_UPLOADED for path, ref in found if (ref.sha256, ref.filename) not in known}
    if errors:
        raise ValidationError(errors)


def _references(data: Any, prefix: str) -> Iterator[tuple[str, AttachmentRef]]:
    if isinstance(data, dict):
        items: Iterable[tuple[Any, Any]] = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        reference = parse_reference(data)
        if reference is not None:
            yield prefix, reference
        return
    for key, value in items:
        yield from _references(value, f"{prefix}.{key}" if prefix else str(key))


def uploads_from_data_urls(
    schema: Mapping[str, Any] | None, data: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Take `data:` URLs out of the schema's `format: data-url` fields (what JSON clients send).

    Each value `data:<type>;name=<file>;base64,<content>` becomes an `Upload`; the field is
    removed from the returned data until `prepare` puts the reference there.
    """
    remaining = _deep_copy(data)
    uploads: dict[str, Upload] = {}
    errors: dict[str, str] = {}
    for path, value in _data_url_fields(schema or {}, remaining, ""):
        if not (isinstance(value, str) and value.startswith("data:")):
            continue
        header, _, payload = value.partition(",")
        name = next(
            (p[5:] for p in header.split(";") if p.startswith("name=")),
            "adjunto",
        )
        try:
            content = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            errors[path] = "el archivo no está codificado en base64"
            continue
        uploads[path] = Upload(name, content)
    if errors:
        raise ValidationError(errors)
    for path in uploads:
        _delete_path(remaining, path)
    return remaining, uploads


def attachment_for(session: Session, case_id: int, attachment_id: int) -> Attachment | None:
    return session.scalars(
        select(Attachment).where(Attachment.case_id == case_id, Attachment.id == attachment_id)
    ).first()


def _problem(upload: Upload) -> str | None:
    extension = PurePath(upload.filename).suffix.lower()
    if not upload.content:
        return "el archivo está vacío"
    if len(upload.content) > MAX_ATTACHMENT_BYTES:
        return f"el archivo supera el tamaño máximo de {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB"
    if extension not in ALLOWED_TYPES:
        return "tipo de archivo no permitido (se aceptan " + ", ".join(ACCEPTED_EXTENSIONS) + ")"
    if not upload.content.startswith(ALLOWED_TYPES[extension][1]):
        return f"el contenido del archivo no corresponde a un archivo {extension}"
    return None


def _safe_name(filename: str) -> str:
    name = PurePath(filename.replace("\\", "/")).name
    name = re.sub(r"[^\w.\- ()áéíóúñÁÉÍÓÚÑ]", "_", name).strip(" .") or "adjunto"
    return name[-150:]


def _data_url_fields(schema: Mapping[str, Any], data: Any, prefix: str) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    if schema.get("format") == "data-url":
        return [(prefix, data)]
    if isinstance(data, dict):
        for name, child in (schema.get("properties") or {}).items():
            if name in data:
                found.extend(_data_url_fields(child, data[name], f"{prefix}.{name}".lstrip(".")))
    if isinstance(data, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(data):
            found.extend(_data_url_fields(schema["items"], item, f"{prefix}.{index}"))
    return found


def _deep_copy(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _deep_copy(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_deep_copy(value) for value in data]
    return data


def _set_path(data: Any, path: str, value: Any) -> None:
    parts = path.split(".")
    target = data
    for part in parts[:-1]:
        target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
    last = parts[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value


def _delete_path(data: Any, path: str) -> None:
    parts = path.split(".")
    target = data
    for part in parts[:-1]:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if isinstance(target, dict):
        target.pop(parts[-1], None)
