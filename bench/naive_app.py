"""The naive design of the seed, kept as the benchmark's baseline: ``gunicorn naive_app:app``.

One global set of sockets, the send loop inside the request that made the change,
``json.dumps`` once per client, simple-websocket's reader thread per socket. It
serves the same REST API (the real one) and the seed's socket messages.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import request  # noqa: E402
from flask_sock import Sock  # noqa: E402

from sgp_app import create_app  # noqa: E402
from sgp_app.models import utcnow  # noqa: E402
from sgp_app.signals import eventos_committed  # noqa: E402

app = create_app(live_events=False)  # this module brings its own /ws/pedidos
sock = Sock(app)
clients = set()


def broadcast(_sender, messages, **_extra):
    """Runs in the request, after commit: every client, one after the other."""
    for message in messages:
        for ws in list(clients):
            try:
                ws.send(json.dumps(message))
            except Exception:  # noqa: BLE001 - as the seed did: drop the client
                clients.discard(ws)


eventos_committed.connect(broadcast, sender=app)


@app.before_request
def no_compression():
    # Same wire as SGP (no permessage-deflate), so the benchmark client reads both.
    request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)


@sock.route("/ws/pedidos")
def pedidos_socket(ws):
    clients.add(ws)
    try:
        ws.send(
            json.dumps(
                {
                    "type": "connected",
                    "message": "Conectado ao sistema de eventos de pedidos",
                    "timestamp": utcnow().isoformat(),
                }
            )
        )
        while True:
            message = json.loads(ws.receive())
            if message.get("type") == "ping":
                ws.send(json.dumps({"type": "pong", "timestamp": message.get("timestamp")}))
    finally:
        clients.discard(ws)
