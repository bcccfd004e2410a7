"""What a stranger on the shop's network, or a careless client, must not be able to do."""

import concurrent.futures
import http.client
import json
import subprocess
import sys
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from sgp_app import create_app
from sgp_app.auth.tokens import hash_token
from sgp_app.extensions import db
from sgp_app.models import SessaoToken, Usuario, utcnow
from sgp_app.redaction import redact
from sgp_app.retention import Retention
from tests.conftest import PASSWORD, add_users
from tests.live import ROOT, TEST_SECRET, make_user
from tests.ws import connect, run

CREDENTIALS = {"username": "ana", "password": PASSWORD}

# -- metrics: labels from closed sets ---------------------------------------------------------


def test_odd_methods_and_paths_do_not_grow_the_metrics(live_server):
    server = live_server()
    session = requests.Session()

    def attack(count, start):
        for i in range(start, start + count):
            session.request(f"XFQY{i}", server.url + "/health", timeout=10)  # answered 405
            session.get(f"{server.url}/nao/existe/{i}", timeout=10)  # answered 404

    attack(3, 0)  # the first of each kind adds its one series, and so does the first scrape
    session.get(server.url + "/metrics", timeout=10)
    before = len(session.get(server.url + "/metrics", timeout=10).content)
    attack(1500, 3)
    after = len(session.get(server.url + "/metrics", timeout=10).content)
    assert after - before < 400, (before, after)  # only counts grow a digit or two
    text = session.get(server.url + "/metrics", timeout=10).text
    assert 'method="other",route="unmatched",status="405"' in text
    assert 'method="GET",route="unmatched",status="404"' in text
    assert "XFQY" not in text and "/nao/existe" not in text


# -- login limits behind a proxy ----------------------------------------------------------------


def proxied_login(client, forwarded_for, username, password):
    return client.post(
        "/auth/login",
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},  # the proxy, the same for every client
    )


def proxied_app(db_url, **config):
    app = create_app({"TESTING": True, "SGP_DATABASE_URL": db_url, "SGP_SECRET_KEY": TEST_SECRET, **config})
    make_user(app, "ana", PASSWORD)
    return app


def test_behind_a_trusted_proxy_one_clients_failures_do_not_block_another_clients_login(db_url):
    app = proxied_app(db_url, SGP_TRUSTED_PROXIES=1, SGP_LOGIN_ADDRESS_RATE_LIMIT="20 per minute")
    client = app.test_client()
    answers = [proxied_login(client, "203.0.113.5", f"chute{i}", "x").status_code for i in range(40)]
    assert answers[:20] == [401] * 20 and set(answers[20:]) == {429}  # the guesser is stopped...
    assert proxied_login(client, "203.0.113.9", "ana", PASSWORD).status_code == 200  # ...and only it


def test_without_trusted_proxies_a_forwarded_for_header_is_not_believed(db_url):
    app = proxied_app(db_url, SGP_LOGIN_ADDRESS_RATE_LIMIT="3 per minute")
    client = app.test_client()
    for i in range(3):
        assert proxied_login(client, f"203.0.113.{i}", f"chute{i}", "x").status_code == 401
    assert proxied_login(client, "203.0.113.99", "ana", PASSWORD).status_code == 429


def test_a_trusted_proxy_also_gives_the_clients_scheme(db_url):
    app = proxied_app(db_url, SGP_TRUSTED_PROXIES=1)

    @app.get("/_scheme")
    def scheme():
        from flask import request

        return {"scheme": request.scheme, "remote": request.remote_addr}

    answer = app.test_client().get("/_scheme", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
    assert answer.get_json() == {"scheme": "https", "remote": "203.0.113.7"}


# -- secrets in URLs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, secret",
    [
        ("redis://:s3gredo@cache:6379/0", "s3gredo"),
        ("redis://usuario:s3gredo@cache:6379/0", "s3gredo"),
        ("redis://cache:6379/0?password=s3gredo", "s3gredo"),
        ("rediss://cache/0?db=1&Password=s3gredo", "s3gredo"),
        ("GET /ws/pedidos?%74oken=s3gredo HTTP/1.1", "s3gredo"),
        ("/auth/me?access_token=s3gredo&x=1", "s3gredo"),
        ("token=s3gredo", "s3gredo"),
        ("/pedidos/?SESSION%5FTOKEN=s3gredo", "s3gredo"),
    ],
)
def test_secrets_in_urls_are_redacted(text, secret):
    assert secret not in redact(text)
    assert "[redacted]" in redact(text)


def test_harmless_urls_stay_as_they_are():
    for text in ("/pedidos/?status=pendente&cliente=grafica", "redis://cache:6379/0", "/ws/pedidos?ultimo_evento_id=7"):
        assert redact(text) == text


def test_health_never_shows_a_redis_password(db_url):
    app = create_app(
        {
            "TESTING": True,
            "SGP_DATABASE_URL": db_url,
            "SGP_SECRET_KEY": TEST_SECRET,
            "SGP_BROKER_URL": "redis://usuario:s3gredo@127.0.0.1:6399/0?password=outro-segredo",
        }
    )
    text = app.test_client().get("/health").get_data(as_text=True)
    assert "s3gredo" not in text and "outro-segredo" not in text
    assert "127.0.0.1:6399" in text


