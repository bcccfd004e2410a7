"""A logout reaches every worker's sockets before any event committed after it, with either broker.

Two gunicorn servers on one database stand for two workers (or hosts): the logout is handled
by one, the token's sockets live on the other, and an order is committed right after.
"""

import asyncio

import pytest

from tests.conftest import PASSWORD, add_users
from tests.services import redis_or_skip, unique_prefix
from tests.sse import SseClient
from tests.ws import Api, ConnectionClosed, connect, recv_events, run


async def messages_until_close(ws, timeout=10):
    """Everything the socket receives until the server closes it, and the close's code and reason."""
    got = []
    try:
        while True:
            got.append(await asyncio.wait_for(ws.recv(), timeout))
    except ConnectionClosed as closed:
        assert closed.rcvd is not None, "cut without a close frame"
        return got, (closed.rcvd.code, closed.rcvd.reason)


@pytest.fixture(params=["memory", "redis"])
def two_servers(request, live_server, db_url):
    add_users(db_url, "ana", "bia")
    env = {}
    if request.param == "redis":
        env = {"SGP_BROKER_URL": redis_or_skip(), "SGP_BROKER_CHANNEL_PREFIX": unique_prefix()}
    return live_server(**env), live_server(**env)


def test_no_event_committed_after_a_logout_reaches_a_socket_of_that_token(two_servers):
    here, there = two_servers
    leaving, staying = here.login("ana", PASSWORD), here.login("bia", PASSWORD)

    async def scenario():
        doomed = [await connect(there, leaving) for _ in range(3)]
        witness = await connect(there, staying)
        await Api(there, staying).create("antes")
        for ws in [*doomed, witness]:
            await recv_events(ws, 1)
        logout = await Api(here, leaving).call("POST", "/auth/logout")
        assert logout.status_code == 204
        after = await Api(there, staying).create("depois")  # heard at once by the other server
        (event,) = await recv_events(witness, 1, timeout=10)
        assert event["pedido_id"] == after["id"]
        for ws in doomed:
            assert await messages_until_close(ws) == ([], (1008, "Token inválido ou ausente"))

    run(scenario())


def test_a_disabled_users_sockets_on_another_server_close_before_the_next_event(two_servers, db_url):
    here, there = two_servers
    add_users(db_url, "chefe", admin=True)
    chefe, bia = here.login("chefe", PASSWORD), here.login("bia", PASSWORD)
    bia_id = next(u["id"] for u in here.request("GET", "/usuarios", chefe).json() if u["username"] == "bia")

    async def scenario():
        sockets = [await connect(there, bia) for _ in range(2)]
        witness = await connect(there, chefe)
        response = await asyncio.to_thread(here.request, "PATCH", f"/usuarios/{bia_id}", chefe, json={"ativo": False})
        assert response.status_code == 200
        await Api(there, chefe).create("depois")
        assert len(await recv_events(witness, 1, timeout=10)) == 1
        for ws in sockets:
            assert await messages_until_close(ws) == ([], (1008, "Token inválido ou ausente"))

    run(scenario())


def test_a_socket_or_stream_opened_while_its_token_logs_out_never_outlives_the_logout(live_server, db_url):
    # The janitor's safety net (every ping interval) is pushed out of reach: only the logout itself
    # may end these connections. Before the fix, 1-2 in 200 kept receiving events.
    add_users(db_url, "ana", "bia")
    server = live_server(SGP_WS_PING_INTERVAL="600")
    other = Api(server, server.login("bia", PASSWORD))

    async def once(use_stream):
        token = await asyncio.to_thread(server.login, "ana", PASSWORD)
        opening = (
            asyncio.to_thread(SseClient, server, f"?token={token}")
            if use_stream
            else connect(server, token, greet=False)
        )
        conn, logout = await asyncio.gather(opening, Api(server, token).call("POST", "/auth/logout"))
        assert logout.status_code == 204
        await other.create()  # committed after the logout
        if use_stream:
            if conn.status == 401:
                return  # looked up after the logout: refused outright
            assert await asyncio.to_thread(conn.ended, 10), "the stream outlived the logout"
            text = conn.buffer.decode()
            assert "pedido_criado" not in text and "encerrado" in text, text
            conn.close()
        else:
            got, close = await messages_until_close(conn)
            assert close[0] == 1008 and not [m for m in got if '"pedido_' in m], got

    async def scenario():
        for i in range(40):
            await once(use_stream=i % 2 == 1)

    run(scenario())
