"""Dead peers, restarts, limits, CORS, secrets: the service keeps working and loses nothing."""

import asyncio
import json
import signal

import pytest
import requests

from sgp_app import create_app
from tests.conftest import PASSWORD, add_users
from tests.live import LiveServer, wait_for
from tests.rawws import frame, handshake, reset
from tests.services import redis_or_skip, unique_prefix
from tests.ws import Api, connect, expect_close, recv_events, recv_json, run


def test_abrupt_disconnects_leave_no_socket_behind(live_server, db_url):
    add_users(db_url, "ana")
    server = live_server(SGP_WS_PING_INTERVAL="1")
    token = server.login("ana", PASSWORD)
    assert server.health()["sockets"] == 0

    reset_peers = [handshake(server.port, f"/ws/pedidos?token={token}") for _ in range(4)]
    silent_peers = [handshake(server.port, f"/ws/pedidos?token={token}") for _ in range(3)]  # half-open
    assert wait_for(lambda: server.health()["sockets"] == 7)
    for sock in reset_peers:
        reset(sock)
    # The silent peers never answer a ping: they are dropped after a missed pong.
    assert wait_for(lambda: server.health()["sockets"] == 0), server.health()
    for sock in silent_peers:
        sock.close()


def test_close_without_close_frame_then_new_clients_still_work(live_server, db_url):
    add_users(db_url, "ana")
    server = live_server()
    token = server.login("ana", PASSWORD)
    for _ in range(5):
        sock = handshake(server.port, f"/ws/pedidos?token={token}")
        sock.close()  # FIN, no close frame

    async def scenario():
        async with await connect(server, token) as ws:
            await Api(server, token).create()
            assert len(await recv_events(ws, 1)) == 1

    run(scenario())
    assert wait_for(lambda: server.health()["sockets"] == 0)


def _restart_scenario(server, token, restart):
    """Clients and writers run; ``restart`` happens; clients resume; nothing is missing."""
    api = Api(server, token)
    committed = []

    async def writer():
        while len(committed) < 40:
            try:
                response = await api.call("POST", "/pedidos/", json={"cliente": "X", "valor_total": "1"})
            except requests.RequestException:
                await asyncio.sleep(0.1)
                continue
            if response.status_code == 201:
                committed.append(response.json()["id"])

    async def scenario():
        sockets = [await connect(server, token) for _ in range(5)]
        seen = [[] for _ in sockets]
        writing = asyncio.ensure_future(writer())
        while len(committed) < 10:
            await asyncio.sleep(0.05)
        await asyncio.to_thread(restart)
        for ws, got in zip(sockets, seen, strict=True):
            try:
                while True:
                    got.append((await recv_json(ws, 15))["evento_id"])
            except Exception as closed:  # noqa: BLE001 - the close is what we wait for
                assert getattr(closed, "rcvd", None) is not None, f"no close frame: {closed!r}"
                assert closed.rcvd.code == 1001
        await writing
        newest = await api.newest_evento_id()
        for got in seen:
            ultimo = got[-1] if got else 0
            async with await connect(server, token, query=f"ultimo_evento_id={ultimo}") as ws:
                while (message := await recv_json(ws))["type"] != "sincronizado":
                    got.append(message["evento_id"])
                assert message["completo"] is True
            assert got == list(range(got[0], newest + 1))
        listed = (await api.call("GET", "/pedidos/?limit=500")).json()
        assert set(committed) <= {p["id"] for p in listed}

    run(scenario(), timeout=150)


def test_sigterm_closes_sockets_with_1001_and_resume_loses_nothing(db_url):
    add_users(db_url, "ana")
    server = LiveServer(db_url).start()
    token = server.login("ana", PASSWORD)

    def restart():
        server.stop()  # SIGTERM, wait for exit
        server.start()  # same port, same database

    try:
        _restart_scenario(server, token, restart)
    finally:
        server.stop()


def test_sighup_reload_closes_sockets_with_1001_and_resume_loses_nothing(db_url):
    add_users(db_url, "ana")
    server = LiveServer(db_url, workers=2).start()
    token = server.login("ana", PASSWORD)
    try:
        _restart_scenario(server, token, lambda: server.signal(signal.SIGHUP))
    finally:
        server.stop()


def test_message_flood_gets_an_error_then_1008(live_server, db_url):
    add_users(db_url, "ana")
    server = live_server(SGP_WS_RATE_LIMIT="5", SGP_WS_RATE_BURST="5")
    token = server.login("ana", PASSWORD)

    async def scenario():
        async with await connect(server, token) as ws:
            for i in range(30):
                await ws.send(json.dumps({"type": "ping", "timestamp": i}))
            replies = []
            try:
                while True:
                    replies.append(await recv_json(ws))
            except Exception:  # noqa: BLE001 - closing is expected
                pass
            assert [r["type"] for r in replies[:5]] == ["pong"] * 5
            assert {"type": "error", "code": "rate_limited"}.items() <= replies[5].items()
        code, _ = await expect_close(ws)
        assert code == 1008

    run(scenario())


def test_paced_messages_are_never_limited(live_server, db_url):
    add_users(db_url, "ana")
    server = live_server(SGP_WS_RATE_LIMIT="20", SGP_WS_RATE_BURST="5")
    token = server.login("ana", PASSWORD)

    async def scenario():
        async with await connect(server, token) as ws:
            for i in range(15):
                await ws.send(json.dumps({"type": "ping", "timestamp": i}))
                assert (await recv_json(ws))["type"] == "pong"
                await asyncio.sleep(0.1)

    run(scenario())


