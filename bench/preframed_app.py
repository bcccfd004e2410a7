"""A pre-framed gevent loop, the fan-out benchmark's inside reference (``--impl preframed``).

The seed's design (bench/naive_app.py: one global set, simple-websocket's reader per socket) with
the one change that matters most to fan-out: each event is serialized and framed once, and the same
bytes are written to every socket with ``sendall``, in a greenlet of its own (not in the request).
"""

import sys
from pathlib import Path

import gevent

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import naive_app  # noqa: E402
from sgp_app.realtime.frames import json_text, text_frame  # noqa: E402
from sgp_app.signals import eventos_committed  # noqa: E402

app = naive_app.app
eventos_committed.disconnect(naive_app.broadcast, sender=app)


def send_all(frame):
    for ws in list(naive_app.clients):
        try:
            ws.sock.sendall(frame)
        except OSError:
            naive_app.clients.discard(ws)


def broadcast(_sender, messages, **_extra):
    for message in messages:
        gevent.spawn(send_all, text_frame(json_text(message).encode()))


eventos_committed.connect(broadcast, sender=app)
