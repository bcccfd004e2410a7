"""Secrets never shown: passwords and tokens in a URL are replaced before it reaches a log or a page.

Used for gunicorn's access lines, the app's own request lines and the broker URL on ``/health``.
"""

import re
from urllib.parse import unquote_plus

REDACTED = "[redacted]"
# Query parameter names that carry a secret, matched after percent-decoding (``%74oken`` is ``token``).
SECRET_NAME = re.compile(r"token|passw|pwd|senha|secret|segredo|key|auth|credential|signature|assinatura", re.I)
# ``name=value`` at the start of a query string, or after ``?``, ``&`` or ``;``; ends at whitespace
# too, so a whole request line (``GET /x?token=… HTTP/1.1``) works.
PARAMETER = re.compile(r"(^|[?&;])([^=&;#?\s]+)=([^&;#\s]*)")
# The user information of an absolute URL: ``redis://user:password@host``.
USERINFO = re.compile(r"(?<=://)[^/?#@\s]*@")


def _parameter(match: re.Match[str]) -> str:
    start, name, _value = match.groups()
    return f"{start}{name}={REDACTED}" if SECRET_NAME.search(unquote_plus(name)) else match.group(0)


def redact(text: str) -> str:
    """``text`` (a URL, a path with its query, a query string or a request line) without secrets."""
    if not text:
        return text
    return PARAMETER.sub(_parameter, USERINFO.sub(f"{REDACTED}@", text))
