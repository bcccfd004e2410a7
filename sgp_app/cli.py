"""Flask CLI commands: ``init-db``, ``create-user``, ``prune-eventos``, ``import-api-sgp``."""

from pathlib import Path

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


@click.command("import-api-sgp")
@with_appcontext
@click.argument("database_url")
@click.option("--dry-run", is_flag=True, help="Read and check everything; change nothing.")
@click.option("--overwrite", is_flag=True, help="Also update orders changed in SGP since they were imported.")
@click.option(
    "--media-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="api-sgp's media folder: images' paths are read relative to it.",
)
@click.option(
    "--quitar",
    type=click.Choice(["entregues", "financeiro", "nenhum"]),
    multiple=True,
    help="api-sgp keeps no payments: bring these orders in paid (one payment of their total). "
    "entregues: the ones it delivered; financeiro: the ones its finance released. Default: nenhum.",
)
def import_api_sgp_command(
    database_url: str, dry_run: bool, overwrite: bool, media_dir: Path | None, quitar: tuple[str, ...]
) -> None:
    """Bring in an api-sgp database (SQLite or PostgreSQL URL): catalogs, customers, orders with their
    items, steps and images; run again, it updates and never duplicates. Exit status 1 when any row
    could not come in (each is listed with its reason)."""
    from sqlalchemy.exc import SQLAlchemyError

    from .importacao.api_sgp import Recusa
    from .importacao.importador import Importador
    from .importacao.progresso import Progresso

    if schema.revision() is None:
        raise click.ClickException(
            "The database has no tables yet: start the service once, or run `flask --app sgp_app init-db`."
        )
    importador = Importador(
        database_url,
        media_dir=media_dir,
        dry_run=dry_run,
        overwrite=overwrite,
        progresso=Progresso(),
        quitar=frozenset(quitar),
    )
    try:
        relatorio = importador.run()
    except Recusa as recusa:
        raise click.ClickException(str(recusa)) from None
    except SQLAlchemyError as erro:  # what was committed stays; running again carries on from there
        motivo = str(getattr(erro, "orig", None) or erro.__class__.__name__).splitlines()[0][:200]
        raise click.ClickException(f"A importação parou: {erro.__class__.__name__}: {motivo}") from None
    click.echo("Importação do api-sgp" + (" — simulação: nada foi gravado" if dry_run else ""))
    rotulos = ("criados", "atualizados", "iguais", "existentes", "alterados_no_sgp", "falhas")
    for tipo, contagem in relatorio.contagens.items():
        partes = [f"{contagem[r]} {r.replace('_', ' ')}" for r in rotulos if contagem[r]]
        click.echo(f"  {tipo}: " + ", ".join(partes))
    if relatorio.alterados_no_sgp:
        click.echo(
            "Pedidos alterados no SGP desde a importação, mantidos como estão (--overwrite os atualiza): "
            + ", ".join(relatorio.alterados_no_sgp)
        )
    if relatorio.falhas:
        click.echo(f"Não importados ({len(relatorio.falhas)}):")
        for _tipo, quem, motivo in relatorio.falhas:
            click.echo(f"  {quem}: {motivo}".replace("\n", " ").replace("\r", " "))
    if relatorio.falhas:
        raise SystemExit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(init_db_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(prune_eventos_command)
    app.cli.add_command(import_api_sgp_command)