def raw_get(server, path, headers=None):
    """A GET of exactly ``path``, as written: no client-side normalization."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        return connection.getresponse().status
    finally:
        connection.close()


def test_a_percent_encoded_token_in_the_query_never_reaches_a_log(live_server, db_url):
    add_users(db_url, "ana")
    server = live_server(args=["--access-logfile", "-"])
    token = server.login("ana", PASSWORD)
    raw_get(server, f"/auth/me?%74oken={token}")  # requests would normalize %74 to "t"
    # A refused upgrade (foreign origin) is access-logged by gunicorn, query and all.
    raw_get(
        server,
        f"/ws/pedidos?%74oken={token}",
        {
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Origin": "https://evil.example",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version": "13",
        },
    )

    async def scenario():  # and one that authenticates with it
        ws = await connect(server, query=f"%74oken={token}")
        await ws.close()

    run(scenario())
    server.stop()
    log = server.log()
    assert "%74oken=[redacted]" in log
    assert token not in log


# -- work caps ----------------------------------------------------------------------------------


def item(i):
    return {"descricao": f"Item {i}", "quantidade": 1, "valor_unitario": "1.00"}


def test_an_order_may_hold_up_to_max_itens_items(app, client, auth):
    app.config["SGP_MAX_ITENS"] = 5
    assert (
        client.post("/pedidos/", json={"cliente": "A", "itens": [item(i) for i in range(5)]}, headers=auth).status_code
        == 201
    )
    response = client.post("/pedidos/", json={"cliente": "A", "itens": [item(i) for i in range(6)]}, headers=auth)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"itens": "No máximo 5 itens por pedido"}


def test_eighteen_thousand_items_are_refused_by_default(client, auth):
    small = {"descricao": "x", "quantidade": 1, "valor_unitario": 1}  # 18,000 of them fit in 1 MiB
    response = client.post("/pedidos/", json={"cliente": "A", "itens": [small] * 18000}, headers=auth)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"itens": "No máximo 200 itens por pedido"}


def test_a_patch_is_capped_too(app, client, auth):
    pedido = client.post("/pedidos/", json={"cliente": "A", "valor_total": "1"}, headers=auth).get_json()
    response = client.patch(f"/pedidos/{pedido['id']}", json={"itens": [item(i) for i in range(201)]}, headers=auth)
    assert response.status_code == 422


@pytest.mark.parametrize("depth", [33, 100_000])
def test_json_nested_too_deep_is_400_in_the_error_shape(client, auth, depth):
    body = "[" * depth + "]" * depth
    for path, headers in (("/pedidos/", auth), ("/auth/login", {})):
        response = client.post(path, data=body, content_type="application/json", headers=headers)
        assert response.status_code == 400, path
        error = response.get_json()["error"]
        assert error["code"] == "invalid_json" and "32" in error["message"]


def test_json_at_the_depth_limit_is_read(client, auth):
    nested = {"a": 1}
    for _ in range(28):
        nested = {"x": nested}
    response = client.post("/pedidos/", json={"cliente": "A", "observacao": "x", "extra": nested}, headers=auth)
    assert response.status_code == 422  # read, then refused for the unknown field, not for its depth
    assert "extra" in response.get_json()["error"]["fields"]


# -- scrypt off the event loop ---------------------------------------------------------------


def test_password_hashing_runs_off_the_event_loop_under_gevent():
    script = """
from gevent import monkey; monkey.patch_all()
import json, threading
from werkzeug import security
from sgp_app.auth import passwords
seen = []
original = security.check_password_hash
def spy(*args):
    seen.append(threading.get_native_id())
    return original(*args)
passwords.check_password_hash = spy
passwords.check_password(security.generate_password_hash("x", method="pbkdf2:sha256:1000"), "x")
print(json.dumps({"hub": threading.get_native_id(), "hash": seen}))
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    ids = json.loads(result.stdout.strip().splitlines()[-1])
    assert ids["hash"] and ids["hash"][0] != ids["hub"]


def test_concurrent_logins_all_succeed_while_hashes_run_off_the_loop(live_server, db_url):
    # Each login yields while its hash runs; none may keep a read transaction that a later
    # write on SQLite would find stale ("database is locked").
    add_users(db_url, "ana")
    server = live_server()
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: server.request("POST", "/auth/login", json=CREDENTIALS), range(40)))
    assert [a.status_code for a in answers] == [200] * 40


# -- session tokens are pruned ----------------------------------------------------------------


def test_retention_prunes_expired_and_revoked_tokens_after_the_grace_period(app):
    make_user(app, "ana", PASSWORD)
    now = utcnow()
    ages = {
        "expired-long-ago": {"expira_em": now - timedelta(hours=30)},
        "revoked-long-ago": {"expira_em": now + timedelta(hours=5), "revogado_em": now - timedelta(hours=25)},
        "expired-recently": {"expira_em": now - timedelta(hours=1)},
        "revoked-recently": {"expira_em": now + timedelta(hours=5), "revogado_em": now - timedelta(minutes=5)},
        "live": {"expira_em": now + timedelta(hours=5)},
    }
    with app.app_context():
        usuario = db.session.scalar(select(Usuario))
        for name, times in ages.items():
            db.session.add(SessaoToken(token_hash=hash_token(name), usuario=usuario, **times))
        db.session.commit()
    with app.app_context():
        Retention(app).prune()
    with app.app_context():
        kept = set(db.session.scalars(select(SessaoToken.token_hash)))
    assert kept == {hash_token(n) for n in ("expired-recently", "revoked-recently", "live")}
