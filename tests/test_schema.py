"""Schema migrations: the history equals the models, and an existing database upgrades in place."""

import shutil
import subprocess
import sys
from datetime import datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text

from sgp_app import create_app, schema
from sgp_app.extensions import db
from sgp_app.models import Contador
from tests.conftest import PASSWORD
from tests.live import ROOT, TEST_SECRET, LiveServer, make_user

HEAD = "0015"
NEXT = "0016"

# A later revision, as a developer would write it: a column added to a table that has rows.
NEXT_REVISION = f'''
"""Add pedidos.nota_interna."""
import sqlalchemy as sa
from alembic import op

revision = "{NEXT}"
down_revision = "{HEAD}"


def upgrade():
    with op.batch_alter_table("pedidos") as batch_op:
        batch_op.add_column(sa.Column("nota_interna", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("pedidos") as batch_op:
        batch_op.drop_column("nota_interna")
'''


def make_app(db_url, **config):
    return create_app({"TESTING": True, "SGP_DATABASE_URL": db_url, "SGP_SECRET_KEY": TEST_SECRET, **config})


@pytest.fixture
def database_in_use(db_url):
    """A database at the newest revision with a user and an order; returns ``(url, headers)``."""
    app = make_app(db_url)
    make_user(app, "ana", PASSWORD)
    client = app.test_client()
    token = client.post("/auth/login", json={"username": "ana", "password": PASSWORD}).get_json()["session_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (
        client.post("/pedidos/", json={"cliente": "Gráfica Sol", "valor_total": "9.90"}, headers=headers).status_code
        == 201
    )
    with app.app_context():
        db.engine.dispose()
    return db_url, headers


@pytest.fixture
def database_behind(database_in_use, tmp_path, monkeypatch):
    """``database_in_use``, while the code gains a migration the database does not have yet."""
    folder = tmp_path / "migrations"
    shutil.copytree(schema.MIGRATIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "versions" / f"{NEXT}_nota_interna.py").write_text(NEXT_REVISION)
    monkeypatch.setattr(schema, "MIGRATIONS", str(folder))
    return database_in_use


def assert_order_kept(app, headers):
    assert app.test_client().get("/pedidos/1", headers=headers).get_json()["cliente"] == "Gráfica Sol"


# SQLite's reflection cannot read an expression index back (PostgreSQL's can, and compares it):
# test_the_strip_reads_only_the_orders_that_owe checks that one on SQLite by its query plan.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_migrations_build_exactly_the_models_schema(app):
    with app.app_context(), db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), db.metadata) == []
        assert schema.revision() == HEAD


def test_start_on_a_current_database_changes_nothing(db_url):
    make_app(db_url)
    app = make_app(db_url)
    with app.app_context():
        assert schema.revision() == HEAD
        assert {c.nome for c in db.session.scalars(select(Contador))} == set(schema.COUNTERS)


def test_a_database_created_before_migrations_is_adopted_with_its_data(database_in_use):
    url, headers = database_in_use
    with make_app(url).app_context():
        command.downgrade(schema._config(), schema.BASELINE)
        db.engine.dispose()
    engine = create_engine(url)
    with engine.begin() as connection:
        # What the service made before it had migrations: the baseline's tables, no version table.
        connection.execute(text("DROP TABLE alembic_version"))
    engine.dispose()

    app = make_app(url)
    with app.app_context():
        assert schema.revision() == HEAD
    assert_order_kept(app, headers)


def test_a_pending_migration_is_applied_on_start_and_keeps_the_rows(database_behind):
    url, headers = database_behind
    app = make_app(url)
    with app.app_context():
        assert schema.revision() == NEXT
        assert "nota_interna" in {c["name"] for c in inspect(db.engine).get_columns("pedidos")}
    assert_order_kept(app, headers)


def test_with_migrate_on_start_off_the_app_leaves_the_schema_alone_and_the_check_names_init_db(database_behind):
    url, _ = database_behind
    app = make_app(url, SGP_MIGRATE_ON_START=False)
    with app.app_context():
        assert schema.revision() == HEAD
        with pytest.raises(schema.SchemaOutOfDate, match="flask --app sgp_app init-db"):
            schema.check_current()


