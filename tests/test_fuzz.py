"""A socket fuzzer: hostile bytes, frames and JSON never cost other clients their events, nor the worker."""

import asyncio
import json
import random

import pytest

from tests.conftest import PASSWORD, start_module_server
from tests.rawws import frame, handshake
from tests.ws import Api, connect, recv_events, run

SEED = 20261129


@pytest.fixture(scope="module")
def server(module_db_url):
    server = start_module_server(
        module_db_url, SGP_WS_MAX_MESSAGE="65536", SGP_WS_RATE_LIMIT="1000", SGP_WS_RATE_BURST="1000"
    )
    yield server
    server.stop(graceful=False)


def hostile_payloads(rng, token):
    """Frames and byte strings a broken or hostile client might send, in a fixed pseudo-random order."""
    deep = "[" * 30000 + "]" * 30000
    wrong_types = (
        [{"type": "authenticate", "token": value} for value in (None, 1, [], {}, True, "", "x" * 5000)]
        + [{"type": "resume", "ultimo_evento_id": value} for value in (None, -1, 1.5, "abc", [], {}, 10**30)]
        + [{"type": value} for value in (None, 1, [], {}, "")]
        + [{"type": "ping", "timestamp": value} for value in (None, 10**40, [[]], {"a": {"b": "c"}})]
    )
    cases = [
        frame(rng.randbytes(rng.randint(1, 300)), opcode=0x2),  # binary
        frame(b"\xff\xfe\xfd", opcode=0x1),  # invalid UTF-8 text
        frame(deep.encode()),  # deep nesting
        frame(json.dumps({"type": "ping", "timestamp": "x" * 60000}).encode()),  # big but allowed
        frame(b'{"type": "pi', fin=False) + frame(b'ng", "timestamp": 1}', opcode=0x0),  # fragments
        frame(b"\x00" * 10, opcode=0x9),  # a ping from the client
        frame(b"", opcode=0x3),  # reserved opcode
        frame(b'{"type": "ping"}', mask=False),  # unmasked client frame
        rng.randbytes(200),  # garbage instead of frames
        frame(json.dumps({"type": "ping"}).encode()) * 200,  # flood
        frame(b"{}" * 40000),  # over the size limit
    ]
    cases += [frame(json.dumps(message).encode()) for message in wrong_types]
    cases += [frame(rng.randbytes(rng.randint(0, 64)), opcode=rng.choice([0x1, 0x2])) for _ in range(20)]
    rng.shuffle(cases)
    return cases


def attack(port, token, payload):
    """Connect (authenticated half the time), send ``payload``, read a little, hang up."""
    path = f"/ws/pedidos?token={token}" if payload[0] % 2 else "/ws/pedidos"
    sock = handshake(port, path, timeout=5)
    try:
        sock.sendall(payload)
        sock.settimeout(0.3)
        for _ in range(20):
            if not sock.recv(65536):
                break
    except (TimeoutError, ConnectionError, OSError):
        pass
    finally:
        sock.close()


def test_hostile_clients_do_not_disturb_a_healthy_one_or_the_worker(server):
    token = server.login("ana", PASSWORD)
    worker = server.health()["worker"]
    rng = random.Random(SEED)
    api = Api(server, token)

    async def scenario():
        async with await connect(server, token) as healthy:
            for payload in hostile_payloads(rng, token):
                await asyncio.to_thread(attack, server.port, token, payload)
            await api.create(cliente="Depois do ataque")
            event = (await recv_events(healthy, 1, timeout=10))[0]
            assert event["cliente"] == "Depois do ataque"

    run(scenario(), timeout=120)
    assert server.health()["worker"] == worker  # the same worker: it never died


def test_fragmented_message_is_answered_as_one(server):
    token = server.login("ana", PASSWORD)
    sock = handshake(server.port, f"/ws/pedidos?token={token}")
    sock.sendall(frame(b'{"type": "ping", ', fin=False) + frame(b'"timestamp": 42}', opcode=0x0))
    data = b""
    sock.settimeout(5)
    while b'"pong"' not in data:
        data += sock.recv(4096)
    assert b'"timestamp":42' in data
    sock.close()


def test_garbage_before_any_frame_gets_the_socket_closed_not_the_worker(server):
    worker = server.health()["worker"]
    sock = handshake(server.port)
    sock.sendall(bytes(range(256)) * 4)
    sock.settimeout(5)
    try:
        while sock.recv(4096):
            pass
    except (TimeoutError, ConnectionError):
        pass
    sock.close()
    assert server.health()["worker"] == worker
