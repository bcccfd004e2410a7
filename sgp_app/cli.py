"""Flask CLI commands: ``init-db``, ``create-user``, ``prune-eventos``."""

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from . import events, schema
from .auth.passwords import hash_password
from .errors import ValidationError
from .extensions import db
from .models import Usuario
from .nomes import chave, duplicate_message
from .usuarios.schemas import UsuarioCreate
from .validation import parse


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create the tables, or upgrade them to the newest schema (safe to run again)."""
    click.echo(f"Banco de dados pronto (revisão {schema.prepare()}).")


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--password", required=True, help="The user's password.")
@click.option("--admin", is_flag=True, help="Make the user an administrator.")
def create_user_command(username: str, password: str, admin: bool) -> None:
    """Add a user who can log in (the same rules as ``POST /usuarios``)."""
    try:
        novo = parse(UsuarioCreate, {"username": username, "password": password, "is_admin": admin})
    except ValidationError as exc:
        names = {"username": "USERNAME", "password": "--password"}
        problems = (exc.fields or {}).items()
        raise click.UsageError("; ".join(f"{names.get(k, k)}: {m}" for k, m in problems)) from None
    if schema.revision() is None:  # the flask command migrates nothing by itself
        raise click.ClickException(
            "The database has no tables yet: start the service once, or run `flask --app sgp_app init-db`."
        )
    taken = db.session.scalar(select(Usuario.username).where(Usuario.username_chave == chave(novo.username)))
    if taken is not None:
        raise click.ClickException(duplicate_message(novo.username, taken))
    usuario = Usuario(username=novo.username, password_hash=hash_password(novo.password), is_admin=novo.is_admin)
    db.session.add(usuario)
    db.session.commit()
    click.echo(f"Usuário “{novo.username}” criado{' (administrador)' if admin else ''}.")


@click.command("prune-eventos")
@with_appcontext
def prune_eventos_command() -> None:
    """Delete stored events past the retention settings (the service also does this by itself)."""
    config = current_app.config
    removed = events.prune(config["SGP_EVENT_RETENTION_DAYS"], config["SGP_EVENT_RETENTION_COUNT"])
    click.echo(f"{removed} evento(s) removido(s).")


def init_app(app: Flask) -> None:
    app.cli.add_command(init_db_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(prune_eventos_command)
