"""/openapi.json stays true: built from each route's contract, every route with one is described,
and a new route appears in it from its contract alone."""

import re
from typing import Annotated

from flask import Blueprint, g
from pydantic import BaseModel

from sgp_app import create_app
from sgp_app.contract import contract
from sgp_app.fields import QueryInteger, Text
from sgp_app.openapi import document
from tests.conftest import PASSWORD

# Pages for people (the board, these docs) and their files; the socket and the event stream have
# their own sections in docs/protocol.md (an endless text/event-stream is no operation to fuzz).
UNDOCUMENTED = {
    "/",
    "/board/<path:filename>",
    "/docs",
    "/docs/static/<path:filename>",
    "/docs/swagger/<name>",
    "/static/<path:filename>",
    "/ws/pedidos",
    "/pedidos/stream",
    "/aprovacao/static/<path:filename>",
    "/aprovacao/<token>/formulario",  # the proof page's form (JSON clients POST /aprovacao/<token>)
}


def routes(app):
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.rule in UNDOCUMENTED:
            continue
        path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", rule.rule)
        found.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    return found


def test_every_route_but_the_pages_has_a_contract_and_is_described(app):
    spec = document(app)
    assert routes(app) == {path: set(ops) for path, ops in spec["paths"].items()}


def test_openapi_json_is_served(client, app):
    body = client.get("/openapi.json").get_json()
    assert body == document(app)
    assert body["paths"]["/pedidos/{pedido_id}"]["patch"]["parameters"][1]["name"] == "If-Match"


def test_every_reference_resolves(app):
    spec = document(app)
    for name in set(re.findall(r"#/components/schemas/(\w+)", repr(spec))):
        assert name in spec["components"]["schemas"], name


def test_operation_ids_are_unique(app):
    ids = [op["operationId"] for path in document(app)["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))


class Busca(BaseModel):
    termo: Annotated[str, Text(20)] = ""
    limite: Annotated[int, QueryInteger(1, 10)] = 5


class Nota(BaseModel):
    texto: Annotated[str, Text(50, required=True)]


class NotaCriada(BaseModel):
    texto: str
    autor: str


def _app_with_a_new_route(db_url):
    """An app with one route added the way the shop's routes are: a function and its contract."""
    bp = Blueprint("notas", __name__, url_prefix="/notas")

    @bp.post("/<id:pedido_id>")
    @contract(query=Busca, body=Nota, answer=NotaCriada, status=201, errors=(404,))
    def create_nota(pedido_id, query, body):
        """Add a note.

        A longer description, over
        two lines.
        """
        return NotaCriada(texto=f"{body.texto} {query.termo} {query.limite}", autor=g.sessao.username), 201

    app = create_app({"TESTING": True, "SGP_DATABASE_URL": db_url})
    app.register_blueprint(bp)
    return app


def test_a_new_route_is_documented_from_its_contract_alone(db_url):
    spec = document(_app_with_a_new_route(db_url))
    operation = spec["paths"]["/notas/{pedido_id}"]["post"]
    assert operation["operationId"] == "createNota"
    assert operation["tags"] == ["notas"]
    assert operation["summary"] == "Add a note."
    assert operation["description"] == "A longer description, over two lines."
    assert operation["security"] == [{"bearer": []}]
    assert [(p["name"], p["in"]) for p in operation["parameters"]] == [
        ("pedido_id", "path"),
        ("termo", "query"),
        ("limite", "query"),
    ]
    assert operation["parameters"][2]["schema"] == {"type": "integer", "minimum": 1, "maximum": 10, "default": 5}
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Nota"}
    assert set(operation["responses"]) == {"201", "400", "401", "404", "413", "414", "415", "422"}
    assert operation["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NotaCriada"
    }
    assert spec["components"]["schemas"]["Nota"]["required"] == ["texto"]


def test_a_new_route_enforces_its_contract(db_url, usuario):
    app = _app_with_a_new_route(db_url)
    client = app.test_client()
    token = client.post("/auth/login", json={"username": "ana", "password": PASSWORD}).get_json()["session_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/notas/1", json={"texto": "oi"}).status_code == 401
    bad = client.post("/notas/1?limite=11&termo=" + "x" * 21, json={"texto": " "}, headers=headers)
    assert bad.status_code == 422
    assert bad.get_json()["error"]["fields"] == {
        "limite": "Deve estar entre 1 e 10",
        "termo": "No máximo 20 caracteres",
    }
    bad_body = client.post("/notas/1", json={"texto": " "}, headers=headers)
    assert bad_body.get_json()["error"]["fields"] == {"texto": "Obrigatório"}
    ok = client.post("/notas/1?termo=a", json={"texto": "oi"}, headers=headers)
    assert ok.status_code == 201
    assert ok.get_json() == {"texto": "oi a 5", "autor": "ana"}


def test_under_test_an_answer_that_drifts_from_its_contract_fails(db_url, caplog):
    bp = Blueprint("deriva", __name__)

    @bp.get("/deriva")
    @contract(access="public", answer=NotaCriada)
    def get_deriva():
        """An answer with a field its model does not have."""
        return {"texto": "a", "autor": "b", "segredo": "c"}

    app = create_app({"TESTING": True, "SGP_DATABASE_URL": db_url})
    app.register_blueprint(bp)
    assert app.test_client().get("/deriva").status_code == 500
    assert "get_deriva answered other than its contract says" in caplog.text
