"""Webhooks: admin routes over the endpoints, and their delivery from the event log."""

from flask import Flask

from .. import signals
from ..realtime.handshake import live_events_available
from .delivery import Dispatcher
from .views import bp

EXTENSION = "sgp_webhooks"

__all__ = ["EXTENSION", "bp", "init_app", "start"]


def init_app(app: Flask) -> None:
    dispatcher = app.extensions[EXTENSION] = Dispatcher(app)
    signals.eventos_committed.connect(dispatcher.notify, sender=app, weak=False)
    app.register_blueprint(bp)


def start(app: Flask) -> None:
    """Start delivering in this process (gunicorn's ``post_worker_init``): it needs gevent."""
    if live_events_available():
        app.extensions[EXTENSION].start()


def stop(app: Flask) -> None:
    app.extensions[EXTENSION].stop()