def test_socket_cap_per_worker_answers_1013(live_server, db_url):
    add_users(db_url, "ana")
    server = live_server(SGP_WS_MAX_CONNECTIONS="3")
    token = server.login("ana", PASSWORD)

    async def scenario():
        held = [await connect(server, token) for _ in range(3)]
        extra = await connect(server, token, greet=False)  # no greeting: it is closed at once
        code, _ = await expect_close(extra)
        assert code == 1013
        await held[0].close()
        await asyncio.sleep(0.5)
        async with await connect(server, token) as again:
            await again.send('{"type": "ping", "timestamp": 0}')
            assert (await recv_json(again))["type"] == "pong"
        for ws in held[1:]:
            await ws.close()

    run(scenario())


def test_login_limit_is_shared_by_workers_through_redis(live_server, db_url):
    url = redis_or_skip()
    add_users(db_url, "ana")
    server = live_server(
        workers=2, SGP_BROKER_URL=url, SGP_BROKER_CHANNEL_PREFIX=unique_prefix(), SGP_LOGIN_RATE_LIMIT="4 per minute"
    )
    statuses = []
    for _ in range(8):  # new connections, so both workers take some
        with requests.Session() as http:
            statuses.append(
                http.post(server.url + "/auth/login", json={"username": "ana", "password": "x"}, timeout=10).status_code
            )
    assert statuses[:4] == [401] * 4
    assert statuses[4:] == [429] * 4


@pytest.fixture
def cors_server(live_server, db_url):
    return live_server(SGP_ALLOWED_ORIGINS="https://painel.example.com")


def test_cors_preflight_from_an_allowed_origin(cors_server):
    response = requests.options(
        cors_server.url + "/pedidos/",
        headers={
            "Origin": "https://painel.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
        timeout=10,
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://painel.example.com"
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_cors_actual_request_exposes_the_api_headers(cors_server):
    response = requests.get(cors_server.url + "/pedidos/", headers={"Origin": "https://painel.example.com"}, timeout=10)
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == "https://painel.example.com"
    assert "X-Total-Count" in response.headers["Access-Control-Expose-Headers"]


def test_cors_preflight_from_a_foreign_origin_gets_no_permission(cors_server):
    response = requests.options(
        cors_server.url + "/pedidos/",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert "Access-Control-Allow-Origin" not in response.headers


def test_wildcard_origin_never_comes_with_credentials(live_server, db_url):
    server = live_server(SGP_ALLOWED_ORIGINS="*")
    response = requests.options(
        server.url + "/pedidos/",
        headers={"Origin": "https://qualquer.example", "Access-Control-Request-Method": "GET"},
        timeout=10,
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_token_in_query_never_reaches_the_access_log(live_server, db_url):
    add_users(db_url, "ana")
    server = live_server(args=["--access-logfile", "-"])
    token = server.login("ana", PASSWORD)
    requests.get(server.url + f"/auth/me?token={token}", timeout=10)

    async def scenario():
        async with await connect(server, token) as ws:
            await ws.send('{"type": "ping", "timestamp": 1}')
            await recv_json(ws)

    run(scenario())
    server.stop()
    log = server.log()
    assert "/auth/me?token=[redacted]" in log  # the line is there, the token is not
    assert token not in log


def test_security_headers_on_http_responses(client):
    response = client.get("/health")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    # Sockets only to the page's own origin ('self' covers ws: and wss: there); the board's
    # Chromium tests show its socket still connects.
    assert "connect-src 'self';" in response.headers["Content-Security-Policy"]
    assert "ws:" not in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "setting, value",
    [
        ("SGP_SECRET_KEY", "curta"),
        ("SGP_ALLOWED_ORIGINS", "painel.example.com"),
        ("SGP_ALLOWED_ORIGINS", "https://painel.example.com/app"),
        ("SGP_WS_SEND_QUEUE", 0),
        ("SGP_WS_MAX_CONNECTIONS", -1),
    ],
)
def test_unsafe_configuration_is_refused_naming_the_setting(db_url, setting, value):
    with pytest.raises(RuntimeError, match=setting):
        create_app({"SGP_DATABASE_URL": db_url, setting: value})


def test_gunicorn_refuses_to_start_with_an_unsafe_configuration(db_url):
    server = LiveServer(db_url, env={"SGP_ALLOWED_ORIGINS": "nao-e-origem"})
    with pytest.raises(RuntimeError):
        server.start(timeout=20)
    server.stop()
    assert "SGP_ALLOWED_ORIGINS" in server.log()


def test_health_reports_database_broker_and_sockets(client):
    body = client.get("/health").get_json()
    assert body["database"]["ok"] is True
    assert body["broker"]["backend"] == "memory"
    assert body["sockets"] == 0


def test_health_says_plainly_that_live_events_need_the_gevent_worker(client):
    body = client.get("/health").get_json()
    assert body["status"] == "degraded"  # the REST API works; live events do not, here
    assert body["live_events"]["ok"] is False
    assert "gunicorn's gevent worker" in body["live_events"]["detail"]


def test_health_describes_the_in_process_broker_without_a_fault(live_server):
    body = live_server().health()
    assert body["status"] == "ok"
    assert body["live_events"] == {"ok": True}
    broker = body["broker"]
    assert broker["state"] == "in-process" and broker["ok"] is True
    assert "connected" not in broker  # before any socket it read "connected": false, like a fault
    assert "event log" in broker["detail"]


def test_raw_frames_reach_the_server_helper(live_server, db_url):
    """Sanity check of the raw peer used by the fuzz tests: a masked ping gets a pong."""
    add_users(db_url, "ana")
    server = live_server()
    token = server.login("ana", PASSWORD)
    sock = handshake(server.port, f"/ws/pedidos?token={token}")
    sock.sendall(frame(b'{"type": "ping", "timestamp": 5}'))
    data = b""
    while b"pong" not in data:
        data += sock.recv(4096)
    sock.close()
