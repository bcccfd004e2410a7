"""No client can slow down another: stalled readers are cut off, everyone else keeps up."""

import asyncio
import socket

import pytest
import websockets

from tests.conftest import PASSWORD, start_module_server
from tests.sse import SseClient
from tests.ws import Api, connect, expect_close, recv_json, run

ORDERS = 80
STALLED = 3
HEALTHY = 3


@pytest.fixture(scope="module")
def server(module_db_url):
    server = start_module_server(
        module_db_url, SGP_WS_SEND_QUEUE="8", SGP_WS_SEND_BUFFER="4096", SGP_WS_SEND_TIMEOUT="60"
    )
    yield server
    server.stop(graceful=False)


async def connect_stalled(server, token):
    """A client that will never read: tiny receive buffer, and websockets stops reading at once."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    sock.setblocking(False)
    ws = await websockets.connect(f"{server.ws_url}?token={token}", sock=sock, max_queue=1, open_timeout=10)
    assert (await recv_json(ws))["type"] == "connected"
    return ws


def test_stalled_clients_do_not_delay_others_and_are_closed_with_1013(server):
    token = server.login("ana", PASSWORD)
    api = Api(server, token)
    big_name = "Cliente com um nome bem comprido " * 5

    async def collect(ws, into):
        while len(into) < ORDERS:
            message = await recv_json(ws, timeout=30)
            into.append(message["evento_id"])

    async def scenario():
        stalled = [await connect_stalled(server, token) for _ in range(STALLED)]
        healthy = [await connect(server, token) for _ in range(HEALTHY)]
        received = [[] for _ in healthy]
        readers = [asyncio.create_task(collect(ws, got)) for ws, got in zip(healthy, received, strict=True)]

        async def writer(n):
            for _ in range(ORDERS // 4):
                # Api.call has a 30 s timeout: a request that waited on a stalled socket would fail here.
                await api.create(cliente=big_name[: 190 - n])

        await asyncio.gather(*(writer(n) for n in range(4)))
        await asyncio.wait_for(asyncio.gather(*readers), 60)

        first = received[0][0]
        for got in received:
            assert got == list(range(first, first + ORDERS))
        for ws in stalled:
            code, _ = await expect_close(ws, timeout=30)
            assert code == 1013
        assert server.metric("sgp_websocket_slow_clients_total") == STALLED
        for ws in healthy:
            await ws.close()

    run(scenario(), timeout=180)


def test_a_stalled_stream_is_cut_with_its_reason_and_holds_back_nobody(server):
    token = server.login("ana", PASSWORD)
    slow_before = server.metric("sgp_websocket_slow_clients_total")
    stalled = SseClient(server, f"?token={token}", rcvbuf=4096)  # reads nothing until the end
    healthy = SseClient(server, f"?token={token}")
    try:
        created = [
            server.request("POST", "/pedidos/", token, json={"cliente": "Cliente com um nome comprido " * 6}).json()
            for _ in range(ORDERS)
        ]
        assert [m["data"]["pedido_id"] for m in healthy.events(ORDERS)] == [p["id"] for p in created]
        got = []
        while (message := stalled.next())["event"] != "encerrado":
            got.append(message["data"]["pedido_id"])
        assert message["data"]["code"] == 1013
        assert got == [p["id"] for p in created][: len(got)] and len(got) < ORDERS
        assert stalled.ended()
        assert server.metric("sgp_websocket_slow_clients_total") == slow_before + 1
    finally:
        stalled.close()
        healthy.close()
