"""Browser-facing protections: CORS for allowed origins, and security headers."""

from flask import Flask, Response
from flask_cors import CORS

from .config import allowed_origins

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; "
        "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
}
EXPOSED = ["Location", "ETag", "Link", "X-Total-Count", "X-Ultimo-Evento-Id", "Retry-After"]


def init_app(app: Flask) -> None:
    origins = allowed_origins(app.config)
    if origins:
        # Bearer tokens only, never cookies: no credentialed CORS, so "*" stays safe.
        CORS(
            app,
            origins="*" if "*" in origins else sorted(origins),
            allow_headers=["Authorization", "Content-Type", "If-Match"],
            expose_headers=EXPOSED,
            methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
            supports_credentials=False,
            send_wildcard="*" in origins,
            max_age=600,
        )

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if response.mimetype == "application/json":
            response.headers.setdefault("Cache-Control", "no-store")
        return response
