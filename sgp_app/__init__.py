"""SGP: orders for small production shops, with live events on ``/ws/pedidos``."""

import os
from collections.abc import Mapping, MutableMapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import cli, config, db, errors, logs, metrics, openapi, ops, realtime, retention, security, webhooks
from .arquivos import bp as arquivos_bp
from .auth.views import bp as auth_bp
from .board import bp as board_bp
from .catalogos import bp as catalogos_bp
from .clientes import bp as clientes_bp
from .docs import bp as docs_bp
from .extensions import limiter
from .http import STREAMED_BODIES, ChunkedBodyLimit, IdConverter, JSONProvider, refuse_marked_bodies
from .pedidos import bp as pedidos_bp
from .provas import bp as provas_bp
from .realtime.brokers import Broker
from .relatorios import bp as relatorios_bp
from .usuarios import bp as usuarios_bp


def create_app(
    test_config: Mapping[str, Any] | None = None, *, broker: Broker | None = None, live_events: bool = True
) -> Flask:
    """Build the application.

    Settings come from :data:`sgp_app.config.DEFAULTS`, then ``instance/config.py``,
    then ``SGP_*`` environment variables, then ``test_config``.

    :param broker: a :class:`~sgp_app.realtime.brokers.Broker` to carry events instead of the
        one ``SGP_BROKER_URL`` names (tests, benchmarks).
    :param live_events: ``False`` leaves out ``/ws/pedidos`` and its machinery (a benchmark's
        baseline that brings its own socket route).
    """
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["id"] = IdConverter
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config.DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    config.load_environment(app.config)
    if test_config is not None:
        app.config.from_mapping(test_config)
    config.check(app.config)

    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SGP_DATABASE_URL"] or (
        "sqlite:///" + os.path.join(app.instance_path, "sgp.sqlite3")
    )
    app.config["SECRET_KEY"] = app.config["SGP_SECRET_KEY"] or config.instance_secret_key(app.instance_path)
    app.config["MAX_CONTENT_LENGTH"] = app.config["SGP_MAX_BODY_BYTES"]
    # A failed statement's message would otherwise carry its parameters (a customer's name,
    # phone, notes) into the log with the traceback.
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})["hide_parameters"] = True
    _limiter_storage(app.config)
    app.json = JSONProvider(app)
    app.wsgi_app = ChunkedBodyLimit(app.wsgi_app, app.config["SGP_MAX_BODY_BYTES"], streamed=STREAMED_BODIES)  # type: ignore[method-assign]
    if app.config["SGP_TRUSTED_PROXIES"]:
        # The client's address and scheme as the proxies in front saw them (login limits, logs).
        proxies = app.config["SGP_TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    logs.init_app(app)
    metrics.init_app(app)
    errors.init_app(app)
    app.before_request(refuse_marked_bodies)  # after the logs' own, so the answer has a request id
    security.init_app(app)
    db.init_app(app)
    cli.init_app(app)
    retention.init_app(app)
    limiter.init_app(app)
    if live_events:
        realtime.init_app(app, broker)
    app.register_blueprint(auth_bp)
    app.register_blueprint(pedidos_bp)
    app.register_blueprint(usuarios_bp)
    app.register_blueprint(catalogos_bp)
    app.register_blueprint(clientes_bp)
    app.register_blueprint(arquivos_bp)
    app.register_blueprint(provas_bp)
    app.register_blueprint(relatorios_bp)
    webhooks.init_app(app)
    app.register_blueprint(ops.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(board_bp)
    app.register_blueprint(docs_bp)
    return app


def _limiter_storage(config: MutableMapping[str, Any]) -> None:
    """Share login limits through Redis when the Redis broker is configured; else per worker."""
    config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    broker = config["SGP_BROKER_URL"]
    if broker.startswith(("redis://", "rediss://")):
        config.setdefault("RATELIMIT_STORAGE_URI", broker)
        config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1})
        config.setdefault("RATELIMIT_KEY_PREFIX", config["SGP_BROKER_CHANNEL_PREFIX"])
        # If Redis is down, count in memory rather than refuse every login.
        config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    else:
        config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
