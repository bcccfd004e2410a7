"""The broadcaster and the registry in process: a fake broker, fake sockets, the real event log."""

import collections
import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import TimeoutError as PoolTimeout

from sgp_app import create_app, events
from sgp_app.auth import tokens
from sgp_app.extensions import db
from sgp_app.models import Evento, Usuario, utcnow
from sgp_app.pedidos import service
from sgp_app.pedidos.schemas import validate
from sgp_app.realtime import feed as feed_module
from sgp_app.realtime import sse
from sgp_app.realtime.brokers import Broker
from sgp_app.realtime.feed import Feed
from sgp_app.realtime.frames import json_text
from sgp_app.realtime.registry import Registry
from tests.live import TEST_SECRET, make_user


class FakeBroker(Broker):
    """Messages put in by the test, taken out in order; ``connect`` may run a hook (a racing commit)."""

    def __init__(self, on_connect=None):
        self.messages = collections.deque()
        self.on_connect = on_connect
        self.generation = 0

    def connect(self):
        self.generation += 1
        if self.on_connect:
            self.on_connect()

    def publish(self, text):
        self.messages.append(text)

    def next_message(self, timeout=None):
        return self.messages.popleft() if self.messages else None

    def status(self):
        return {"backend": "fake", "state": "connected"}


class FakeSessao:
    username = "ana"

    def __init__(self, token_hash):
        self.token_hash = token_hash


class FakeConn:
    """What a feed needs of a connection; records the event ids, the close and the ``sincronizado``
    it gets. ``on_wait`` runs before each replayed frame (a fault to inject)."""

    kind = "socket"

    def __init__(self, token_hash="t1", max_queue=256, framing=sse.WS):
        self.framing = framing
        self.frames = []
        self.token_hash = token_hash
        self.max_queue = max_queue
        self.received = []
        self.closed = None
        self.opened_at = 0.0
        self.close_code = None
        self.send_timeout = 1.0
        self.sincronizado = None
        self.on_wait = None

    @property
    def closing(self):
        return self.closed is not None

    def event_frame(self, evento_id, tipo, payload):
        return payload

    def wait_for_room(self):
        if self.on_wait:
            self.on_wait()
        return not self.closing

    def send_sincronizado(self, ultimo_evento_id, completo):
        self.sincronizado = (ultimo_evento_id, completo)

    def send_frame(self, frame):
        if self.closed:
            return False
        self.frames.append(frame)
        body = json.loads(frame[frame.index(b"{") :])
        if "evento_id" in body:  # an order event (a reload hint is a ``sincronizado``)
            self.received.append(body["evento_id"])
        return True

    def send_json(self, message):
        self.greetings = [*getattr(self, "greetings", []), (len(self.received), message)]

    def close(self, code, reason="", drop_pending=False):
        self.closed = self.closed or (code, reason)

    def wait_written(self, timeout):
        self.waited = timeout

    def finish(self):
        self.finished = True

    def drop_slow(self):
        self.close(1013, "lento")


def feed_for(conn, app=None, authenticated=True):
    """A real :class:`Feed` over a fake connection, authenticated with the connection's token hash."""
    feed = Feed(hub(app) if app is not None else None, conn)
    feed.sessao = FakeSessao(conn.token_hash) if authenticated else None
    return feed


