from sqlalchemy import select
from werkzeug.security import check_password_hash

from sgp_app.extensions import db
from sgp_app.models import Usuario


def test_init_db_is_idempotent(runner):
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output


def test_create_user_stores_a_salted_hash(app, runner):
    result = runner.invoke(args=["create-user", "bia", "--password", "senha-boa-1"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        usuario = db.session.scalar(select(Usuario).where(Usuario.username == "bia"))
        assert usuario.password_hash != "senha-boa-1"
        assert check_password_hash(usuario.password_hash, "senha-boa-1")
        assert not usuario.is_admin


def test_create_user_admin_flag(app, runner):
    assert runner.invoke(args=["create-user", "chefe", "--password", "senha-boa-1", "--admin"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(Usuario.is_admin).where(Usuario.username == "chefe"))


def test_create_existing_user_fails_cleanly(runner):
    runner.invoke(args=["create-user", "bia", "--password", "senha-boa-1"])
    result = runner.invoke(args=["create-user", "bia", "--password", "outra-senha"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: O usuário “bia” já existe"
    assert "Traceback" not in result.output


def test_create_user_requires_password(runner):
    result = runner.invoke(args=["create-user", "bia"])
    assert result.exit_code != 0
    assert "--password" in result.output


def test_prune_eventos_keeps_the_newest(app, runner, client, auth):
    for _ in range(4):
        client.post("/pedidos/", json={"cliente": "Ana", "valor_total": "1"}, headers=auth)
    app.config["SGP_EVENT_RETENTION_COUNT"] = 1
    result = runner.invoke(args=["prune-eventos"])
    assert result.exit_code == 0, result.output
    assert "3 evento(s)" in result.output
    assert [e["evento_id"] for e in client.get("/pedidos/eventos", headers=auth).get_json()] == [4]


def test_create_user_refuses_a_name_that_reads_like_an_existing_one(runner):
    runner.invoke(args=["create-user", "bia", "--password", "senha-boa-1"])
    result = runner.invoke(args=["create-user", "ＢＩＡ", "--password", "senha-boa-1"])
    assert result.exit_code == 1 and "já existe como “bia”" in result.output


def test_create_user_follows_the_apis_rules_for_passwords_and_names(runner):
    short = runner.invoke(args=["create-user", "bia", "--password", "x"])
    assert short.exit_code == 2 and "--password: A senha deve ter de 8 a 1024 caracteres" in short.output
    hidden = runner.invoke(args=["create-user", "bia\u200b", "--password", "senha-boa-1"])
    assert hidden.exit_code == 2 and "USERNAME: Caractere invisível" in hidden.output
