"""A gunicorn logger whose access lines never show a password or a token."""

from gunicorn.glogging import Logger

from .redaction import redact


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "q", "f", "U"):  # request line, query, referer, path
            if key in atoms:
                atoms[key] = redact(atoms[key])
        return atoms