@pytest.fixture
def hub_app(db_url):
    """An app whose hub uses a fake broker, and a function to commit an order (its event goes to the log)."""
    broker = FakeBroker()
    app = create_app(
        {"TESTING": True, "SGP_DATABASE_URL": db_url, "SGP_SECRET_KEY": TEST_SECRET, "SGP_EVENT_GAP_WAIT": 0.0},
        broker=broker,
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def hub(app):
    return app.extensions["sgp_realtime"]


def commit_order(app, cliente="Gráfica Sol"):
    """Create an order through the service; return its event message (published to the fake broker too)."""
    with app.test_request_context():
        service.create(validate({"cliente": cliente, "valor_total": "10.00"}))
        message = events.eventos_after(events.newest_id() - 1, 1)[0].to_message()
        db.session.remove()
    return message


def live_token_hash(app, username="ana"):
    """A real session token's hash (a replay checks the token against the database)."""
    make_user(app, username, "s3nha-forte")
    with app.app_context():
        token, _ = tokens.issue(db.session.scalar(select(Usuario).where(Usuario.username == username)))
        db.session.commit()
        db.session.remove()
    return tokens.hash_token(token)


def revoke(app, *hashes):
    with app.app_context():
        events.record_revocation(list(hashes))
        db.session.commit()
        db.session.remove()


def subscribed(app, conn=None):
    """The broadcaster after start's first half (expected read, broker connected), with ``conn`` registered."""
    h = hub(app)
    h.registry.add(feed_for(conn or FakeConn()))
    h.broadcaster.subscribe()
    h.broker.messages.clear()
    h.broadcaster.step()  # the catch-up a new subscription asks for
    return h.broadcaster


def test_committed_events_reach_the_broker_through_the_signal(hub_app):
    message = commit_order(hub_app)
    assert json.loads(hub(hub_app).broker.messages[-1]) == message


def test_events_are_delivered_in_id_order_whatever_order_the_broker_brings_them(hub_app):
    conn = FakeConn()
    broadcaster = subscribed(hub_app, conn)
    first, second, third = (commit_order(hub_app) for _ in range(3))
    broker = hub(hub_app).broker
    broker.messages.clear()
    for message in (third, first, second, first, third):  # out of order, with duplicates
        broker.publish(json_text(message))
    for _ in range(5):
        broadcaster.handle(broker.next_message())
    assert conn.received == [first["evento_id"], second["evento_id"], third["evento_id"]]


def test_a_gap_the_broker_never_fills_is_read_back_from_the_log(hub_app):
    conn = FakeConn()
    broadcaster = subscribed(hub_app, conn)
    lost, kept = commit_order(hub_app), commit_order(hub_app)
    broker = hub(hub_app).broker
    broker.messages.clear()
    broker.publish(json_text(kept))  # the broker lost the first one
    broadcaster.step()
    broadcaster.step()  # the gap wait (0 here) is over: catch up from the log
    assert conn.received == [lost["evento_id"], kept["evento_id"]]


def test_a_new_subscription_catches_up_what_passed_meanwhile(hub_app):
    conn = FakeConn()
    broadcaster = subscribed(hub_app, conn)
    missed = commit_order(hub_app)
    broker = hub(hub_app).broker
    broker.messages.clear()
    broker.generation += 1  # the broker lost and regained its subscription
    broadcaster.step()
    assert conn.received == [missed["evento_id"]]


def test_an_event_committed_while_the_broadcaster_subscribes_is_not_lost(hub_app):
    # A commit between reading the log's position and subscribing; the broker does not carry it
    # (not subscribed yet), and it must still be delivered, not dropped as already delivered.
    broker = hub(hub_app).broker
    racing = []
    broker.on_connect = lambda: racing.append(commit_order(hub_app))
    conn = FakeConn()
    hub(hub_app).registry.add(feed_for(conn))
    hub(hub_app).broadcaster.subscribe()
    broker.messages.clear()
    hub(hub_app).broadcaster.step()
    assert conn.received == [racing[0]["evento_id"]]


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[1, 2]",
        '{"type": "pedido_criado"}',
        '{"type": "pedido_criado", "evento_id": "7", "timestamp": "x"}',
        '{"type": "pedido_criado", "evento_id": true, "timestamp": "x"}',
        '{"type": "outro", "evento_id": 1, "timestamp": "x"}',
        '{"control": "tokens_revogados", "evento_id": 1, "tokens": "t1"}',
        '{"control": "outro", "evento_id": 1}',
        "[" * 100_000,
    ],
)
def test_malformed_broker_messages_are_dropped_without_stalling(hub_app, text):
    conn = FakeConn()
    broadcaster = subscribed(hub_app, conn)
    hub(hub_app).broker.publish(text)
    broadcaster.step()  # would raise, and cost the loop a one-second sleep, before
    event = commit_order(hub_app)
    broadcaster.step()
    assert conn.received == [event["evento_id"]] and conn.closed is None


