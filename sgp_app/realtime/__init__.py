"""Live order events on ``/ws/pedidos``: registry, broadcaster, broker, socket route."""

import threading

from flask import current_app

from .. import events
from ..extensions import sock
from .broadcaster import Broadcaster
from .brokers import get_broker
from .janitor import Janitor
from .registry import Registry
from .socket import PATH, Session, check_origin

EXTENSION = "sgp_realtime"


class Hub:
    """This worker's realtime machinery; its greenlets start with the first socket."""

    def __init__(self, app):
        config = app.config
        self.registry = Registry()
        self.broker = get_broker(
            config["SGP_BROKER_URL"], prefix=config["SGP_BROKER_CHANNEL_PREFIX"], max_queue=config["SGP_BROKER_QUEUE"]
        )
        self.broadcaster = Broadcaster(app, self.broker, self.registry)
        self.janitor = Janitor(app, self.registry)
        self._start_lock = threading.Lock()
        self.started = False

    def ensure_started(self):
        with self._start_lock:
            if not self.started:
                self.broadcaster.start()
                self.janitor.start()
                self.started = True

    def on_commit(self, kind, payload):
        """Events listener: hand committed events and revocations to the broker."""
        if kind == "eventos":
            self.broadcaster.publish_eventos(payload)
        elif kind == "token_revogado":
            self.broadcaster.publish_token_revoked(payload)


def current_hub():
    return current_app.extensions[EXTENSION]


@sock.route(PATH)
def pedidos_socket(ws):
    """Order events for browsers and scripts (see the README's protocol section)."""
    hub = current_hub()
    hub.ensure_started()
    Session(hub, ws).run()


def init_app(app):
    hub = app.extensions[EXTENSION] = Hub(app)
    events.add_listener(app, hub.on_commit)
    app.config.setdefault(
        "SOCK_SERVER_OPTIONS",
        {
            "ping_interval": app.config["SGP_WS_PING_INTERVAL"] or None,
            "max_message_size": app.config["SGP_WS_MAX_MESSAGE"],
        },
    )
    app.before_request(check_origin)
    sock.init_app(app)
