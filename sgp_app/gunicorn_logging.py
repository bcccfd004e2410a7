"""A gunicorn logger whose access lines never show a token."""

import re

from gunicorn.glogging import Logger

TOKEN_IN_QUERY = re.compile(r"((?:^|[?&])(?:token|access_token|session_token)=)[^&\s\"]*", re.IGNORECASE)


def redact(text):
    """``text`` with the value of any ``token=`` query parameter replaced."""
    return TOKEN_IN_QUERY.sub(r"\1[redacted]", text) if text else text


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "q", "f", "U"):
            if key in atoms:
                atoms[key] = redact(atoms[key])
        return atoms
