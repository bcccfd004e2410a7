"""A stream's life in process (a gevent socketpair stands in for the client): what happens when its
token is revoked between the lookup and the registration."""

from datetime import timedelta

import gevent
from gevent import socket as gsocket

from sgp_app.auth.tokens import Sessao
from sgp_app.models import utcnow
from sgp_app.realtime.connection import StreamConnection
from sgp_app.realtime.stream import Stream


def read_all(client, timeout=5):
    client.settimeout(timeout)
    data = b""
    while chunk := client.recv(65536):
        data += chunk
    return data.decode()


def test_a_token_revoked_between_lookup_and_registration_ends_the_stream_with_nothing_sent(app):
    hub = app.extensions["sgp_realtime"]
    server, client = gsocket.socketpair()
    sessao = Sessao(1, "ana", False, "hash-do-token", utcnow() + timedelta(hours=12))  # looked up: valid
    # ... and then revoked, the revocation applied by this worker before the stream registers.
    hub.registry.close_tokens([sessao.token_hash], 1008, "Token inválido ou ausente")
    conn = hub.connection(StreamConnection, server)
    with app.test_request_context("/pedidos/stream"):
        stream = Stream(hub, conn)
        runner = gevent.spawn(stream.run, b"HTTP/1.1 200 OK\r\n\r\n", sessao, None)
        text = read_all(client)
        runner.join(5)
    assert text.endswith('event: encerrado\ndata: {"code":1008,"reason":"Token inválido ou ausente"}\n\n'), text
    with gevent.Timeout(5):
        while len(hub.registry):  # the stream's reader notices its end, and forgets it
            gevent.sleep(0.01)
    assert runner.dead and conn.sock.fileno() == -1
    # Live events fanned out now reach nobody: the stream was never authenticated.
    assert stream.feed.sessao is None
    client.close()
    server.close()