def test_a_forged_far_future_id_is_dropped_after_the_next_look_at_the_log(hub_app):
    conn = FakeConn()
    broadcaster = subscribed(hub_app, conn)
    forged = {"type": "pedido_criado", "evento_id": 10**9, "pedido_id": 1, "status_atual": "pendente",
              "cliente": "x", "valor_total": "1.00", "timestamp": "2026-01-01T00:00:00+00:00"}  # fmt: skip
    broadcaster.handle(json_text(forged))
    assert broadcaster._held
    broadcaster.catch_up()
    assert not broadcaster._held


def test_a_revocation_closes_its_sockets_before_any_later_event_reaches_them(hub_app):
    revoked, other = FakeConn("t1"), FakeConn("t2")
    broadcaster = subscribed(hub_app, revoked)
    hub(hub_app).registry.add(feed_for(other))
    revoke(hub_app, "t1")
    event = commit_order(hub_app)
    broker = hub(hub_app).broker
    broker.messages.clear()
    broker.publish(json_text(event))  # the event arrives; the revocation (an earlier id) does not
    broadcaster.step()
    broadcaster.step()  # the gap is read back: revocation first, then the event
    assert revoked.closed == (1008, "Token inválido ou ausente") and revoked.received == []
    assert other.received == [event["evento_id"]]


def reload_hint(app):
    """Write a reload hint (what an import ends with); return its position."""
    with app.app_context():
        evento_id = events.record_reload("importacao").id
        db.session.commit()
        db.session.remove()
    return evento_id


def test_a_reload_hint_reaches_every_authenticated_feed_as_sincronizado_incompleto(hub_app):
    socket_conn, stream_conn, anonymous = FakeConn("t1"), FakeConn("t2", framing=sse.SSE), FakeConn("t3")
    broadcaster = subscribed(hub_app, socket_conn)
    registry = hub(hub_app).registry
    registry.add(feed_for(stream_conn))
    registry.add(feed_for(anonymous, authenticated=False))
    before = commit_order(hub_app)
    hint = reload_hint(hub_app)
    after = commit_order(hub_app)
    broker = hub(hub_app).broker
    assert json.loads(broker.messages[1]) == {"control": "recarregar", "evento_id": hint, "motivo": "importacao"}
    for _ in range(3):
        broadcaster.step()
    body = {"ultimo_evento_id": hint, "completo": False}
    assert socket_conn.received == [before["evento_id"], after["evento_id"]]
    assert json.loads(socket_conn.frames[1][socket_conn.frames[1].index(b"{") :]) == {"type": "sincronizado", **body}
    assert stream_conn.frames[1] == b"event: sincronizado\ndata: " + json_text(body).encode() + b"\n\n"
    assert anonymous.frames == []


def test_a_reload_hint_the_broker_lost_is_read_back_from_the_log(hub_app):
    conn = FakeConn()
    broadcaster = subscribed(hub_app, conn)
    hint = reload_hint(hub_app)  # written by another process (the import's command): no broker here
    event = commit_order(hub_app)
    broker = hub(hub_app).broker
    broker.messages.clear()
    broker.publish(json_text(event))
    broadcaster.step()
    broadcaster.step()  # the gap is read back: the hint, then the event
    assert b'"ultimo_evento_id":%d' % hint in conn.frames[0] and conn.received == [event["evento_id"]]


def test_a_reload_hint_is_a_whole_position_of_the_log_and_is_pruned_with_it(hub_app):
    first = commit_order(hub_app)["evento_id"]
    reload_hint(hub_app)
    commit_order(hub_app)
    with hub_app.app_context():
        page = events.page(first - 1, 10)
        assert page.complete and page.missing is None and len(page.recargas) == 1  # not taken for pruned
        assert events.prune(retention_days=30, retention_count=1) == 2
        assert events.page(first - 1, 10).missing == (first, first + 1)
        db.session.remove()


# -- replays: per-page completeness, failures, revocations ------------------------------------------


