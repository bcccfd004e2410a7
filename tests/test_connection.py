"""``Connection``'s write path in process: a gevent socketpair with small buffers stands in for a client.

Everything the peer receives is parsed with wsproto, as a client would: frames must never
interleave, and the close frame must be the last thing sent.
"""

import json
import socket

import gevent
import pytest
from gevent import socket as gsocket
from wsproto.connection import Connection as WsConnection
from wsproto.connection import ConnectionType
from wsproto.events import CloseConnection, TextMessage

from sgp_app.realtime.connection import Connection
from sgp_app.realtime.frames import json_frame

SMALL = 4096


@pytest.fixture
def pair():
    server, client = gsocket.socketpair()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SMALL)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SMALL)
    yield server, client
    server.close()
    client.close()


def connection(server, max_queue=8, max_queue_bytes=1 << 20):
    return Connection(server, max_queue, send_timeout=5, max_queue_bytes=max_queue_bytes)


def message(n, size):
    return json_frame({"n": n, "pad": "x" * size})


def receive(client, already=b"", timeout=5.0, chunk=1000):
    """Read (slowly, ``chunk`` bytes at a time) until the end and parse, after the bytes ``already`` read.

    Returns ``(numbers, close_code, trailing)``; ``trailing`` counts bytes that came after the
    close frame (there must be none).
    """
    parser = WsConnection(ConnectionType.CLIENT)
    numbers, parts, close_code, trailing = [], [], None, 0
    client.settimeout(timeout)
    pending = [already] if already else []
    while True:
        try:
            data = pending.pop() if pending else client.recv(chunk)
        except TimeoutError:
            break
        if not data:
            break
        if close_code is not None:
            trailing += len(data)
            continue
        parser.receive_data(data)
        for event in parser.events():
            if isinstance(event, TextMessage):
                parts.append(event.data)
                if event.message_finished:
                    numbers.append(json.loads("".join(parts))["n"])
                    parts = []
            elif isinstance(event, CloseConnection):
                close_code = event.code
                client.settimeout(0.2)  # only to see that nothing follows the close
    assert parts == [], "a frame was cut in half"
    return numbers, close_code, trailing


def test_a_client_that_reads_slowly_gets_every_frame_whole_and_in_order(pair):
    server, client = pair
    conn = connection(server, max_queue=100)
    for n in range(40):
        assert conn.send_frame(message(n, 20_000))
    assert conn.behind  # the kernel buffer is full: a writer greenlet owns the socket
    conn.close(1000, "fim")
    numbers, code, trailing = receive(client)
    assert numbers == list(range(40)) and code == 1000 and trailing == 0


def test_a_client_too_far_behind_is_closed_with_1013_and_the_close_is_the_last_frame(pair):
    server, client = pair
    conn = connection(server, max_queue=8)
    accepted = [conn.send_frame(message(n, 20_000)) for n in range(30)]
    assert conn.closing and conn.close_code == 1013
    assert accepted[-1] is False
    numbers, code, trailing = receive(client)
    assert numbers == list(range(len(numbers))) and len(numbers) < 30
    assert code == 1013 and trailing == 0


@pytest.mark.parametrize("first, rest", [(300_000, 20_000), (20_000, 300_000), (5_000, 5_000), (70_000, 100)])
def test_a_close_while_a_frame_is_half_sent_finishes_that_frame_then_closes(pair, first, rest):
    server, client = pair
    conn = connection(server, max_queue=100, max_queue_bytes=10 << 20)
    conn.send_frame(message(0, first))
    for n in range(1, 6):
        conn.send_frame(message(n, rest))
    already = client.recv(SMALL)  # the client reads a little, so the writer is mid-frame at the close
    gevent.sleep(0)
    dropped = len(conn._queue)
    conn.close(1008, "Token inválido ou ausente", drop_pending=True)
    assert conn.send_frame(message(99, 10)) is False  # nothing after the close
    numbers, code, trailing = receive(client, already)
    assert code == 1008 and trailing == 0
    assert numbers == list(range(6 - dropped))  # what was written or in flight, never the queue


def test_two_closes_and_concurrent_senders_never_start_a_second_writer(pair):
    server, client = pair
    conn = connection(server, max_queue=1000)
    conn.send_frame(message(0, 100_000))
    writer = conn._writer
    senders = [gevent.spawn(lambda n=n: conn.send_frame(message(n, 3_000))) for n in range(1, 50)]
    gevent.joinall(senders)
    assert conn._writer is writer  # still the one writer
    conn.close(1013, "a", drop_pending=True)
    conn.close(1008, "b")  # ignored: already closing
    numbers, code, trailing = receive(client)
    assert code == 1013 and trailing == 0 and numbers == list(range(len(numbers)))


def test_a_client_that_closes_while_behind_gets_the_echo_after_the_frame_in_flight(pair):
    server, client = pair
    conn = connection(server, max_queue=100)
    for n in range(20):
        conn.send_frame(message(n, 20_000))
    dropped = len(conn._queue)
    reader = gevent.spawn(receive, client)  # the client goes on reading after its close
    # What the session does when the client's close arrives, then when it ends (finish closes the socket).
    conn.answer_close(1001)
    conn.wait_written(5)
    conn.finish()
    assert server.fileno() == -1
    numbers, code, trailing = reader.get()
    assert code == 1001 and trailing == 0
    assert numbers == list(range(20 - dropped))  # the queue is dropped, the frame in flight finished


def test_the_queue_is_bounded_in_bytes_as_well_as_in_frames(pair):
    server, client = pair
    conn = connection(server, max_queue=1000, max_queue_bytes=200_000)
    sent = 0
    while conn.send_frame(message(sent, 60_000)):
        sent += 1
        assert conn._queued_bytes <= 200_000
    assert sent < 10 and conn.close_code == 1013
    numbers, code, _ = receive(client)
    assert code == 1013 and numbers == list(range(len(numbers)))


def test_a_client_that_reads_on_time_never_gets_a_writer(pair):
    server, client = pair
    conn = connection(server)
    already = b""
    for n in range(20):
        conn.send_frame(message(n, 100))
        assert not conn.behind
        already += client.recv(SMALL)
    conn.close(1000)
    numbers, code, _ = receive(client, already)
    assert numbers == list(range(20)) and code == 1000


def test_a_broken_peer_aborts_the_connection_without_raising(pair):
    server, client = pair
    conn = connection(server, max_queue=100)
    conn.send_frame(message(0, 100_000))
    client.close()
    gevent.sleep(0.05)
    for n in range(1, 5):
        conn.send_frame(message(n, 10))
    gevent.sleep(0.05)
    assert conn.closing and not conn.behind
