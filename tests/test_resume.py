"""Resume: missed events exactly once and in order, then ``sincronizado``, then live."""

import asyncio
import json

import pytest

from sgp_app import create_app, events
from sgp_app.extensions import db
from tests.conftest import PASSWORD, start_module_server
from tests.live import TEST_SECRET, make_user
from tests.ws import Api, connect, recv_events, recv_json, run


@pytest.fixture(scope="module")
def server(module_db_url):
    server = start_module_server(module_db_url)
    yield server
    server.stop(graceful=False)


@pytest.fixture
def token(server):
    return server.login("ana", PASSWORD)


@pytest.fixture
def api(server, token):
    return Api(server, token)


async def open_resuming(server, token, ultimo, how):
    """Connect and ask to resume after ``ultimo`` in one of the three ways the contract allows."""
    if how == "query":
        return await connect(server, token, query=f"ultimo_evento_id={ultimo}")
    ws = await connect(server, token if how == "resume" else None)
    if how == "authenticate":
        await ws.send(json.dumps({"type": "authenticate", "token": token, "ultimo_evento_id": ultimo}))
        assert (await recv_json(ws))["type"] == "authenticated"
    else:
        await ws.send(json.dumps({"type": "resume", "ultimo_evento_id": ultimo}))
    return ws


async def read_until_sincronizado(ws, timeout=10):
    replayed = []
    while True:
        message = await recv_json(ws, timeout)
        if message["type"] == "sincronizado":
            return replayed, message
        replayed.append(message)


@pytest.mark.parametrize("how", ["query", "authenticate", "resume"])
def test_reconnect_gets_missed_events_then_sincronizado_then_live(server, token, api, how):
    async def scenario():
        async with await connect(server, token) as ws:
            await api.create()
            last_seen = (await recv_events(ws, 1))[0]["evento_id"]
        pedido = await api.create()
        await api.patch(pedido["id"], {"status": "em_producao"})
        await api.call("DELETE", f"/pedidos/{pedido['id']}")

        async with await open_resuming(server, token, last_seen, how) as ws:
            replayed, sync = await read_until_sincronizado(ws)
            assert [e["evento_id"] for e in replayed] == [last_seen + 1, last_seen + 2, last_seen + 3]
            assert [e["type"] for e in replayed] == ["pedido_criado", "pedido_atualizado", "pedido_cancelado"]
            assert sync == {"type": "sincronizado", "ultimo_evento_id": last_seen + 3, "completo": True}
            await api.create()
            live = (await recv_events(ws, 1))[0]
            assert live["evento_id"] == last_seen + 4

    run(scenario())


def test_replayed_events_are_exactly_the_stored_ones(server, token, api):
    async def scenario():
        newest = await api.newest_evento_id()
        await api.create(cliente="Papelaria Lua")
        stored = (await api.call("GET", f"/pedidos/eventos?desde={newest}")).json()
        async with await open_resuming(server, token, newest, "query") as ws:
            replayed, _ = await read_until_sincronizado(ws)
        assert replayed == stored

    run(scenario())


def test_nothing_missed_means_sincronizado_with_the_newest_id(server, token, api):
    async def scenario():
        await api.create()
        newest = await api.newest_evento_id()
        async with await open_resuming(server, token, newest, "query") as ws:
            replayed, sync = await read_until_sincronizado(ws)
        assert replayed == []
        assert sync == {"type": "sincronizado", "ultimo_evento_id": newest, "completo": True}

    run(scenario())


def test_resume_beyond_the_newest_event_is_incomplete(server, token, api):
    async def scenario():
        newest = await api.newest_evento_id()
        async with await open_resuming(server, token, newest + 1000, "query") as ws:
            replayed, sync = await read_until_sincronizado(ws)
        assert replayed == []
        assert sync == {"type": "sincronizado", "ultimo_evento_id": newest, "completo": False}

    run(scenario())


def test_resume_during_concurrent_writes_has_no_gap_and_no_duplicate(server, token, api):
    writes = 40

    async def scenario():
        start = await api.newest_evento_id()

        async def writer(n):
            for i in range(writes // 4):
                await api.create(cliente=f"Cliente {n}-{i}")

        writers = asyncio.gather(*(writer(n) for n in range(4)))
        seen = []
        # Keep dropping and resuming while the writers commit.
        while len(seen) < writes:
            ultimo = seen[-1] if seen else start
            async with await open_resuming(server, token, ultimo, "query") as ws:
                replayed, sync = await read_until_sincronizado(ws)
                assert sync["completo"] is True
                seen += [e["evento_id"] for e in replayed]
                assert sync["ultimo_evento_id"] == (seen[-1] if seen else start)
                try:
                    for _ in range(3):
                        seen += [e["evento_id"] for e in await recv_events(ws, 1, timeout=2)]
                except TimeoutError:
                    pass
        await writers
        assert seen == list(range(start + 1, start + writes + 1))

    run(scenario(), timeout=120)


def test_resume_from_a_pruned_id_is_incomplete(live_server, db_url):
    app = create_app({"SGP_DATABASE_URL": db_url, "SGP_SECRET_KEY": TEST_SECRET})
    make_user(app, "ana", PASSWORD)
    server = live_server()
    token = server.login("ana", PASSWORD)
    api = Api(server, token)

    async def scenario():
        for _ in range(6):
            await api.create()
        with app.app_context():
            assert events.prune(retention_days=30, retention_count=2) == 4
            db.session.remove()
        async with await open_resuming(server, token, 1, "query") as ws:
            replayed, sync = await read_until_sincronizado(ws)
        assert replayed == []
        assert sync == {"type": "sincronizado", "ultimo_evento_id": 6, "completo": False}
        # Resuming from an id whose successors are all still stored is complete.
        async with await open_resuming(server, token, 4, "query") as ws:
            replayed, sync = await read_until_sincronizado(ws)
        assert [e["evento_id"] for e in replayed] == [5, 6]
        assert sync["completo"] is True

    run(scenario())
    with app.app_context():
        db.engine.dispose()
