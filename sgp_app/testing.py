"""Helpers for a team's own API tests.

Assert which events a request emitted, without opening a socket::

    from sgp_app.testing import capture_eventos

    def test_create_emits_pedido_criado(app, client, auth):
        with capture_eventos(app) as eventos:
            client.post("/pedidos/", json={"cliente": "Ana", "valor_total": "10"}, headers=auth)
        assert [e["type"] for e in eventos] == ["pedido_criado"]

Only committed events are captured, each exactly as it is sent on ``/ws/pedidos``.
"""

from contextlib import contextmanager

from .signals import eventos_committed


@contextmanager
def capture_eventos(app):
    """Collect, in a list, every event committed by ``app`` inside the ``with`` block."""
    captured = []

    def receiver(_sender, messages, **_extra):
        captured.extend(dict(m) for m in messages)

    with eventos_committed.connected_to(receiver, sender=app):
        yield captured
