"""Database wiring: SQLite tuning, write transactions, counters; the schema via migrations."""

from collections.abc import Callable
from typing import Any, TypeVar

import click
from flask import Flask
from sqlalchemy import Connection, Engine, event, select, update

from . import schema
from .extensions import db, migrate
from .models import Contador

T = TypeVar("T")

WRITE_OPTION = "sgp_write"


def init_app(app: Flask) -> None:
    """Tune the engine; create or upgrade the schema on start (:mod:`sgp_app.schema`), unless told not to
    or built by the ``flask`` command."""
    db.init_app(app)
    migrate.init_app(app, db, directory=schema.MIGRATIONS)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _tune_sqlite(db.engine, app.config["SGP_SQLITE_BUSY_TIMEOUT_MS"])
        if app.config["SGP_MIGRATE_ON_START"] and not _built_by_the_flask_command():
            schema.prepare()


def _built_by_the_flask_command() -> bool:
    """``flask --app sgp_app …`` builds the app inside its click command: the CLI migrates nothing
    as a side effect (``flask db downgrade`` must stick); ``init-db`` upgrades on purpose."""
    return click.get_current_context(silent=True) is not None


def _tune_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: object) -> None:
        # pysqlite's own BEGIN handling defers the write lock; take over (SQLAlchemy docs recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        # A deferred transaction that reads and then writes fails at once with
        # SQLITE_BUSY when another connection wrote meanwhile; the busy timeout
        # only helps a transaction that takes the write lock up front.
        immediate = conn.get_execution_options().get(WRITE_OPTION)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write() -> None:
    """Start the request's write transaction, ending any read transaction before it.

    Call before the first statement of a change: on SQLite it takes the write
    lock at once so concurrent writers wait (busy timeout) instead of failing.
    """
    if db.session().in_transaction():
        db.session.commit()
    db.session.connection(execution_options={WRITE_OPTION: True})


def next_value(name: str) -> int:
    """Increment counter ``name`` and return its new value.

    The row stays locked until the transaction ends, which serialises writers:
    values are gap-free and follow commit order.
    """
    value = db.session.scalar(
        update(Contador).where(Contador.nome == name).values(valor=Contador.valor + 1).returning(Contador.valor)
    )
    if value is None:
        raise RuntimeError(f"counter {name!r} does not exist (the schema prepares it)")
    return value


def current_value(name: str) -> int:
    return db.session.scalar(select(Contador.valor).where(Contador.nome == name)) or 0


def with_session(app: Flask, fn: Callable[..., T], *args: object) -> T:
    """Run ``fn(*args)`` in an app context of its own, from a background greenlet; the session ends with it."""
    with app.app_context():
        try:
            return fn(*args)
        finally:
            db.session.remove()
