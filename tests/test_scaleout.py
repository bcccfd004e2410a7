"""Several workers and hosts: Redis carries events, PostgreSQL orders them, nothing is lost."""

import asyncio
import threading
import time

import psutil
import psycopg
import pytest
import redis
import requests

from sgp_app import create_app
from sgp_app.extensions import db
from sgp_app.realtime.brokers.redis import RedisBroker
from tests.conftest import PASSWORD, add_users
from tests.live import TEST_SECRET
from tests.services import kill_redis_clients, postgres_or_skip, redis_or_skip, unique_prefix
from tests.ws import Api, connect, expect_silence, recv_events, recv_json, run

# With a long poll interval, events can only arrive through the broker (or its catch-up on
# reconnect), which is what these tests are about.
NO_POLL = {"SGP_EVENT_POLL_INTERVAL": "60"}


def redis_env(url, **extra):
    return {"SGP_BROKER_URL": url, "SGP_BROKER_CHANNEL_PREFIX": unique_prefix(), **NO_POLL, **extra}


async def writers(api, threads, each):
    async def writer(n):
        for i in range(each):
            await api.create(cliente=f"Cliente {n}-{i}")

    await asyncio.gather(*(writer(n) for n in range(threads)))


def assert_all_got_every_event(received, total):
    first = received[0][0]
    for got in received:
        assert got == list(range(first, first + total))


async def collect(sockets, total, timeout=30):
    async def one(ws):
        return [e["evento_id"] for e in await recv_events(ws, total, timeout)]

    return await asyncio.gather(*(one(ws) for ws in sockets))


def workers_holding_sockets(server, minimum=2):
    """How many gunicorn workers hold at least ``minimum`` established client connections."""
    busy = 0
    for child in psutil.Process(server.proc.pid).children():
        established = [
            c
            for c in child.net_connections("tcp")
            if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == server.port
        ]
        busy += len(established) >= minimum
    return busy


def test_four_workers_with_redis_deliver_every_event_once_in_order(live_server, db_url):
    url = redis_or_skip()
    add_users(db_url, "ana")
    server = live_server(workers=4, **redis_env(url))
    token = server.login("ana", PASSWORD)
    api = Api(server, token)

    async def scenario():
        await asyncio.sleep(2)  # let every worker finish loading the app
        sockets = []
        for _ in range(4):  # in waves, as browsers arrive: the kernel hands them to idle workers
            sockets += await asyncio.gather(*(connect(server, token) for _ in range(11)))
            await asyncio.sleep(0.2)
        assert workers_holding_sockets(server) >= 2, "the clients did not spread over the workers"
        await writers(api, threads=4, each=10)
        received = await collect(sockets, 40)
        assert_all_got_every_event(received, 40)
        await asyncio.gather(*(expect_silence(ws, 0.3) for ws in sockets))
        await asyncio.gather(*(ws.close() for ws in sockets))

    run(scenario(), timeout=120)


def test_two_instances_share_redis_and_postgres(live_server):
    url = redis_or_skip()
    database = postgres_or_skip()
    add_users(database, "ana")
    env = redis_env(url)
    host_a = live_server(database=database, **env)
    host_b = live_server(database=database, **env)
    token = host_a.login("ana", PASSWORD)  # a token works on every host: it lives in the database

    async def scenario():
        on_a = await connect(host_a, token)
        on_b = await connect(host_b, token)
        await Api(host_b, token).create(cliente="Feito no B")
        await Api(host_a, token).create(cliente="Feito no A")
        got_a = await recv_events(on_a, 2)
        got_b = await recv_events(on_b, 2)
        assert got_a == got_b
        assert [e["cliente"] for e in got_a] == ["Feito no B", "Feito no A"]
        await on_a.close()
        await on_b.close()

    run(scenario())


def test_memory_broker_with_several_workers_still_delivers_every_event(live_server, db_url):
    add_users(db_url, "ana")
    server = live_server(workers=2, SGP_BROKER_URL="memory://")
    token = server.login("ana", PASSWORD)

    async def scenario():
        sockets = await asyncio.gather(*(connect(server, token) for _ in range(12)))
        await writers(Api(server, token), threads=3, each=5)
        assert_all_got_every_event(await collect(sockets, 15), 15)
        await asyncio.gather(*(ws.close() for ws in sockets))

    run(scenario(), timeout=120)


def test_killed_redis_connections_lose_nothing(live_server, db_url):
    url = redis_or_skip()
    add_users(db_url, "ana")
    env = redis_env(url)
    prefix = env["SGP_BROKER_CHANNEL_PREFIX"]
    server = live_server(workers=2, **env)
    token = server.login("ana", PASSWORD)
    api = Api(server, token)

    async def scenario():
        sockets = await asyncio.gather(*(connect(server, token) for _ in range(10)))
        writing = asyncio.ensure_future(writers(api, threads=2, each=15))
        killed = 0
        for _ in range(3):
            await asyncio.sleep(0.3)
            killed += await asyncio.to_thread(kill_redis_clients, url, prefix)
        assert killed >= 2  # each worker's subscriber, at least
        await writing  # every write succeeded (Api.create asserts 201)
        assert_all_got_every_event(await collect(sockets, 30, timeout=45), 30)
        await asyncio.gather(*(expect_silence(ws, 0.3) for ws in sockets))
        await asyncio.gather(*(ws.close() for ws in sockets))

    run(scenario(), timeout=150)


