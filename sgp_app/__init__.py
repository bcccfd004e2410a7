"""SGP: orders for small production shops, with live events on ``/ws/pedidos``."""

import os

from flask import Flask

from . import cli, config, db, errors, events, realtime
from .auth import bp as auth_bp
from .extensions import limiter
from .pedidos import bp as pedidos_bp


def create_app(test_config=None):
    """Build the application.

    Settings come from :data:`sgp_app.config.DEFAULTS`, then ``instance/config.py``,
    then ``SGP_*`` environment variables, then ``test_config``.
    """
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config.DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    config.load_environment(app.config)
    if test_config is not None:
        app.config.from_mapping(test_config)

    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SGP_DATABASE_URL"] or (
        "sqlite:///" + os.path.join(app.instance_path, "sgp.sqlite3")
    )
    app.config["SECRET_KEY"] = app.config["SGP_SECRET_KEY"] or config.instance_secret_key(app.instance_path)
    app.config["MAX_CONTENT_LENGTH"] = app.config["SGP_MAX_BODY_BYTES"]
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    errors.init_app(app)
    db.init_app(app)
    events.init_app(app)
    cli.init_app(app)
    limiter.init_app(app)
    realtime.init_app(app)
    app.register_blueprint(auth_bp)
    app.register_blueprint(pedidos_bp)
    return app
