"""`notify`: a message to a person or a group, written to the outbox with the case.

Parameters: `destinatario` (a username or a group code), `tipo_destinatario` (`"usuario"` or
`"grupo"`: which of the two it is, since a user and a group may share a code), `asunto`,
`mensaje`. Diagrams deployed before `tipo_destinatario` existed keep their former reading,
made explicit when the message is written: the active user of that name if there is one,
otherwise the group.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine import HandlerContext, RecipientKind, ServiceRegistry
from storage.models import User

KINDS: dict[str, RecipientKind] = {"usuario": "user", "grupo": "group"}


def notify(context: HandlerContext) -> dict[str, Any]:
    recipient = str(context.params.get("destinatario") or "").strip()
    if not recipient:
        raise ValueError("la notificación no tiene destinatario")
    named = context.params.get("tipo_destinatario")
    kind: RecipientKind
    if named is None:
        kind = "user" if _is_active_user(context, recipient) else "group"
    elif str(named) in KINDS:
        kind = KINDS[str(named)]
    else:
        raise ValueError(f"tipo_destinatario debe ser «usuario» o «grupo», no «{named}»")
    subject = str(context.params.get("asunto") or context.case.business_key)
    body = str(context.params.get("mensaje") or subject)
    context.notify(
        recipient,
        f"[{context.case.business_key}] {subject}",
        body,
        kind=kind,
    )
    return {"enviada": True, "destinatario": recipient, "tipo_destinatario": named or kind}


def _is_active_user(context: HandlerContext, username: str) -> bool:
    found = context.session.scalar(
        select(User.id).where(User.username == username, User.active.is_(True))
    )
    return found is not None


def register(registry: ServiceRegistry) -> None:
    registry.register("notify")(notify)
