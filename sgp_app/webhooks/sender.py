"""One webhook attempt: the signed POST, through a connection pool that connects only where
:mod:`~sgp_app.webhooks.targets` allows. No database, no retries: those are the delivery loop's."""

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass

import gevent
import httpcore

from .targets import CheckedBackend, TargetRefused, normalize_url

log = logging.getLogger(__name__)

USER_AGENT = b"SGP-Webhooks/1"


def sign(segredo: str, timestamp: int, body: bytes) -> str:
    """``X-SGP-Assinatura``: ``sha256=`` and the hex HMAC-SHA256 of ``"<timestamp>.<body>"``."""
    mac = hmac.new(segredo.encode(), b"%d." % timestamp + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


@dataclass(frozen=True)
class Attempt:
    """What one POST came to: the status (``None`` when no answer came, ``erro`` then says why)."""

    status: int | None
    erro: str | None
    duracao_ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Sender:
    """Posts events to receivers, each wait bounded by ``timeout`` seconds and the whole exchange by one more.

    :param allow_private: ``SGP_WEBHOOK_ALLOW_PRIVATE``: loopback and private targets allowed.
    """

    def __init__(self, timeout: float, allow_private: bool) -> None:
        self.timeout = timeout
        self.pool = httpcore.ConnectionPool(
            network_backend=CheckedBackend(allow_private), max_connections=100, keepalive_expiry=30.0
        )

    def post(self, url: str, segredo: str, evento_id: int, body: bytes) -> Attempt:
        """One signed attempt. Never raises: whatever goes wrong is this attempt's ``erro``.

        The answer's body is never read, and redirects are not followed (a 3xx is a failure).
        """
        timestamp = int(time.time())
        headers = [
            (b"Content-Type", b"application/json"),
            (b"User-Agent", USER_AGENT),
            (b"X-SGP-Evento-Id", str(evento_id).encode()),
            (b"X-SGP-Timestamp", str(timestamp).encode()),
            (b"X-SGP-Assinatura", sign(segredo, timestamp, body).encode()),
        ]
        timeout = self.timeout
        waits = {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
        started = time.perf_counter()
        status = erro = None
        try:
            target = normalize_url(url)  # an URL stored before URLs were normalized on saving, say
            # httpcore's timeouts bound each wait; this bounds the whole exchange (a receiver that drips).
            with (
                gevent.Timeout(timeout + 1),
                self.pool.stream(
                    "POST", target, headers=headers, content=body, extensions={"timeout": waits}
                ) as response,
            ):
                status = response.status
        except httpcore.TimeoutException:
            erro = f"Sem resposta em {timeout:g}s"
        except gevent.Timeout:
            erro = f"A resposta não terminou em {timeout + 1:g}s"
        except TargetRefused as exc:
            erro = str(exc)[:300]
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as exc:
            erro = (str(exc) or type(exc).__name__)[:300]
        except Exception as exc:  # noqa: BLE001 - a library's surprise must not stop the endpoint
            log.warning("webhook attempt failed unexpectedly: %r", exc)
            erro = f"Erro inesperado: {type(exc).__name__}"
        return Attempt(status, erro, round((time.perf_counter() - started) * 1000))
