"""A gunicorn logger whose access lines never show a password or a token, nor a forged line."""

from typing import Any

from gunicorn.glogging import Logger

from .logs import escape
from .redaction import redact


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "q", "f", "U"):  # request line, query, referer, path
            if key in atoms:
                atoms[key] = redact(atoms[key])
        # Every value a client chose (the path, its headers) could carry a newline: escape them all.
        return {key: escape(value) if isinstance(value, str) else value for key, value in atoms.items()}
