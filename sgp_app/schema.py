"""The database schema: created on a fresh database, upgraded in place on an older one.

The migrations in ``sgp_app/migrations/`` (Alembic, through Flask-Migrate) are the history of
the schema; ``tests/test_schema.py`` keeps them equal to the models. Several workers, or
hosts, may start at once: one at a time holds a lock while it looks and changes.
"""

import contextlib
import fcntl
import functools
import logging
import os
from collections.abc import Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import insert, inspect, select, text

from .extensions import db
from .models import Contador

log = logging.getLogger(__name__)

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")
BASELINE = "0001"  # the schema create_all made before the project had migrations
COUNTERS = ("pedido_numero", "evento", "arquivos")  # arquivos: serialises the keeping and dropping of a content
LOCK_KEY = 0x5347_5001  # PostgreSQL advisory lock id ("SGP" + 1)


class SchemaOutOfDate(RuntimeError):
    pass


def prepare() -> str | None:
    """Bring the database to the newest revision and make sure its counters exist."""
    with _lock():
        config = _config()
        tables = set(inspect(db.engine).get_table_names())
        if "pedidos" in tables and "alembic_version" not in tables:
            log.info("database predates migrations; marking it as revision %s", BASELINE)
            command.stamp(config, BASELINE)
        current, head = revision(), _head(config)
        if current != head:
            log.info("upgrading database schema from %s to %s", current or "nothing", head)
            command.upgrade(config, "head")
        _ensure_counters()
    return revision()


def check_current() -> None:
    """Raise :class:`SchemaOutOfDate` unless the database is at the newest revision."""
    current, head = revision(), _head(_config())
    if current != head:
        raise SchemaOutOfDate(
            f"Database schema is at revision {current or 'none (empty)'}, this code needs {head}: "
            "run `flask --app sgp_app init-db`, or set SGP_MIGRATE_ON_START=1"
        )


def revision() -> str | None:
    """The revision the database is at (``None`` for an empty database)."""
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _head(config: Config) -> str | None:
    """The newest revision of the migrations folder, read once per process (the files are this code's)."""
    location = config.get_main_option("script_location") or MIGRATIONS
    return _head_of(location, os.stat(os.path.join(location, "versions")).st_mtime_ns)


@functools.cache
def _head_of(script_location: str, _versions_changed_at: int) -> str | None:
    return ScriptDirectory(script_location).get_current_head()


def _config() -> Config:
    return current_app.extensions["migrate"].migrate.get_config(MIGRATIONS)


def _ensure_counters() -> None:
    present = set(db.session.scalars(select(Contador.nome)))
    missing = [{"nome": name, "valor": 0} for name in COUNTERS if name not in present]
    if missing:
        db.session.execute(insert(Contador), missing)
    db.session.commit()


@contextlib.contextmanager
def _lock() -> Iterator[None]:
    """One process at a time: an advisory lock on PostgreSQL, a lock file beside a SQLite file."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
    elif engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        with open(engine.url.database + ".schema-lock", "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)
    else:
        yield
