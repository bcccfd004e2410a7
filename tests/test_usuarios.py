"""/usuarios: admins manage users; disabling or a new password revokes every token at once."""

import time

import pytest
from sqlalchemy import select

from sgp_app.extensions import db
from sgp_app.models import SessaoToken
from tests.conftest import PASSWORD, add_users, bearer
from tests.live import make_user
from tests.ws import connect, expect_close, run

NEW_PASSWORD = "outra-senha-boa"


def login(client, username, password=PASSWORD):
    return client.post("/auth/login", json={"username": username, "password": password})


@pytest.fixture
def bia(app):
    return make_user(app, "bia", PASSWORD)


def test_every_user_route_is_forbidden_to_a_non_admin(client, auth, bia):
    answers = [
        client.get("/usuarios", headers=auth),
        client.post("/usuarios", json={"username": "x", "password": "12345678"}, headers=auth),
        client.patch(f"/usuarios/{bia['id']}", json={"ativo": False}, headers=auth),
    ]
    assert [a.status_code for a in answers] == [403, 403, 403]
    assert {a.get_json()["error"]["code"] for a in answers} == {"forbidden"}


def test_user_routes_need_a_token(client):
    assert client.get("/usuarios").status_code == 401


def test_an_admin_lists_users_with_their_state(client, admin, bia):
    response = client.get("/usuarios", headers=admin)
    assert response.status_code == 200
    users = {u["username"]: u for u in response.get_json()}
    assert set(users) == {"chefe", "bia"}
    assert users["bia"]["ativo"] is True and users["bia"]["is_admin"] is False
    assert users["chefe"]["is_admin"] is True
    assert set(users["bia"]) == {"id", "username", "is_admin", "ativo", "setores", "criado_em"}
    assert users["bia"]["setores"] == []


def test_an_admin_creates_a_user_who_can_log_in(client, admin):
    response = client.post("/usuarios", json={"username": " caio ", "password": NEW_PASSWORD}, headers=admin)
    assert response.status_code == 201
    body = response.get_json()
    assert (body["username"], body["is_admin"], body["ativo"]) == ("caio", False, True)
    assert response.headers["Location"] == f"/usuarios/{body['id']}"
    assert client.get(response.headers["Location"], headers=admin).get_json() == body
    assert login(client, "caio", NEW_PASSWORD).status_code == 200


def test_a_taken_username_is_409(client, admin, bia):
    response = client.post("/usuarios", json={"username": "bia", "password": NEW_PASSWORD}, headers=admin)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "duplicate"


@pytest.mark.parametrize(
    "look_alike",
    ["BIA", "Bia", "ｂｉａ", " bia ", "bIA"],
)
def test_a_name_that_reads_like_a_taken_one_is_409_with_a_plain_message(client, admin, bia, look_alike):
    response = client.post("/usuarios", json={"username": look_alike, "password": NEW_PASSWORD}, headers=admin)
    assert response.status_code == 409
    message = response.get_json()["error"]["message"]
    assert "“bia”" in message and "'" not in message  # the name as people read it, not a Python repr


def test_nfc_and_nfd_spellings_are_one_user_and_log_in_alike(client, admin):
    nfd = "cafe\u0301"
    created = client.post("/usuarios", json={"username": nfd, "password": NEW_PASSWORD}, headers=admin)
    assert created.status_code == 201 and created.get_json()["username"] == "café"  # stored composed
    again = client.post("/usuarios", json={"username": "café", "password": NEW_PASSWORD}, headers=admin)
    assert again.status_code == 409
    for typed in ("café", nfd, "CAFÉ", "ｃａｆé"):
        assert login(client, typed, NEW_PASSWORD).status_code == 200, typed


@pytest.mark.parametrize(
    "name",
    ["dupla\u200b", "\u202edupla", "du\npla", "dupla\u00ad", "\u3164", "du\u2028pla", "dupla\ufe0f", "\ue000x"],
)
def test_invisible_control_and_format_characters_in_a_name_are_422(client, admin, name):
    response = client.post("/usuarios", json={"username": name, "password": NEW_PASSWORD}, headers=admin)
    assert response.status_code == 422
    assert "invisível ou de controle" in response.get_json()["error"]["fields"]["username"]


def test_an_empty_username_and_a_short_password_are_both_reported(client, admin):
    response = client.post("/usuarios", json={"username": "  ", "password": "curta", "cargo": "x"}, headers=admin)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"username", "password", "cargo"}


