"""``/ws/pedidos`` against a real gunicorn gevent server, with a real ``websockets`` client."""

import asyncio
import http.client
import json

import pytest
import websockets

from tests.conftest import PASSWORD, start_module_server
from tests.ws import Api, connect, expect_close, expect_silence, recv_events, recv_json, run

EVENT_FIELDS = {"type", "evento_id", "pedido_id", "status_atual", "cliente", "valor_total", "timestamp", "usuario"}


@pytest.fixture(scope="module")
def server(module_db_url):
    server = start_module_server(
        module_db_url,
        SGP_WS_AUTH_TIMEOUT="1.5",
        SGP_WS_MAX_MESSAGE="4096",
        SGP_ALLOWED_ORIGINS="http://painel.example",
    )
    yield server
    server.stop(graceful=False)


@pytest.fixture
def token(server):
    return server.login("ana", PASSWORD)


@pytest.fixture
def api(server, token):
    return Api(server, token)


def test_seed_check_connected_then_pong_with_same_timestamp(server, token):
    async def scenario():
        async with await connect(server, token, greet=False) as ws:
            hello = await recv_json(ws)
            assert hello["type"] == "connected"
            assert hello["message"] == "Conectado ao sistema de eventos de pedidos"
            assert hello["timestamp"]
            await ws.send(json.dumps({"type": "ping", "timestamp": "123"}))
            assert await recv_json(ws) == {"type": "pong", "timestamp": "123"}

    run(scenario())


@pytest.mark.parametrize("timestamp", [1732881600123, {"a": [1, 2]}, None, "x", 1.5])
def test_ping_echoes_any_json_timestamp_even_before_auth(server, timestamp):
    async def scenario():
        async with await connect(server) as ws:
            await ws.send(json.dumps({"type": "ping", "timestamp": timestamp}))
            assert await recv_json(ws) == {"type": "pong", "timestamp": timestamp}

    run(scenario())


def test_each_change_reaches_every_authenticated_client_with_the_contract_fields(server, token, api):
    async def scenario():
        by_query = await connect(server, token)
        by_header = await connect(server, headers={"Authorization": f"Bearer {token}"})
        by_message = await connect(server)
        await by_message.send(json.dumps({"type": "authenticate", "token": token}))
        assert await recv_json(by_message) == {
            "type": "authenticated",
            "message": "Autenticação realizada com sucesso",
        }
        anonymous = await connect(server)

        pedido = await api.create(cliente="Gráfica Sol", valor_total="325.00")
        await api.patch(pedido["id"], {"status": "em_producao"})
        await api.call("DELETE", f"/pedidos/{pedido['id']}")

        received = [await recv_events(ws, 3) for ws in (by_query, by_header, by_message)]
        assert received[0] == received[1] == received[2]
        events = received[0]
        assert [(e["type"], e["status_atual"]) for e in events] == [
            ("pedido_criado", "pendente"),
            ("pedido_atualizado", "em_producao"),
            ("pedido_cancelado", "cancelado"),
        ]
        for e in events:
            assert set(e) == EVENT_FIELDS
            assert e["pedido_id"] == pedido["id"]
            assert e["cliente"] == "Gráfica Sol"
            assert e["valor_total"] == "325.00"
            assert e["usuario"]["username"] == "ana" and isinstance(e["usuario"]["id"], int)
            assert isinstance(e["evento_id"], int)
            assert e["timestamp"].endswith("+00:00")
        ids = [e["evento_id"] for e in events]
        assert ids == list(range(ids[0], ids[0] + 3))
        await expect_silence(anonymous)
        for ws in (by_query, by_header, by_message, anonymous):
            await ws.close()

    run(scenario())


def test_rejected_changes_send_nothing(server, token, api):
    async def scenario():
        async with await connect(server, token) as ws:
            pedido = await api.create()
            first = (await recv_events(ws, 1))[0]
            assert (await api.patch(pedido["id"], {"status": "entregue"})).status_code == 409
            assert (await api.patch(pedido["id"], {"valor_total": "-1"})).status_code == 422
            assert (await api.patch(pedido["id"], {"cliente": pedido["cliente"]})).status_code == 200  # no-op
            await expect_silence(ws)
            await api.patch(pedido["id"], {"observacao": "agora sim"})
            second = (await recv_events(ws, 1))[0]
            assert second["evento_id"] == first["evento_id"] + 1

    run(scenario())


