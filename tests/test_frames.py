"""The pure RFC 6455 part: frames the server writes, read back by wsproto as a client would."""

import json

import pytest
from wsproto.connection import Connection as WsConnection
from wsproto.connection import ConnectionType
from wsproto.events import CloseConnection, Ping, Pong, TextMessage

from sgp_app.realtime import frames


def read(data):
    """The events a client gets from ``data`` (server frames, unmasked)."""
    client = WsConnection(ConnectionType.CLIENT)
    client.receive_data(data)
    return list(client.events())


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536, 200_000])
def test_text_frames_of_every_length_class_parse(size):
    payload = ("é" * size).encode()[:size]
    payload = payload.decode(errors="ignore").encode()
    (event,) = read(frames.text_frame(payload))
    assert isinstance(event, TextMessage) and event.data.encode() == payload and event.message_finished


def test_json_text_is_compact_utf8():
    assert frames.json_text({"cliente": "Gráfica", "n": 1}) == '{"cliente":"Gráfica","n":1}'


def test_a_lone_surrogate_is_escaped_so_the_client_reads_back_the_same_value():
    message = {"type": "pong", "timestamp": "\ud800x"}
    (event,) = read(frames.json_frame(message))
    assert json.loads(event.data) == message


def test_close_frame_carries_code_and_reason_and_fits_a_control_frame():
    (event,) = read(frames.close_frame(1013, "Cliente lento demais"))
    assert isinstance(event, CloseConnection) and (event.code, event.reason) == (1013, "Cliente lento demais")
    long = frames.close_frame(1008, "ç" * 200)  # 400 bytes of reason, cut on a character boundary
    (event,) = read(long)
    assert len(long) <= 2 + 125 and event.reason == "ç" * 61


@pytest.mark.parametrize("code, echoed", [(1000, 1000), (1001, 1001), (4000, 4000), (None, 1000), (1005, 1000)])
def test_a_clients_close_is_echoed_with_a_code_that_may_go_on_the_wire(code, echoed):
    assert frames.echo_close_code(code) == echoed


def test_ping_and_pong_frames():
    ping, pong = read(frames.PING_FRAME + frames.pong_frame(b"x" * 300))
    assert isinstance(ping, Ping) and isinstance(pong, Pong) and len(pong.payload) == 125
