"""Response headers every page carries: a strict Content-Security-Policy and its companions."""

from __future__ import annotations

from flask import Flask, Response

# Only our own origin: the intranet has no CDN, and no page needs inline scripts or styles.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    @app.after_request
    def _secure_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if _carries_case_data(response):
            # Case data of one official: no shared, back-button or disk caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _carries_case_data(response: Response) -> bool:
    """Pages, JSON answers, and downloads (attachments, trail exports); not static assets."""
    disposition = response.headers.get("Content-Disposition", "")
    return response.mimetype in ("text/html", "application/json") or disposition.startswith(
        "attachment"
    )