def test_unauthenticated_socket_is_closed_after_the_auth_timeout(server):
    async def scenario():
        async with await connect(server) as ws:
            code, _ = await expect_close(ws, timeout=10)
            assert code == 1008

    run(scenario())


@pytest.mark.parametrize("how", ["query", "message", "empty_message"])
def test_bad_token_is_closed_with_1008(server, how):
    async def scenario():
        ws = await connect(server, token="nao-vale" if how == "query" else None)
        if how == "message":
            await ws.send(json.dumps({"type": "authenticate", "token": "nao-vale"}))
        elif how == "empty_message":
            await ws.send(json.dumps({"type": "authenticate"}))
        code, reason = await expect_close(ws)
        assert (code, reason) == (1008, "Token inválido ou ausente")

    run(scenario())


def test_second_authenticate_switches_the_user(server, token):
    other = server.login("bia", PASSWORD)

    async def scenario():
        async with await connect(server, token) as ws:
            await ws.send(json.dumps({"type": "authenticate", "token": other}))
            assert (await recv_json(ws))["type"] == "authenticated"
            # The first user's logout no longer concerns this socket.
            await Api(server, token).call("POST", "/auth/logout")
            await ws.send(json.dumps({"type": "ping", "timestamp": 1}))
            assert (await recv_json(ws))["type"] == "pong"
            await expect_silence(ws, 1.5)
            await Api(server, other).call("POST", "/auth/logout")
            assert (await expect_close(ws))[0] == 1008

    run(scenario())


def test_logout_closes_every_socket_of_that_token(server, token, api):
    async def scenario():
        sockets = [await connect(server, token) for _ in range(3)]
        bystander = await connect(server, server.login("ana", PASSWORD))
        assert (await api.call("POST", "/auth/logout")).status_code == 204
        for ws in sockets:
            assert await expect_close(ws, timeout=3) == (1008, "Token inválido ou ausente")
        await bystander.send(json.dumps({"type": "ping", "timestamp": 2}))
        assert (await recv_json(bystander))["type"] == "pong"
        await bystander.close()

    run(scenario())


def test_foreign_origin_is_refused_at_the_handshake(server):
    async def scenario():
        with pytest.raises(websockets.InvalidStatus) as info:
            await connect(server, origin="http://evil.example")
        assert info.value.response.status_code == 403

    run(scenario())


@pytest.mark.parametrize("origin", ["http://painel.example", "own"])
def test_allowed_and_own_origins_may_connect(server, token, origin):
    own = f"http://127.0.0.1:{server.port}"

    async def scenario():
        async with await connect(server, token, origin=own if origin == "own" else origin) as ws:
            await ws.send(json.dumps({"type": "ping", "timestamp": 3}))
            assert (await recv_json(ws))["type"] == "pong"

    run(scenario())


@pytest.mark.parametrize(
    "message, code",
    [
        ("{nao e json", "invalid_json"),
        (b"\x00\x01binario", "invalid_message"),
        ("[1, 2, 3]", "invalid_message"),
        ('{"sem": "tipo"}', "invalid_message"),
        ('{"type": 7}', "invalid_message"),
        ('"texto"', "invalid_message"),
        ('{"type": "dançar"}', "unknown_type"),
        # These used to end the connection with 1011.
        ('{"type": "resume", "ultimo_evento_id": "\u00b2"}', "invalid_message"),
        ('{"type": "resume", "ultimo_evento_id": 1e400}', "invalid_message"),
        ('{"type": "\\ud800"}', "unknown_type"),
    ],
)
def test_bad_input_gets_an_error_and_the_connection_keeps_working(server, token, api, message, code):
    async def scenario():
        async with await connect(server, token) as ws:
            await ws.send(message)
            reply = await recv_json(ws)
            assert reply["type"] == "error" and reply["code"] == code, reply
            assert reply["message"]
            await api.create()
            assert len(await recv_events(ws, 1)) == 1

    run(scenario())