def test_redis_restart_mid_run_loses_nothing(live_server, db_url, private_redis):
    add_users(db_url, "ana")
    server = live_server(workers=2, **redis_env(private_redis.url))
    token = server.login("ana", PASSWORD)
    api = Api(server, token)

    async def scenario():
        sockets = await asyncio.gather(*(connect(server, token) for _ in range(8)))
        await writers(api, threads=2, each=3)
        private_redis.kill()
        await writers(api, threads=2, each=5)  # writes go on while Redis is down
        private_redis.start()
        await writers(api, threads=2, each=3)
        assert_all_got_every_event(await collect(sockets, 22, timeout=60), 22)
        await asyncio.gather(*(expect_silence(ws, 0.3) for ws in sockets))
        await asyncio.gather(*(ws.close() for ws in sockets))

    run(scenario(), timeout=180)


def test_concurrent_writers_on_postgres_never_reorder_and_resume_misses_nothing(live_server):
    url = redis_or_skip()
    database = postgres_or_skip()
    add_users(database, "ana")
    server = live_server(workers=2, database=database, **redis_env(url))
    token = server.login("ana", PASSWORD)
    api = Api(server, token)

    async def scenario():
        sockets = await asyncio.gather(*(connect(server, token) for _ in range(6)))
        await writers(api, threads=6, each=8)
        received = await collect(sockets, 48)
        assert_all_got_every_event(received, 48)
        seen = received[0]
        for ultimo in [seen[0] - 1, *seen]:
            async with await connect(server, token, query=f"ultimo_evento_id={ultimo}") as ws:
                replayed = []
                while (message := await recv_json(ws))["type"] != "sincronizado":
                    replayed.append(message["evento_id"])
                assert replayed == [i for i in seen if i > ultimo]
                assert message["completo"] is True
        await asyncio.gather(*(ws.close() for ws in sockets))

    run(scenario(), timeout=150)


def test_slow_postgres_query_does_not_freeze_the_worker(live_server):
    database = postgres_or_skip()
    add_users(database, "ana")
    server = live_server(database=database)
    token = server.login("ana", PASSWORD)
    auth = {"Authorization": f"Bearer {token}"}
    dsn = database.replace("postgresql+psycopg://", "postgresql://")
    done = threading.Event()
    result = {}

    def create():
        response = requests.post(
            server.url + "/pedidos/", json={"cliente": "A", "valor_total": "1"}, headers=auth, timeout=60
        )
        result["status"] = response.status_code
        done.set()

    # Hold the row every write needs: the create must wait inside PostgreSQL.
    with psycopg.connect(dsn) as blocker:
        blocker.execute("SELECT valor FROM contadores WHERE nome = 'evento' FOR UPDATE")
        thread = threading.Thread(target=create)
        thread.start()
        assert not done.wait(1.0), "the create should be waiting for the lock"

        # The same (only) worker still answers HTTP and WebSocket while that query waits.
        assert requests.get(server.url + "/auth/me", headers=auth, timeout=10).status_code == 200

        async def ping():
            async with await connect(server, token) as ws:
                await ws.send('{"type": "ping", "timestamp": 1}')
                return await recv_json(ws)

        assert run(ping())["type"] == "pong"
        assert not done.is_set()
        blocker.rollback()
    thread.join(30)
    assert result["status"] == 201


def test_a_worker_without_sockets_still_publishes_to_redis():
    url = redis_or_skip()
    prefix = unique_prefix()
    listener = redis.Redis.from_url(url).pubsub(ignore_subscribe_messages=True)
    listener.subscribe(f"{prefix}:eventos")
    broker = RedisBroker(url, prefix=prefix)  # never connect()ed: no socket opened in this worker
    broker.publish('{"evento_id": 1}')
    deadline = time.monotonic() + 10
    message = None
    while message is None and time.monotonic() < deadline:
        message = listener.get_message(timeout=0.5)
    listener.close()
    assert message is not None and message["data"] == b'{"evento_id": 1}'


def test_undecodable_bytes_on_the_redis_channel_are_dropped_without_stalling(hub_app_with_redis):
    app, url, prefix = hub_app_with_redis
    broadcaster = app.extensions["sgp_realtime"].broadcaster
    broadcaster.subscribe()
    broker = broadcaster.broker
    deadline = time.monotonic() + 10
    while broker.next_message(timeout=0.2) is not None or not broker.connected:  # subscribed, drained
        assert time.monotonic() < deadline
    publisher = redis.Redis.from_url(url)
    for _ in range(5):
        publisher.publish(f"{prefix}:eventos", b"\xff\xfe not utf-8 \x80")
    dropped = 0
    while dropped < 5:
        assert time.monotonic() < deadline + 10
        broadcaster.step()  # raised (and cost the loop a one-second sleep each), before
        dropped = broadcaster._malformed
    assert dropped == 5


@pytest.fixture
def hub_app_with_redis(db_url):
    url = redis_or_skip()
    prefix = unique_prefix()
    app = create_app(
        {
            "SGP_DATABASE_URL": db_url,
            "SGP_SECRET_KEY": TEST_SECRET,
            "SGP_BROKER_URL": url,
            "SGP_BROKER_CHANNEL_PREFIX": prefix,
        }  # fmt: skip
    )
    yield app, url, prefix
    with app.app_context():
        db.engine.dispose()