def test_init_db_applies_pending_migrations_when_start_up_does_not(database_behind):
    url, headers = database_behind
    app = make_app(url, SGP_MIGRATE_ON_START=False)
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert f"revisão {NEXT}" in result.output
    with app.app_context():
        schema.check_current()
    assert_order_kept(app, headers)


def test_gunicorn_refuses_to_serve_an_older_schema_without_migrate_on_start(empty_db_url):
    # An empty database is older than any revision.
    server = LiveServer(empty_db_url, env={"SGP_MIGRATE_ON_START": "0"})
    with pytest.raises(RuntimeError, match="flask --app sgp_app init-db"):
        server.start(timeout=20)


def test_workers_starting_together_build_the_schema_once(empty_db_url):
    db_url = empty_db_url
    script = (
        "import sys; from sgp_app import create_app; "
        f"create_app({{'SGP_DATABASE_URL': sys.argv[1], 'SGP_SECRET_KEY': {TEST_SECRET!r}}})"
    )
    starts = [subprocess.Popen([sys.executable, "-c", script, db_url], cwd=ROOT) for _ in range(4)]
    assert [p.wait(60) for p in starts] == [0, 0, 0, 0]
    app = make_app(db_url)
    with app.app_context():
        assert schema.revision() == HEAD
        assert db.session.scalar(select(db.func.count()).select_from(Contador)) == len(schema.COUNTERS)


def test_revision_0004_rewrites_the_search_copy_of_stored_orders(database_in_use):
    url, headers = database_in_use
    app = make_app(url)
    client = app.test_client()
    pedido = client.post("/pedidos/", json={"cliente": "Arco-Íris", "valor_total": "1"}, headers=headers).get_json()
    with app.app_context():
        command.downgrade(schema._config(), "0003")
        busca = db.session.scalar(text("SELECT cliente_busca FROM pedidos WHERE id = :id"), {"id": pedido["id"]})
        db.session.remove()
        db.engine.dispose()
    assert busca == "arco-iris"  # as revision 0003 kept it
    app = make_app(url)  # upgrades on creation
    found = app.test_client().get("/pedidos/?cliente=arco iris", headers=headers).get_json()
    assert [p["id"] for p in found] == [pedido["id"]]
    with app.app_context():
        db.engine.dispose()


def test_revision_0005_gives_orders_stored_before_it_their_creation_in_the_history(database_in_use):
    url, headers = database_in_use
    app = make_app(url)
    client = app.test_client()
    pedido = client.post("/pedidos/", json={"cliente": "Antiga", "valor_total": "1"}, headers=headers).get_json()
    with app.app_context():
        command.downgrade(schema._config(), "0004")
        db.session.remove()
        db.engine.dispose()
    app = make_app(url)  # upgrades on creation
    got = app.test_client().get(f"/pedidos/{pedido['id']}/historico", headers=headers).get_json()
    # Precise like an event's timestamp; the order shows criado_em to the second.
    assert datetime.fromisoformat(got[0].pop("timestamp")).replace(microsecond=0) == datetime.fromisoformat(
        pedido["criado_em"]
    )
    assert got == [{"versao": 1, "tipo": "pedido_criado", "usuario": None, "cliente": None, "alteracoes": {}}]
    with app.app_context():
        db.engine.dispose()


def test_revision_0007_keys_existing_users_and_keeps_look_alikes_made_before_it(database_in_use):
    url, _ = database_in_use
    app = make_app(url)
    with app.app_context():
        command.downgrade(schema._config(), "0006")
        for name in ("DUPLA", "dupla", "cafe\u0301"):  # look-alikes the old rule let in
            db.session.execute(
                text("INSERT INTO usuarios (username, password_hash, is_admin, ativo, criado_em) "
                     "VALUES (:u, 'x', false, true, CURRENT_TIMESTAMP)"), {"u": name}
            )  # fmt: skip
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    app = make_app(url)  # upgrades on creation
    with app.app_context():
        rows = db.session.execute(text("SELECT id, username, username_chave FROM usuarios ORDER BY id")).all()
        db.engine.dispose()
    keys = {username: chave for _, username, chave in rows}
    dupla_id = next(i for i, username, _ in rows if username == "dupla")
    assert keys == {"ana": "ana", "DUPLA": "dupla", "dupla": f"dupla#{dupla_id}", "cafe\u0301": "café"}