def test_message_over_the_limit_is_closed_with_1009(server, token):
    async def scenario():
        ws = await connect(server, token)
        await ws.send(json.dumps({"type": "ping", "timestamp": "x" * 5000}))
        assert (await expect_close(ws))[0] == 1009

    run(scenario())


def test_resume_before_authenticating_is_an_error(server):
    async def scenario():
        async with await connect(server) as ws:
            await ws.send(json.dumps({"type": "resume", "ultimo_evento_id": 0}))
            assert (await recv_json(ws))["code"] == "not_authenticated"

    run(scenario())


def test_many_clients_connect_and_leave_cleanly(server, token, api):
    async def scenario():
        sockets = await asyncio.gather(*(connect(server, token) for _ in range(30)))
        await api.create()
        for ws in sockets:
            assert len(await recv_events(ws, 1)) == 1
        await asyncio.gather(*(ws.close() for ws in sockets))

    run(scenario())


# -- more hostile input: echoed or refused, never a 1011 -----------------------------------------


def test_a_lone_surrogate_timestamp_is_echoed_as_sent(server):
    async def scenario():
        async with await connect(server) as ws:
            await ws.send('{"type": "ping", "timestamp": "\\ud800!"}')
            assert await recv_json(ws) == {"type": "pong", "timestamp": "\ud800!"}

    run(scenario())


@pytest.mark.parametrize("value", ["abc", "-1", "%C2%B2", "1.5", ""])
def test_a_garbage_ultimo_evento_id_in_the_url_is_an_error_and_nothing_of_the_url_applies(server, token, api, value):
    async def scenario():
        async with await connect(server, token, query=f"ultimo_evento_id={value}") as ws:
            answer = await recv_json(ws)
            assert answer["type"] == "error" and answer["code"] == "invalid_message", answer
            await api.create()
            await expect_silence(ws, 1.0)  # the client would believe it had resumed: it is not authenticated
            await ws.send(json.dumps({"type": "authenticate", "token": token}))
            assert (await recv_json(ws))["type"] == "authenticated"
            await api.create()
            assert len(await recv_events(ws, 1)) == 1

    run(scenario())


@pytest.mark.parametrize("value", ["abc", -1, 1.5, True, "²", [3]])
def test_a_garbage_ultimo_evento_id_in_authenticate_is_an_error_not_a_silent_live_start(server, token, value):
    async def scenario():
        async with await connect(server) as ws:
            await ws.send(json.dumps({"type": "authenticate", "token": token, "ultimo_evento_id": value}))
            answer = await recv_json(ws)
            assert answer["type"] == "error" and answer["code"] == "invalid_message", answer
            await ws.send(json.dumps({"type": "authenticate", "token": token, "ultimo_evento_id": None}))
            assert (await recv_json(ws))["type"] == "authenticated"  # null: no resume asked

    run(scenario())


def test_a_lone_surrogate_token_is_a_bad_token_not_a_server_error(server):
    async def scenario():
        ws = await connect(server)
        await ws.send('{"type": "authenticate", "token": "\\udc80abc"}')
        assert await expect_close(ws) == (1008, "Token inválido ou ausente")

    run(scenario())


# -- malformed handshakes (they used to answer 500) ------------------------------------------


def raw_upgrade(server, headers):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", "/ws/pedidos", headers={"Upgrade": "websocket", "Connection": "Upgrade", **headers})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_a_handshake_without_a_key_is_400(server):
    status, _, body = raw_upgrade(server, {"Sec-WebSocket-Version": "13"})
    assert status == 400 and json.loads(body)["error"]["code"] == "bad_handshake"
    status, _, _ = raw_upgrade(server, {"Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "curta"})
    assert status == 400


def test_a_handshake_for_another_websocket_version_is_426_naming_13(server):
    status, headers, body = raw_upgrade(server, {"Sec-WebSocket-Version": "8", "Sec-WebSocket-Key": KEY})
    assert status == 426 and headers["Sec-WebSocket-Version"] == "13"
    assert json.loads(body)["error"]["code"] == "upgrade_required"


KEY = "dGhlIHNhbXBsZSBub25jZQ=="


# -- a long replay does not stop the reader ----------------------------------------------------
