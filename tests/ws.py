"""A small async WebSocket client toolkit for the tests (the ``websockets`` package)."""

import asyncio
import json

import requests
import websockets
from websockets.exceptions import ConnectionClosed

__all__ = ["ConnectionClosed", "connect", "recv_json", "recv_events", "expect_close", "expect_silence", "run"]


def run(coro, timeout=60):
    """Run one async scenario from a sync test, bounded in time."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def connect(server, token=None, query="", headers=None, greet=True, **kwargs):
    """Open ``/ws/pedidos``; consume and check the ``connected`` greeting unless ``greet`` is false."""
    params = [p for p in (f"token={token}" if token else "", query) if p]
    url = server.ws_url + ("?" + "&".join(params) if params else "")
    ws = await websockets.connect(url, additional_headers=headers, open_timeout=10, **kwargs)
    if greet:
        hello = await recv_json(ws)
        assert hello["type"] == "connected", hello
    return ws


async def recv_json(ws, timeout=5):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def recv_events(ws, count, timeout=10):
    """The next ``count`` messages, which must all be order events."""
    got = [await recv_json(ws, timeout) for _ in range(count)]
    assert all(m["type"].startswith("pedido_") for m in got), got
    return got


async def expect_close(ws, timeout=10):
    """Read until the server closes; return ``(code, reason)`` of its close frame."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), timeout)
    except ConnectionClosed as closed:
        assert closed.rcvd is not None, "closed without a close frame"
        return closed.rcvd.code, closed.rcvd.reason


async def expect_silence(ws, wait=0.5):
    """Assert nothing arrives within ``wait`` seconds."""
    try:
        message = await asyncio.wait_for(ws.recv(), wait)
    except TimeoutError:
        return
    raise AssertionError(f"unexpected message: {message}")


class Api:
    """Blocking REST calls against a live server, run off the event loop."""

    def __init__(self, server, token):
        self.server = server
        self.headers = {"Authorization": f"Bearer {token}"}

    def _call(self, method, path, **kwargs):
        response = requests.request(method, self.server.url + path, headers=self.headers, timeout=30, **kwargs)
        return response

    async def call(self, method, path, **kwargs):
        return await asyncio.to_thread(self._call, method, path, **kwargs)

    async def create(self, cliente="Gráfica Sol", valor_total="10.00"):
        response = await self.call("POST", "/pedidos/", json={"cliente": cliente, "valor_total": valor_total})
        assert response.status_code == 201, response.text
        return response.json()

    async def patch(self, pedido_id, body):
        return await self.call("PATCH", f"/pedidos/{pedido_id}", json=body)

    async def newest_evento_id(self):
        response = await self.call("GET", "/pedidos/eventos?desde=0&limit=1")
        return int(response.headers["X-Ultimo-Evento-Id"])
