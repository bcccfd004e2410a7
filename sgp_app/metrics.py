"""Prometheus metrics at ``/metrics``, summed over every gunicorn worker.

prometheus_client's multiprocess mode: with ``PROMETHEUS_MULTIPROC_DIR`` set before this module
is imported (``gunicorn.conf.py`` sets it in the master), each worker keeps its values in files
there and ``/metrics`` adds up all of them, whichever worker answers. The master's
``child_exit`` hook drops a dead worker's gauges. Without the variable (tests, ``flask run``),
the values are this process's own.
"""

import os
import time
from datetime import datetime

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from .contract import contract
from .logs import LIVE_PATHS

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

SOCKETS = Gauge(
    "sgp_websocket_connections", "Open WebSocket connections and event streams", multiprocess_mode="livesum"
)
SOCKETS_OPENED = Counter("sgp_websocket_connections_opened", "WebSocket connections accepted")
SLOW_CLIENTS = Counter("sgp_websocket_slow_clients", "Sockets closed with 1013 for falling too far behind")
EVENTS_PUBLISHED = Counter("sgp_events_published", "Committed events handed to the broker")
EVENTS_BROADCAST = Counter("sgp_events_broadcast", "Events fanned out by a worker's broadcaster (once per worker)")
DELIVERIES = Counter("sgp_event_deliveries", "Events written to sockets, one per socket", ["via"])
LIVE_DELIVERIES, REPLAYED_DELIVERIES = DELIVERIES.labels(via="live"), DELIVERIES.labels(via="replay")
DELIVERY_LATENCY = Histogram(
    "sgp_event_delivery_latency_seconds",
    "From an event's commit to its fan-out to this worker's sockets",
    buckets=LATENCY_BUCKETS,
)
WEBHOOK_ATTEMPTS = Counter(
    "sgp_webhook_attempts", "Webhook delivery attempts, by result (delivered: a 2xx answer)", ["result"]
)
WEBHOOK_DELIVERED, WEBHOOK_FAILED = (
    WEBHOOK_ATTEMPTS.labels(result="delivered"),
    WEBHOOK_ATTEMPTS.labels(result="failed"),
)
HTTP_LATENCY = Histogram(
    "sgp_http_request_duration_seconds",
    "HTTP request duration, by route pattern",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)

# Label values come from closed sets, so no client can mint new series (each costs memory in
# every worker and bytes in every scrape): made-up methods count as "other", paths by their
# route pattern, and paths that match no route as "unmatched".
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
@contract(access="public", answer={"type": "string"}, media_type="text/plain", tag="operacao")
def get_metrics() -> tuple[bytes, int, dict[str, str]]:
    """Prometheus text format; every worker's values added up."""
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry), 200, {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"}


def observe_delivery(timestamp: str) -> None:
    """Record how long ago (wall clock) the event stamped ``timestamp`` (ISO 8601) was committed."""
    try:
        committed = datetime.fromisoformat(timestamp).timestamp()
    except (TypeError, ValueError):
        return
    DELIVERY_LATENCY.observe(max(0.0, time.time() - committed))


def init_app(app: Flask) -> None:
    """Serve ``/metrics`` and time every request (from ``g.started``, set by :mod:`sgp_app.logs`)."""
    app.register_blueprint(bp)

    @app.after_request
    def observe_request(response: Response) -> Response:
        if request.path in LIVE_PATHS and response.status_code in (101, 200):
            return response  # a socket's or a stream's lifetime is not a request's latency
        # The route pattern, not the path: /pedidos/<id:pedido_id> is one series, not one per order.
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        method = request.method if request.method in METHODS else "other"
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        HTTP_LATENCY.labels(method, route, str(response.status_code)).observe(elapsed)
        return response
