"""/webhooks: admin routes over the endpoints (Flask test client), signing and backoff in process."""

import hashlib
import hmac
import json
import random
import shutil
import subprocess
import time

import pytest

from sgp_app import create_app
from sgp_app.extensions import db
from sgp_app.webhooks.delivery import retry_delay
from sgp_app.webhooks.sender import sign
from sgp_app.webhooks.targets import normalize_url
from tests.conftest import PASSWORD
from tests.live import TEST_SECRET, make_user, require_service
from tests.readme import code_block, python_function
from tests.test_pedidos import NOVO
from tests.test_usuarios import bearer

PUBLIC = "https://93.184.215.14/sgp"  # a public address: no DNS needed


@pytest.fixture
def admin(app, client):
    make_user(app, "chefe", PASSWORD, admin=True)
    return bearer(client, "chefe")


def create(client, admin, **body):
    response = client.post("/webhooks", json={"url": PUBLIC, **body}, headers=admin)
    assert response.status_code == 201, response.get_json()
    return response


def test_every_webhook_route_is_forbidden_to_a_non_admin(client, auth, admin):
    hook = create(client, admin).get_json()
    answers = [
        client.get("/webhooks", headers=auth),
        client.post("/webhooks", json={"url": PUBLIC}, headers=auth),
        client.get(f"/webhooks/{hook['id']}", headers=auth),
        client.patch(f"/webhooks/{hook['id']}", json={"ativo": False}, headers=auth),
        client.delete(f"/webhooks/{hook['id']}", headers=auth),
        client.get(f"/webhooks/{hook['id']}/entregas", headers=auth),
    ]
    assert [(a.status_code, a.get_json()["error"]["code"]) for a in answers] == [(403, "forbidden")] * 6
    assert client.get("/webhooks").status_code == 401


def test_a_new_endpoint_starts_after_the_newest_event_and_its_secret_is_shown_once(client, auth, admin):
    client.post("/pedidos/", json=NOVO, headers=auth)
    newest = int(client.get("/pedidos/?limit=0", headers=auth).headers["X-Ultimo-Evento-Id"])
    response = create(client, admin)
    hook = response.get_json()
    assert response.headers["Location"] == f"/webhooks/{hook['id']}"
    assert set(hook) == {"id", "url", "tipos", "ativo", "segredo", "ultimo_evento_id", "falhando_desde", "criado_em"}
    assert hook["ultimo_evento_id"] == newest and hook["tipos"] is None and hook["ativo"] is True
    assert hook["falhando_desde"] is None and len(hook["segredo"]) >= 32
    assert create(client, admin).get_json()["segredo"] != hook["segredo"]  # generated anew each time
    listed = client.get("/webhooks", headers=admin).get_json()
    assert "segredo" not in listed[0] and listed[0]["id"] == hook["id"]
    assert "segredo" not in client.get(f"/webhooks/{hook['id']}", headers=admin).get_json()
    given = create(client, admin, segredo="s" * 16, tipos=["pedido_cancelado"]).get_json()
    assert given["segredo"] == "s" * 16 and given["tipos"] == ["pedido_cancelado"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://[64:ff9b::7f00:1]/hook",  # NAT64 of 127.0.0.1
        "http://[64:ff9b:1::a01:203]/hook",  # local-use NAT64 of 10.1.2.3
        "http://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
        "http://[::127.0.0.1]/hook",  # IPv4-compatible
        "http://[2002:a9fe:a9fe::1]/hook",  # 6to4 of 169.254.169.254
    ],
)
def test_loopback_private_and_link_local_targets_are_refused(client, admin, url):
    response = client.post("/webhooks", json={"url": url}, headers=admin)
    assert response.status_code == 422
    assert "SGP_WEBHOOK_ALLOW_PRIVATE" in response.get_json()["error"]["fields"]["url"]


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("https://93.184.215.14/notificação", "https://93.184.215.14/notifica%C3%A7%C3%A3o"),
        ("https://93.184.215.14/a%20b?cliente=José", "https://93.184.215.14/a%20b?cliente=Jos%C3%A9"),
    ],
)
def test_a_non_ascii_url_is_stored_and_posted_encoded(client, admin, given, stored):
    response = client.post("/webhooks", json={"url": given}, headers=admin)
    assert response.status_code == 201 and response.get_json()["url"] == stored


def test_a_non_ascii_host_is_encoded_as_idna():
    assert normalize_url("http://exämple.com/") == "http://xn--exmple-cua.com/"
    assert normalize_url("https://[2606:4700::1]:8443/ç") == "https://[2606:4700::1]:8443/%C3%A7"
    assert normalize_url("https://example.com/já%20codificado") == "https://example.com/j%C3%A1%20codificado"


