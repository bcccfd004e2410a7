"""``/ws/pedidos`` against servers of their own (settings or a database the module server cannot share).

On PostgreSQL every test's ``db_url`` empties the one test database, so these live apart from
``test_socket.py``, whose module-wide server would lose its database under them.
"""

import asyncio
import json

from sgp_app import create_app
from sgp_app.extensions import db
from sgp_app.pedidos import service
from sgp_app.pedidos.schemas import validate
from tests.conftest import PASSWORD, add_users
from tests.live import TEST_SECRET, make_user
from tests.ws import connect, expect_close, recv_json, run


def test_expired_token_closes_its_socket(live_server, db_url):
    app = create_app({"SGP_DATABASE_URL": db_url, "SGP_SECRET_KEY": TEST_SECRET})
    make_user(app, "ana", PASSWORD)
    # Tokens live 2.5 s here; the socket must not outlive its token by more than a ping interval.
    expiring = live_server(SGP_TOKEN_TTL_HOURS=str(2.5 / 3600), SGP_WS_PING_INTERVAL="2")
    token = expiring.login("ana", PASSWORD)

    async def scenario():
        async with await connect(expiring, token) as ws:
            started = asyncio.get_running_loop().time()
            assert await expect_close(ws, timeout=15) == (1008, "Token expirado")
            assert asyncio.get_running_loop().time() - started >= 1.5  # not before it expired

    run(scenario())


def test_a_five_thousand_digit_ultimo_evento_id_is_an_error_not_a_crash(live_server, db_url):
    add_users(db_url, "ana")
    server = live_server()  # the default message limit (64 KiB) lets 5,000 digits through
    token = server.login("ana", PASSWORD)
    digits = "9" * 5000  # int() refuses more than 4,300 digits

    async def scenario():
        async with await connect(server) as ws:
            await ws.send(json.dumps({"type": "authenticate", "token": token, "ultimo_evento_id": digits}))
            assert (await recv_json(ws))["code"] == "invalid_message"
            await ws.send(json.dumps({"type": "authenticate", "token": token}))
            assert (await recv_json(ws))["type"] == "authenticated"
            await ws.send(json.dumps({"type": "resume", "ultimo_evento_id": digits}))
            assert (await recv_json(ws))["code"] == "invalid_message"
            await ws.send(json.dumps({"type": "ping", "timestamp": 1}))
            assert (await recv_json(ws))["type"] == "pong"

    run(scenario())


def test_pings_are_answered_while_a_long_replay_is_still_running(live_server, db_url):
    add_users(db_url, "ana")
    app = create_app({"SGP_DATABASE_URL": db_url, "SGP_SECRET_KEY": TEST_SECRET})
    with app.app_context():
        pedido = service.create(validate({"cliente": "Replay", "valor_total": "1"}))
        for i in range(700):
            service.update(pedido.id, validate({"observacao": f"v{i}"}, partial=True), None)
        db.engine.dispose()
    server = live_server(SGP_WS_SEND_BUFFER="4096")
    token = server.login("ana", PASSWORD)

    async def scenario():
        ws = await connect(server, token, query="ultimo_evento_id=0", max_size=None)
        await ws.send(json.dumps({"type": "ping", "timestamp": "durante"}))
        kinds = []
        while "sincronizado" not in kinds:
            kinds.append((await recv_json(ws, timeout=10))["type"])
        await ws.close()
        return kinds

    kinds = run(scenario())
    assert kinds.count("pedido_atualizado") + kinds.count("pedido_criado") == 701
    assert kinds.index("pong") < kinds.index("sincronizado") - 1  # answered mid-replay, not after it


def test_ten_thousand_connects_and_drops_leak_no_descriptor(live_server, db_url):
    """Sockets and streams leave gunicorn's request greenlets after the handshake: whoever closes them,
    and however (a close handshake, a FIN, a reset, half a frame), the worker forgets each and closes
    its descriptor. Counted in the worker's /proc/PID/fd, after 10,000 connects and drops."""
    import os
    import random
    import socket
    from concurrent.futures import ThreadPoolExecutor

    import psutil

    from tests.rawws import frame, handshake, reset

    server = live_server()
    (worker,) = psutil.Process(server.proc.pid).children()
    fds = lambda: len(os.listdir(f"/proc/{worker.pid}/fd"))  # noqa: E731
    server.health()
    baseline = fds()
    rng = random.Random(28)

    def churn(n):
        sock = handshake(server.port)  # the greeting may come with the 101, or after: not read here
        how = rng.choice(("close", "fin", "reset", "half"))
        if how == "close":
            sock.sendall(frame(b"\x03\xe8", opcode=0x8))
            while sock.recv(4096):  # the greeting, the echo, then the server closes
                pass
        elif how == "half":
            sock.sendall(frame(json.dumps({"type": "ping"}).encode())[:5])
        if how == "reset":
            reset(sock)
        else:
            sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        return how

    with ThreadPoolExecutor(16) as pool:
        ways = list(pool.map(churn, range(10_000)))
    assert {w: ways.count(w) for w in set(ways)}.keys() == {"close", "fin", "reset", "half"}

    def settled():
        return server.health()["sockets"] == 0 and fds() <= baseline + 2

    from tests.live import wait_for

    wait_for(settled, timeout=60)
    assert server.health()["sockets"] == 0
