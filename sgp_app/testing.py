"""Helpers for a team's own API tests.

Assert which events a request emitted, without opening a socket::

    from sgp_app.testing import capture_eventos

    def test_create_emits_pedido_criado(app, client, auth):
        with capture_eventos(app) as eventos:
            client.post("/pedidos/", json={"cliente": "Ana", "valor_total": "10"}, headers=auth)
        assert [e["type"] for e in eventos] == ["pedido_criado"]

Only committed events are captured, each exactly as it is sent on ``/ws/pedidos``.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask

from .signals import eventos_committed


@contextmanager
def capture_eventos(app: Flask) -> Iterator[list[dict[str, Any]]]:
    """Collect, in a list, every event committed by ``app`` inside the ``with`` block."""
    captured: list[dict[str, Any]] = []

    def receiver(_sender: object, messages: list[dict[str, Any]], **_extra: object) -> None:
        captured.extend(dict(m) for m in messages)

    with eventos_committed.connected_to(receiver, sender=app):
        yield captured
