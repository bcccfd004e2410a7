"""Operator routes: ``/health``."""

import os
from typing import Any

from flask import Blueprint, current_app
from sqlalchemy import text

from .contract import contract
from .extensions import db
from .realtime.handshake import NEEDS_GEVENT, live_events_available

bp = Blueprint("ops", __name__)


@bp.get("/health")
@contract(access="public", answer={"type": "object"}, also={503: "Database unreachable"}, tag="operacao")
def get_health() -> tuple[dict[str, Any], int]:
    """Database, broker, live events and sockets of the answering worker; 503 without a database."""
    hub = current_app.extensions.get("sgp_realtime")
    try:
        db.session.execute(text("SELECT 1"))
        database: dict[str, Any] = {"ok": True}
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        database = {"ok": False, "error": type(exc).__name__}
    finally:
        db.session.rollback()
    broker = hub.broker.status() if hub else {"backend": None, "state": "absent"}
    broker["ok"] = broker["state"] != "reconnecting"  # events still flow from the event log meanwhile
    realtime: dict[str, Any] = {"ok": hub is not None and live_events_available()}
    if not realtime["ok"]:
        realtime["detail"] = NEEDS_GEVENT if hub else "This app was built without live events."
    feeds = hub.registry.snapshot() if hub else []
    status = "ok" if database["ok"] and broker["ok"] and realtime["ok"] else ("degraded" if database["ok"] else "fail")
    body = {
        "status": status,
        "database": database,
        "broker": broker,
        "live_events": realtime,
        "sockets": sum(f.conn.kind == "socket" for f in feeds),
        "streams": sum(f.conn.kind == "stream" for f in feeds),
        "webhooks": current_app.extensions["sgp_webhooks"].status(),
        "worker": os.getpid(),
    }
    return body, 200 if database["ok"] else 503
