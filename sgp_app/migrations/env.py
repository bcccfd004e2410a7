"""Alembic's environment for SGP's migrations, run by ``sgp_app.db.prepare_schema``, by
``flask --app sgp_app init-db`` and by Flask-Migrate's ``flask --app sgp_app db ...`` commands.

Logging is left to the app: Alembic's usual ``fileConfig`` would replace its handlers.
"""

import contextlib
from collections.abc import Iterator
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from alembic.runtime.migration import MigrationContext
from flask import current_app
from sqlalchemy import Connection
from sqlalchemy.types import TypeDecorator

config = context.config
target_db = current_app.extensions["migrate"].db


def render_item(type_: str, obj: object, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write the models' own column types (Money, UTCDateTime) as the types they store.

    A migration then never imports the models, which keep changing after it was written.
    """
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False


def process_revision_directives(context: MigrationContext, revision: object, directives: list[Any]) -> None:
    """``flask db migrate`` with nothing to do writes no empty migration."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []


def run_migrations_online() -> None:
    # Flask-Migrate's defaults include render_as_batch: SQLite alters a table by copying it.
    options: dict[str, Any] = {
        "process_revision_directives": process_revision_directives,
        "render_item": render_item,
    }
    options.update(current_app.extensions["migrate"].configure_args)
    with target_db.engine.connect() as connection, _sqlite_foreign_keys_off(connection):
        context.configure(connection=connection, target_metadata=target_db.metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


@contextlib.contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """On SQLite a batch operation copies a table and drops the old one, which the foreign keys of
    other tables still name: enforcement pauses meanwhile (SQLite's documented procedure), and the
    keys are checked once the migration is done."""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw: Any = connection.connection.driver_connection  # outside any transaction: the pragma is ignored inside one
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the migration left rows whose foreign keys point nowhere: {broken[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run them against the database.")
run_migrations_online()
