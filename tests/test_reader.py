"""Sockets without a greenlet each, in process: a real :class:`Session` over gevent socket pairs (the
client side speaks WebSocket frames through wsproto), read by its :class:`Reader` from the hub.

Checks readiness (an idle socket is a watcher, no greenlet), frames split across reads, a burst from
many sockets at once, and a peer that vanishes mid-frame; the end-to-end behaviour through gunicorn is
in test_socket*.py and test_server.py.
"""

import gc
import json
from types import SimpleNamespace

import gevent
import pytest
from gevent import socket as gsocket
from wsproto.connection import Connection as WsProtocol
from wsproto.connection import ConnectionType
from wsproto.events import CloseConnection, Ping, TextMessage

from sgp_app.realtime import EXTENSION
from sgp_app.realtime.reader import Reader
from sgp_app.realtime.socket import Session


class Client:
    """The client end of a socket pair, speaking masked WebSocket frames."""

    def __init__(self, sock):
        self.sock = sock
        self.protocol = WsProtocol(ConnectionType.CLIENT)
        self.sock.settimeout(5)

    def frame(self, message):
        return self.protocol.send(TextMessage(data=json.dumps(message)))

    def send(self, message):
        self.sock.sendall(self.frame(message))

    def messages(self, count):
        """The next ``count`` messages from the server (JSON texts parsed; other events as they are)."""
        got = []
        while len(got) < count:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError(f"closed after {got}")
            self.protocol.receive_data(data)
            for event in self.protocol.events():
                got.append(json.loads(event.data) if isinstance(event, TextMessage) else event)
        return got


@pytest.fixture
def hub(app):
    return app.extensions[EXTENSION]


@pytest.fixture
def open_socket(app, hub):
    """``open_socket()``: a session run as the route runs it; returns ``(session, client)`` once greeted."""
    opened = []

    def open_():
        server, client_sock = gsocket.socketpair()
        ws = SimpleNamespace(ws=SimpleNamespace(connection=WsProtocol(ConnectionType.SERVER)), sock=server,
                             connected=True)  # fmt: skip
        with app.test_request_context("/ws/pedidos"):
            session = Session(hub, ws)
            session.run()
        client = Client(client_sock)
        assert client.messages(1)[0]["type"] == "connected"
        opened.append((session, client))
        return session, client

    yield open_
    for _session, client in opened:
        client.sock.close()
    wait_until(lambda: len(hub.registry) == 0)


def wait_until(condition, timeout=5):
    with gevent.Timeout(timeout):
        while not condition():
            gevent.sleep(0.005)


def live_greenlets():
    return sum(1 for o in gc.get_objects() if isinstance(o, gevent.Greenlet) and not o.dead)


def test_open_sockets_are_watchers_and_no_greenlets(open_socket, hub):
    before = live_greenlets()
    opened = [open_socket() for _ in range(50)]
    for _, client in opened:
        client.send({"type": "ping", "timestamp": 0})
        assert client.messages(1) == [{"type": "pong", "timestamp": 0}]
    wait_until(lambda: all(session.reader.watching for session, _ in opened))  # each burst has ended
    assert live_greenlets() - before < 5  # not one per socket
    assert len(hub.registry) == 50


def test_an_open_socket_keeps_nothing_of_its_request(open_socket, hub):
    session, client = open_socket()
    assert ws_ws_dropped(session)
    # Nothing of the request stays: the session keeps a few small attributes, no environ, no context.
    assert not any(isinstance(v, dict) and "wsgi.version" in v for v in vars(session).values())
    assert session.conn.sock is not None and session.conn.sock.fileno() == session.conn.fd
    client.send({"type": "ping", "timestamp": 1})
    assert client.messages(1) == [{"type": "pong", "timestamp": 1}]
    assert len(hub.registry) == 1


def ws_ws_dropped(session):
    return not hasattr(session, "ws")


def test_a_frame_split_across_many_reads_is_one_message(open_socket):
    _session, client = open_socket()
    frame = client.frame({"type": "ping", "timestamp": "partes"})
    for i in range(len(frame)):  # one byte per read, the reader idle in between
        client.sock.sendall(frame[i : i + 1])
        gevent.sleep(0.001)
    assert client.messages(1) == [{"type": "pong", "timestamp": "partes"}]


def test_several_frames_in_one_read_are_each_answered_in_order(open_socket):
    _session, client = open_socket()
    client.sock.sendall(b"".join(client.frame({"type": "ping", "timestamp": n}) for n in range(10)))
    assert [m["timestamp"] for m in client.messages(10)] == list(range(10))


def test_a_burst_from_many_sockets_at_once_is_answered_everywhere(open_socket, hub):
    opened = [open_socket() for _ in range(200)]
    for _, client in opened:
        client.send({"type": "ping", "timestamp": id(client)})
    for _, client in opened:
        assert client.messages(1) == [{"type": "pong", "timestamp": id(client)}]
    assert len(hub.registry) == 200


def test_a_protocol_ping_is_answered_and_a_pong_noted(open_socket):
    session, client = open_socket()
    client.sock.sendall(client.protocol.send(Ping(payload=b"oi")))
    (pong,) = client.messages(1)
    assert pong.payload == b"oi"


def test_a_peer_that_vanishes_mid_frame_is_forgotten_and_its_descriptor_closed(open_socket, hub):
    session, client = open_socket()
    frame = client.frame({"type": "ping", "timestamp": "metade"})
    client.sock.sendall(frame[: len(frame) // 2])
    gevent.sleep(0.02)
    client.sock.close()
    wait_until(lambda: len(hub.registry) == 0)
    assert session.conn.sock.fileno() == -1


def test_the_close_handshake_ends_the_session(open_socket, hub):
    session, client = open_socket()
    client.sock.sendall(client.protocol.send(CloseConnection(code=1000)))
    (echo,) = client.messages(1)
    assert isinstance(echo, CloseConnection) and echo.code == 1000
    wait_until(lambda: len(hub.registry) == 0)
    assert client.sock.recv(10) == b""  # the server closed its end after the echo


def test_a_server_close_waits_for_the_answer_then_ends(open_socket, hub):
    session, client = open_socket()
    session.conn.close(1008, "Token inválido ou ausente")
    (close,) = client.messages(1)
    assert (close.code, close.reason) == (1008, "Token inválido ou ausente")
    assert len(hub.registry) == 1  # still waiting for the client's answer
    client.sock.sendall(client.protocol.send(close.response()))
    wait_until(lambda: len(hub.registry) == 0)


def test_bytes_waiting_before_the_watch_starts_are_read_at_once():
    left, right = gsocket.socketpair()
    got, ended = [], []
    right.sendall(b"antes")
    reader = Reader(left.fileno(), lambda data: got.append(data) or True, lambda: ended.append(True))
    reader.start()
    wait_until(lambda: got == [b"antes"] and reader.watching)
    right.close()
    wait_until(lambda: ended == [True])
    assert not reader.watching
    left.close()


def test_an_owner_that_fails_ends_the_reader_instead_of_leaving_it_deaf(caplog):
    left, right = gsocket.socketpair()
    ended = []

    def boom(_data):
        raise RuntimeError("falhou")

    Reader(left.fileno(), boom, lambda: ended.append(True)).start()
    right.sendall(b"x")
    wait_until(lambda: ended == [True])
    assert "socket reader failed" in caplog.text
    left.close()
    right.close()