def replaying(app, monkeypatch, orders=6, page=2):
    """A feed with a live token, registered and replaying, after ``orders`` committed orders."""
    monkeypatch.setattr(feed_module, "REPLAY_PAGE", page)
    conn = FakeConn(live_token_hash(app))
    feed = feed_for(conn, app)
    registry = hub(app).registry
    registry.add(feed)
    ids = [commit_order(app)["evento_id"] for _ in range(orders)]
    assert registry.begin_replay(feed)
    return feed, conn, ids


def test_a_replay_sends_every_stored_event_page_by_page_then_sincronizado(hub_app, monkeypatch):
    feed, conn, ids = replaying(hub_app, monkeypatch, orders=5)
    feed.replay(0)
    assert conn.received == ids and conn.sincronizado == (ids[-1], True) and conn.closed is None


def test_a_replay_across_a_reload_hint_sends_every_event_then_says_reload(hub_app, monkeypatch):
    feed, conn, ids = replaying(hub_app, monkeypatch, orders=3)
    reload_hint(hub_app)
    later = commit_order(hub_app)["evento_id"]
    feed.replay(0)
    assert conn.received == [*ids, later] and conn.sincronizado == (later, False) and conn.closed is None
    # Resuming after the hint is whole again.
    conn.sincronizado = None
    assert hub(hub_app).registry.begin_replay(feed)
    feed.replay(later - 1)
    assert conn.sincronizado == (later, True)


def test_a_failed_replay_closes_1011_and_lets_no_newer_live_event_through(hub_app, monkeypatch):
    feed, conn, ids = replaying(hub_app, monkeypatch)
    registry = hub(hub_app).registry
    for live_id in (ids[-1] + 1, ids[-1] + 2):  # live events held while the replay runs
        registry.fan_out(live_id, frame_for(live_id))
    real_page, calls = events.page, []

    def page_or_pool_timeout(after, size):
        calls.append(after)
        if len(calls) == 2:
            raise PoolTimeout("QueuePool limit of size 5 overflow 10 reached")  # every client resumes at once
        return real_page(after, size)

    monkeypatch.setattr(events, "page", page_or_pool_timeout)
    feed.replay(0)
    # The first page went out; nothing after it, neither stored nor live, and no sincronizado.
    assert conn.received == ids[:2] and conn.closed == (1011, "Erro interno") and conn.sincronizado is None
    registry.fan_out(ids[-1] + 3, frame_for(ids[-1] + 3))
    assert conn.received == ids[:2]


def test_pruning_between_replay_pages_ends_the_replay_incomplete(hub_app, monkeypatch):
    feed, conn, ids = replaying(hub_app, monkeypatch)
    waits = []

    def prune_after_the_first_page():
        waits.append(1)
        if len(waits) == 2:  # the client made room for the first page's last frame: the pruner runs
            with hub_app.app_context():
                events.prune(retention_days=30, retention_count=1)
                db.session.remove()

    conn.on_wait = prune_after_the_first_page
    feed.replay(0)
    # Events 3..5 were pruned before the replay read them: it says so instead of skipping them.
    assert conn.received == ids[:2] and conn.sincronizado == (ids[-1], False)


def test_a_replay_from_before_the_oldest_stored_event_is_incomplete_from_the_start(hub_app, monkeypatch):
    feed, conn, ids = replaying(hub_app, monkeypatch)
    with hub_app.app_context():
        events.prune(retention_days=30, retention_count=3)
    feed.replay(0)
    assert conn.received == [] and conn.sincronizado == (ids[-1], False)


def test_a_replay_sends_nothing_once_the_token_is_revoked_in_the_log(hub_app, monkeypatch):
    # The worker has not applied the revocation yet (its broadcaster never ran): the log says it.
    feed, conn, ids = replaying(hub_app, monkeypatch, orders=2)
    with hub_app.app_context():
        tokens.revoke(feed.sessao.token_hash)
        events.record_revocation([feed.sessao.token_hash])
        db.session.commit()
    commit_order(hub_app)  # committed after the revocation
    feed.replay(0)
    assert conn.received == [] and conn.closed == (1008, "Token inválido ou ausente") and conn.sincronizado is None