def test_private_targets_are_allowed_when_the_setting_says_so(db_url):
    app = create_app(
        {"TESTING": True, "SGP_DATABASE_URL": db_url, "SGP_SECRET_KEY": TEST_SECRET, "SGP_WEBHOOK_ALLOW_PRIVATE": True}
    )
    client = app.test_client()
    make_user(app, "chefe", PASSWORD, admin=True)
    admin = bearer(client, "chefe")
    assert client.post("/webhooks", json={"url": "http://127.0.0.1:9/h"}, headers=admin).status_code == 201
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://93.184.215.14/x"}, "url"),
        ({"url": "HTTP://93.184.215.14/x"}, "url"),
        ({"url": "https://user:senha@93.184.215.14/x"}, "url"),
        ({"url": "https:///sem-servidor"}, "url"),
        ({"url": "https://93.184.215.14/" + "x" * 2000}, "url"),
        ({"url": 5}, "url"),
        ({}, "url"),
        ({"url": PUBLIC, "segredo": "curto"}, "segredo"),
        ({"url": PUBLIC, "segredo": "com espaço no meio"}, "segredo"),
        ({"url": PUBLIC, "tipos": []}, "tipos"),
        ({"url": PUBLIC, "tipos": ["pedido_criado", "pedido_criado"]}, "tipos"),
        ({"url": PUBLIC, "tipos": ["pedido_apagado"]}, "tipos"),
        ({"url": PUBLIC, "tipos": "pedido_criado"}, "tipos"),
        ({"url": PUBLIC, "ativo": False}, "ativo"),
    ],
)
def test_bad_endpoints_are_422_on_the_field(client, admin, body, field):
    response = client.post("/webhooks", json=body, headers=admin)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]


def test_patch_disables_enables_changes_tipos_and_url_and_delete_removes(client, admin):
    hook = create(client, admin, tipos=["pedido_criado"]).get_json()
    url = f"/webhooks/{hook['id']}"
    patched = client.patch(url, json={"ativo": False, "tipos": None}, headers=admin).get_json()
    assert patched["ativo"] is False and patched["tipos"] is None
    patched = client.patch(url, json={"ativo": True, "url": PUBLIC + "/novo"}, headers=admin).get_json()
    assert patched["ativo"] is True and patched["url"] == PUBLIC + "/novo"
    assert patched["ultimo_evento_id"] == hook["ultimo_evento_id"]  # resumes from its cursor
    assert client.patch(url, json={"url": "http://10.0.0.1/"}, headers=admin).status_code == 422
    assert client.patch(url, json={"segredo": "x" * 20}, headers=admin).status_code == 422  # not changeable
    assert client.get(f"{url}/entregas", headers=admin).get_json() == []
    assert client.delete(url, headers=admin).status_code == 204
    assert client.get(url, headers=admin).status_code == 404
    assert client.delete(url, headers=admin).status_code == 404
    assert client.get(f"{url}/entregas", headers=admin).status_code == 404


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    body = b'{"type":"pedido_criado","evento_id":1}'
    expected = hmac.new(b"segredo-de-teste", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign("segredo-de-teste", 1700000000, body) == "sha256=" + expected


def test_retries_start_at_one_second_double_and_stop_growing_at_ten_minutes():
    rng = random.Random(7)
    for tentativa, base in ((1, 1), (2, 2), (3, 4), (8, 128)):
        delays = [retry_delay(tentativa, rng) for _ in range(200)]
        assert base * 0.8 <= min(delays) < max(delays) <= base * 1.2  # jittered around the doubling
    assert max(retry_delay(30, rng) for _ in range(200)) == 600


def signed(segredo, body, timestamp=None):
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {"X-SGP-Timestamp": str(timestamp), "X-SGP-Assinatura": sign(segredo, timestamp, body)}


def test_the_readmes_python_check_accepts_our_signature_and_nothing_else():
    valida = python_function("sgp_assinatura_valida")
    body = b'{"type":"pedido_criado","evento_id":7,"cliente":"Gr\xc3\xa1fica"}'
    assert valida("segredo-de-teste-1", signed("segredo-de-teste-1", body), body)
    assert not valida("outro-segredo-xyz", signed("segredo-de-teste-1", body), body)
    assert not valida("segredo-de-teste-1", signed("segredo-de-teste-1", body), body + b" ")
    assert not valida("segredo-de-teste-1", signed("segredo-de-teste-1", body, time.time() - 3600), body)


def test_the_readmes_javascript_check_accepts_our_signature_and_nothing_else(tmp_path):
    node = shutil.which("node")
    if node is None:
        require_service("Node.js not found (apt-get install -y nodejs): the README's JavaScript check is not run")
    (tmp_path / "check.mjs").write_text(code_block("js", "sgpAssinaturaValida"))
    (tmp_path / "run.mjs").write_text(
        'import { sgpAssinaturaValida } from "./check.mjs";\n'
        "const [segredo, headers, corpo] = JSON.parse(process.argv[2]);\n"
        "const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));\n"
        'console.log(JSON.stringify(sgpAssinaturaValida(segredo, h, Buffer.from(corpo, "utf8"))));\n'
    )
    body = '{"type":"pedido_criado","evento_id":7,"cliente":"Gráfica"}'

    def js(segredo, headers, corpo):
        out = subprocess.run(
            [node, str(tmp_path / "run.mjs"), json.dumps([segredo, headers, corpo])],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    good = signed("segredo-de-teste-1", body.encode())
    assert js("segredo-de-teste-1", good, body) is True
    assert js("outro-segredo-xyz", good, body) is False
    assert js("segredo-de-teste-1", good, body + " ") is False
    assert js("segredo-de-teste-1", signed("segredo-de-teste-1", body.encode(), int(time.time()) - 3600), body) is False