def test_disabling_a_user_revokes_their_tokens_at_once_and_login_says_only_bad_credentials(client, admin, bia):
    hers = bearer(client, "bia")
    assert client.get("/auth/me", headers=hers).status_code == 200
    response = client.patch(f"/usuarios/{bia['id']}", json={"ativo": False}, headers=admin)
    assert response.status_code == 200 and response.get_json()["ativo"] is False
    assert client.get("/auth/me", headers=hers).status_code == 401
    disabled, wrong = login(client, "bia"), login(client, "bia", "senha-errada")
    assert disabled.status_code == wrong.status_code == 401
    assert disabled.get_json() == wrong.get_json()
    # Enabled again, she logs in; the old token stays dead.
    assert client.patch(f"/usuarios/{bia['id']}", json={"ativo": True}, headers=admin).status_code == 200
    assert login(client, "bia").status_code == 200
    assert client.get("/auth/me", headers=hers).status_code == 401


def test_a_new_password_revokes_the_old_tokens_and_replaces_the_password(client, admin, bia):
    hers = bearer(client, "bia")
    response = client.patch(f"/usuarios/{bia['id']}", json={"password": NEW_PASSWORD}, headers=admin)
    assert response.status_code == 200
    assert client.get("/auth/me", headers=hers).status_code == 401
    assert login(client, "bia").status_code == 401
    assert login(client, "bia", NEW_PASSWORD).status_code == 200


def test_the_last_active_admin_can_be_neither_disabled_nor_demoted(app, client, admin):
    chefe_id = client.get("/auth/me", headers=admin).get_json()["id"]
    for change in ({"ativo": False}, {"is_admin": False}):
        response = client.patch(f"/usuarios/{chefe_id}", json=change, headers=admin)
        assert response.status_code == 409
        assert response.get_json()["error"]["code"] == "last_admin"
    # With a second admin, the first may step down.
    outro = make_user(app, "outro", PASSWORD, admin=True)
    assert client.patch(f"/usuarios/{chefe_id}", json={"is_admin": False}, headers=admin).status_code == 200
    assert client.get("/usuarios", headers=bearer(client, "outro")).status_code == 200
    assert (
        client.patch(f"/usuarios/{outro['id']}", json={"ativo": False}, headers=bearer(client, "outro")).status_code
        == 409
    )


def test_a_demoted_admin_loses_admin_routes_at_once(app, client, admin, bia):
    make_user(app, "outro", PASSWORD, admin=True)
    chefe_id = client.get("/auth/me", headers=admin).get_json()["id"]
    assert client.patch(f"/usuarios/{chefe_id}", json={"is_admin": False}, headers=admin).status_code == 200
    assert client.get("/usuarios", headers=admin).status_code == 403


def test_unknown_user_is_404_and_wrong_types_are_422(client, admin):
    assert client.patch("/usuarios/999", json={"ativo": False}, headers=admin).status_code == 404
    response = client.patch("/usuarios/1", json={"ativo": "nao", "is_admin": 1}, headers=admin)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"ativo", "is_admin"}


def test_revocation_touches_only_that_users_tokens(app, client, admin, bia, auth):
    client.patch(f"/usuarios/{bia['id']}", json={"ativo": False}, headers=admin)
    assert client.get("/auth/me", headers=auth).status_code == 200
    with app.app_context():
        revoked = db.session.scalars(select(SessaoToken).where(SessaoToken.revogado_em.is_not(None))).all()
        assert {t.usuario_id for t in revoked} <= {bia["id"]}


@pytest.mark.parametrize("change", [{"ativo": False}, {"password": NEW_PASSWORD}])
def test_the_users_open_sockets_close_with_1008_at_once(live_server, db_url, change):
    add_users(db_url, "bia")
    add_users(db_url, "chefe", admin=True)
    server = live_server()
    bia_token, chefe_token = server.login("bia", PASSWORD), server.login("chefe", PASSWORD)

    async def scenario():
        sockets = [await connect(server, bia_token) for _ in range(2)]
        bia_id = next(u["id"] for u in server.request("GET", "/usuarios", chefe_token).json() if u["username"] == "bia")
        started = time.monotonic()
        assert server.request("PATCH", f"/usuarios/{bia_id}", chefe_token, json=change).status_code == 200
        for ws in sockets:
            assert await expect_close(ws, timeout=5) == (1008, "Token inválido ou ausente")
        return time.monotonic() - started

    assert run(scenario()) < 5
