"""`notify`: a message to a person or a group, written to the outbox with the case."""

from __future__ import annotations

from typing import Any

from engine import HandlerContext, ServiceRegistry


def notify(context: HandlerContext) -> dict[str, Any]:
    recipient = str(context.params.get("destinatario") or "").strip()
    if not recipient:
        raise ValueError("la notificación no tiene destinatario")
    subject = str(context.params.get("asunto") or context.case.business_key)
    body = str(context.params.get("mensaje") or subject)
    context.notify(recipient, f"[{context.case.business_key}] {subject}", body)
    return {"enviada": True, "destinatario": recipient}


def register(registry: ServiceRegistry) -> None:
    registry.register("notify")(notify)
