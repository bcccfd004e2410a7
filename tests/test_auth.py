from datetime import timedelta

from sqlalchemy import select, update

from sgp_app.auth.tokens import hash_token
from sgp_app.extensions import db
from sgp_app.models import SessaoToken, utcnow
from tests.conftest import PASSWORD


def login(client, username="ana", password=PASSWORD):
    return client.post("/auth/login", json={"username": username, "password": password})


def test_login_returns_a_bearer_token_and_the_user(client, usuario):
    response = login(client)
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "bearer"
    assert len(body["session_token"]) >= 32
    assert body["expires_at"].endswith("+00:00")
    assert body["usuario"] == {"id": usuario["id"], "username": "ana", "is_admin": False, "setores": []}


def test_token_is_stored_only_as_a_hash(app, client, token):
    with app.app_context():
        stored = db.session.scalars(select(SessaoToken.token_hash)).all()
    assert stored == [hash_token(token)]
    assert token not in stored


def test_unknown_user_and_wrong_password_get_the_same_answer(client, usuario):
    unknown = login(client, username="ninguem")
    wrong = login(client, password="errada")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.get_json() == wrong.get_json()


def test_login_validates_its_body(client):
    response = client.post("/auth/login", json={"username": "ana"})
    assert response.status_code == 422
    assert "password" in response.get_json()["error"]["fields"]


def test_me_returns_the_user(client, auth):
    response = client.get("/auth/me", headers=auth)
    assert response.status_code == 200
    assert response.get_json()["username"] == "ana"


def test_missing_token_is_401(client):
    response = client.get("/auth/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_malformed_authorization_header_is_401(client, token):
    for header in (token, f"Basic {token}", "Bearer", "Bearer    ", "Bearer " + "x" * 500):
        assert client.get("/auth/me", headers={"Authorization": header}).status_code == 401


def test_unknown_token_is_401(client, usuario):
    assert client.get("/auth/me", headers={"Authorization": "Bearer nao-existe"}).status_code == 401


def test_logout_revokes_the_token_at_once(client, auth):
    assert client.post("/auth/logout", headers=auth).status_code == 204
    assert client.get("/auth/me", headers=auth).status_code == 401
    assert client.post("/auth/logout", headers=auth).status_code == 401


def test_logout_leaves_other_sessions_working(client, auth):
    other = {"Authorization": "Bearer " + login(client).get_json()["session_token"]}
    client.post("/auth/logout", headers=auth)
    assert client.get("/auth/me", headers=other).status_code == 200


def test_expired_token_is_401(app, client, token, auth):
    with app.app_context():
        db.session.execute(update(SessaoToken).values(expira_em=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert client.get("/auth/me", headers=auth).status_code == 401


def test_token_lifetime_is_a_setting(app, client, usuario):
    app.config["SGP_TOKEN_TTL_HOURS"] = 1
    body = login(client).get_json()
    from datetime import datetime

    remaining = datetime.fromisoformat(body["expires_at"]) - utcnow()
    assert timedelta(minutes=59) < remaining <= timedelta(hours=1)


def test_repeated_failures_for_one_user_get_429(app, client, usuario):
    app.config["SGP_LOGIN_RATE_LIMIT"] = "3 per minute"
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        response = client.post(
            "/auth/login", json={"username": "ana", "password": "x"}, environ_base={"REMOTE_ADDR": address}
        )
        assert response.status_code == 401
    response = client.post(
        "/auth/login", json={"username": "ana", "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.0.0.4"}
    )
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "too_many_requests"


def test_failures_for_many_usernames_do_not_lock_out_a_colleague_at_the_same_address(app, client, usuario):
    app.config["SGP_LOGIN_RATE_LIMIT"] = "3 per minute"
    for name in [f"intruso{i}" for i in range(20)]:
        assert login(client, username=name).status_code == 401
    assert login(client).status_code == 200


def test_every_attempt_counts_against_the_address_allowance(app, client, usuario):
    app.config["SGP_LOGIN_ADDRESS_RATE_LIMIT"] = "5 per minute"
    for name in ("a", "b", "c"):
        assert login(client, username=name).status_code == 401
    assert login(client).status_code == 200
    assert login(client).status_code == 200  # successes count too: each costs a password hash
    assert login(client).status_code == 429
    other = client.post(
        "/auth/login", json={"username": "ana", "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert other.status_code == 200


def test_successful_logins_pass_the_default_allowance(client, usuario):
    for _ in range(12):
        assert login(client).status_code == 200


def test_nul_in_credentials_is_422(client, usuario):
    assert client.post("/auth/login", json={"username": "ana\x00", "password": "x"}).status_code == 422