def test_prune_removes_a_prefix_of_the_log_even_when_older_entries_are_younger(hub_app):
    ids = [commit_order(hub_app)["evento_id"] for _ in range(4)]
    with hub_app.app_context():
        # The second entry is past the retention age (another host's clock, say); the first is not.
        db.session.get(Evento, ids[1]).criado_em = utcnow() - timedelta(days=40)
        db.session.commit()
        events.prune(retention_days=30, retention_count=100)
        assert [e.id for e in events.eventos_after(0, 10)] == ids[2:]


# -- the registry's replay-to-live switch -------------------------------------------------------


def test_live_events_during_a_replay_wait_and_go_out_once_after_it():
    registry, conn = Registry(), FakeConn()
    feed = feed_for(conn)
    registry.add(feed)
    assert registry.begin_replay(feed)
    assert not registry.begin_replay(feed)  # one replay at a time
    for evento_id in (5, 6, 7):
        registry.fan_out(evento_id, frame_for(evento_id))
    assert conn.received == []
    conn.received.extend([4, 5])  # what the replay itself sent from the log
    sent, current = registry.end_replay(feed, last=5)
    assert (sent, current) == (2, 7) and conn.received == [4, 5, 6, 7] and feed.cursor == 7
    registry.fan_out(7, frame_for(7))  # a duplicate after the switch
    registry.fan_out(8, frame_for(8))
    assert conn.received == [4, 5, 6, 7, 8]


def test_a_replay_that_falls_too_far_behind_the_live_events_is_closed_1013():
    registry, conn = Registry(), FakeConn(max_queue=3)
    feed = feed_for(conn)
    registry.add(feed)
    registry.begin_replay(feed)
    for evento_id in range(1, 6):
        registry.fan_out(evento_id, frame_for(evento_id))
    assert len(feed.backlog) == 3 and conn.closed == (1013, "lento")


def test_a_token_revoked_between_lookup_and_registration_is_refused():
    registry, conn, other = Registry(), FakeConn(), FakeConn("t2")
    feed, other_feed = feed_for(conn, authenticated=False), feed_for(other, authenticated=False)
    registry.add(feed)  # looked up, not authenticated yet
    registry.add(other_feed)
    registry.close_tokens(["t1"], 1008, "Token inválido ou ausente")  # the revocation is applied meanwhile
    assert registry.authenticate(feed, FakeSessao("t1")) is False
    assert registry.authenticate(other_feed, FakeSessao("t2")) is True
    assert feed.sessao is None and registry.fan_out(1, frame_for(1)) == 1 and conn.received == []


def test_a_revocation_applied_after_registration_closes_the_connection():
    registry, conn = Registry(), FakeConn()
    feed = feed_for(conn, authenticated=False)
    registry.add(feed)
    assert registry.authenticate(feed, FakeSessao("t1"))
    assert registry.close_tokens(["t1"], 1008, "Token inválido ou ausente") == 1
    assert conn.closed == (1008, "Token inválido ou ausente")


def test_unauthenticated_connections_get_no_events():
    registry, conn = Registry(), FakeConn()
    registry.add(feed_for(conn, authenticated=False))
    assert registry.fan_out(1, frame_for(1)) == 0 and conn.received == []


def frame_for(evento_id):
    return sse.event_frames(evento_id, "pedido_criado", json_text({"evento_id": evento_id}).encode())


def test_each_connection_gets_the_framing_of_its_kind_from_one_set_of_frames():
    registry, socket, stream = Registry(), FakeConn(), FakeConn(framing=sse.SSE)
    for conn in (socket, stream):
        registry.add(feed_for(conn))
    frames = frame_for(9)
    assert registry.fan_out(9, frames) == 2
    assert socket.frames[0] is frames[sse.WS] and stream.frames[0] is frames[sse.SSE]
    assert stream.frames[0] == b'id: 9\nevent: pedido_criado\ndata: {"evento_id":9}\n\n'
    assert socket.frames[0] == b'\x81\x0f{"evento_id":9}'
