"""Operator routes: ``/health``."""

import os

from flask import Blueprint, current_app
from sqlalchemy import text

from .extensions import db

bp = Blueprint("ops", __name__)


@bp.get("/health")
def health():
    """Database, broker and sockets of the worker that answers; 503 when the database is unreachable."""
    hub = current_app.extensions["sgp_realtime"]
    try:
        db.session.execute(text("SELECT 1"))
        database = {"ok": True}
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        database = {"ok": False, "error": type(exc).__name__}
    finally:
        db.session.rollback()
    broker = hub.broker.status()
    broker["ok"] = bool(broker["connected"]) or not hub.started
    status = "ok" if database["ok"] and broker["ok"] else ("degraded" if database["ok"] else "fail")
    body = {
        "status": status,
        "database": database,
        "broker": broker,
        "sockets": len(hub.registry),
        "worker": os.getpid(),
    }
    return body, 200 if database["ok"] else 503
