"""The OpenAPI 3 description of the REST API, served at ``/openapi.json``.

Kept by hand next to the routes, from the same constants the validators use (lengths, enums,
the money pattern). ``tests/test_openapi.py`` fails when a route is missing here or a documented
one does not exist; ``tests/test_schemathesis.py`` fails when the server does other than this says.
"""

from flask import Blueprint
from pydantic.json_schema import models_json_schema

from .auth import schemas as auth
from .errors import Error
from .fields import TEXT_CHARS
from .pedidos import schemas as pedidos
from .usuarios import schemas as usuarios
from .webhooks import schemas as webhooks

bp = Blueprint("openapi", __name__)


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


ERROR = _ref("Error")
BEARER = [{"bearer": []}]


def _response(description, schema=None, headers=None):
    answer = {"description": description}
    if schema is not None:
        answer["content"] = {"application/json": {"schema": schema}}
    if headers:
        answer["headers"] = {h: {"schema": {"type": "string"}} for h in headers}
    return answer


def _errors(*codes):
    return {str(code): _response("Error", ERROR) for code in codes}


def _query(name, schema, description=""):
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _json_body(schema):
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _path_id(name):
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


ID = _path_id("pedido_id")
PAGING = (
    _query("skip", {"type": "integer", "minimum": 0, "maximum": 2147483647, "default": 0}),
    _query("limit", {"type": "integer", "minimum": 0, "maximum": 500, "default": 50}),
)
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {
        "type": "string",
        "pattern": r'^(\*|(W/)?"[\x21\x23-\x7e]*"|[0-9]{1,9})([ \t]*,[ \t]*((W/)?"[\x21\x23-\x7e]*"|[0-9]{1,9}))*$',
    },
    "description": 'The order\'s versao as its ETag ("3"), a list ("3", "4"), or * for any (RFC 9110; the bare 3 is '
    "taken too); weak tags never match. 412 if none matches, 400 if malformed",
}
PEDIDO = _ref("Pedido")
USUARIO_ADMIN = _ref("UsuarioAdmin")
WEBHOOK = _ref("Webhook")


def _components(*models):
    """The JSON Schema of each model, in the mode it is used in (a request body, or an answer),
    under its own name."""
    _, top = models_json_schema(list(models), ref_template="#/components/schemas/{model}")
    return {name: _tidy(schema) for name, schema in top["$defs"].items()}


def _tidy(schema):
    """Fit pydantic's JSON Schema to OpenAPI 3.0: no titles, no ``None`` defaults, ``enum`` for ``const``,
    ``nullable`` for ``anyOf: [X, {type: null}]``."""
    if isinstance(schema, dict):
        tidy = {k: _tidy(v) for k, v in schema.items() if k != "title" and not (k == "default" and v is None)}
        if "const" in tidy:
            tidy["enum"] = [tidy.pop("const")]
        options = tidy.get("anyOf")
        if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
            (other,) = [o for o in options if o != {"type": "null"}]
            del tidy["anyOf"]
            # OpenAPI 3.0 ignores the siblings of a $ref: wrap it to make it nullable.
            tidy.update({"allOf": [other]} if "$ref" in other else other)
            tidy["nullable"] = True
        return tidy
    if isinstance(schema, list):
        return [_tidy(v) for v in schema]
    return schema


CLIENTE_FILTER = {"type": "string", "maxLength": pedidos.TEXT_FIELDS["cliente"], "pattern": TEXT_CHARS}
DATE_FILTER = {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
SPEC = {
    "openapi": "3.0.3",
    "info": {
        "title": "SGP — Sistema de Gestão de Pedidos",
        "version": "0.1.0",
        "description": "Orders REST API. Live events: WebSocket /ws/pedidos (see docs/protocol.md). "
        "Every error has the shape {error: {code, message, fields?}}.",
    },
    "tags": [
        {"name": "auth", "description": "Session tokens"},
        {"name": "pedidos", "description": "Orders and their event log"},
        {"name": "usuarios", "description": "User management (admins only)"},
        {"name": "webhooks", "description": "Signed event deliveries to other systems (admins only)"},
        {"name": "operacao", "description": "Health, metrics and this document"},
    ],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            **_components(
                (Error, "serialization"),
                (auth.Credenciais, "validation"),
                (auth.Sessao, "serialization"),
                (auth.Usuario, "serialization"),
                (usuarios.UsuarioCreate, "validation"),
                (usuarios.UsuarioUpdate, "validation"),
                (usuarios.UsuarioAdmin, "serialization"),
                (pedidos.PedidoCreate, "validation"),
                (pedidos.PedidoUpdate, "validation"),
                (pedidos.Pedido, "serialization"),
                (pedidos.Evento, "serialization"),
                (pedidos.HistoricoEntrada, "serialization"),
                (webhooks.WebhookCreate, "validation"),
                (webhooks.WebhookUpdate, "validation"),
                (webhooks.Webhook, "serialization"),
                (webhooks.WebhookCriado, "serialization"),
                (webhooks.Entrega, "serialization"),
            ),
        },
    },
    "paths": {
        "/auth/login": {
            "post": {
                "operationId": "login",
                "tags": ["auth"],
                "summary": "Exchange a username and password for a session token",
                "requestBody": _json_body(_ref("Credenciais")),
                "responses": {
                    "200": _response("Session", _ref("Sessao")),
                    **_errors(400, 401, 413, 415, 422, 429),
                },
            }
        },
        "/auth/logout": {
            "post": {
                "operationId": "logout",
                "tags": ["auth"],
                "summary": "Revoke this token, also for the sockets opened with it",
                "security": BEARER,
                "responses": {"204": _response("Revoked"), **_errors(401)},
            }
        },
        "/auth/me": {
            "get": {
                "operationId": "getMe",
                "tags": ["auth"],
                "summary": "The token's user",
                "security": BEARER,
                "responses": {"200": _response("User", _ref("Usuario")), **_errors(401)},
            }
        },
        "/pedidos/": {
            "get": {
                "operationId": "listPedidos",
                "tags": ["pedidos"],
                "summary": "List orders, newest first",
                "description": "Link has the next and prev pages (RFC 8288); X-Ultimo-Evento-Id is read before "
                "the orders, so a socket resumed from it misses nothing. An empty parameter is 422.",
                "security": BEARER,
                "parameters": [
                    _query("status", {"type": "string", "enum": list(pedidos.STATUSES)}),
                    _query("prioridade", {"type": "string", "enum": list(pedidos.PRIORIDADES)}),
                    _query("cliente", CLIENTE_FILTER, "words, ignoring case, accents and punctuation"),
                    _query("data_inicio", DATE_FILTER, "on data_entrada, inclusive"),
                    _query("data_fim", DATE_FILTER, "on data_entrada, inclusive"),
                    *PAGING,
                ],
                "responses": {
                    "200": _response(
                        "Orders", {"type": "array", "items": PEDIDO}, ["X-Total-Count", "X-Ultimo-Evento-Id", "Link"]
                    ),
                    **_errors(401, 414, 422),
                },
            },
            "post": {
                "operationId": "createPedido",
                "tags": ["pedidos"],
                "summary": "Create an order (event pedido_criado)",
                "security": BEARER,
                "requestBody": _json_body(_ref("PedidoCreate")),
                "responses": {
                    "201": _response("Created", PEDIDO, ["Location", "ETag"]),
                    **_errors(400, 401, 413, 415, 422),
                },
            },
        },
        "/pedidos/{pedido_id}": {
            "get": {
                "operationId": "getPedido",
                "tags": ["pedidos"],
                "summary": "One order",
                "security": BEARER,
                "parameters": [ID],
                "responses": {"200": _response("Order", PEDIDO, ["ETag"]), **_errors(401, 404)},
            },
            "patch": {
                "operationId": "updatePedido",
                "tags": ["pedidos"],
                "summary": "Change an order (event pedido_atualizado or pedido_cancelado)",
                "security": BEARER,
                "parameters": [ID, IF_MATCH],
                "requestBody": _json_body(_ref("PedidoUpdate")),
                "responses": {
                    "200": _response("Order", PEDIDO, ["ETag"]),
                    **_errors(400, 401, 404, 409, 412, 413, 415, 422),
                },
            },
            "delete": {
                "operationId": "cancelPedido",
                "tags": ["pedidos"],
                "summary": "Cancel an order: it is kept, with status cancelado (event pedido_cancelado)",
                "security": BEARER,
                "parameters": [ID, IF_MATCH],
                "responses": {
                    "200": _response(
                        "Cancelled",
                        {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}},
                    ),
                    **_errors(400, 401, 404, 409, 412),
                },
            },
        },
        "/pedidos/{pedido_id}/historico": {
            "get": {
                "operationId": "getHistoricoPedido",
                "tags": ["pedidos"],
                "summary": "The order's changes, oldest first, each with its author (kept as long as the order)",
                "description": "Paged like the order list: X-Total-Count has the total, Link the next and prev pages.",
                "security": BEARER,
                "parameters": [ID, *PAGING],
                "responses": {
                    "200": _response(
                        "History", {"type": "array", "items": _ref("HistoricoEntrada")}, ["X-Total-Count", "Link"]
                    ),
                    **_errors(401, 404, 422),
                },
            }
        },
        "/pedidos/contrato": {
            "get": {
                "operationId": "getContrato",
                "tags": ["pedidos"],
                "summary": "The status machine (statuses in column order, allowed moves, finals) and the event types",
                "security": BEARER,
                "responses": {
                    "200": _response(
                        "Contract",
                        {
                            "type": "object",
                            "required": ["status", "transicoes", "finais", "prioridades", "tipos_evento"],
                            "properties": {
                                "status": {
                                    "type": "array",
                                    "items": {"type": "string", "enum": list(pedidos.STATUSES)},
                                },
                                "transicoes": {
                                    "type": "object",
                                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                                },
                                "finais": {"type": "array", "items": {"type": "string"}},
                                "prioridades": {"type": "array", "items": {"type": "string"}},
                                "tipos_evento": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                    ),
                    **_errors(401),
                },
            }
        },
        "/pedidos/eventos": {
            "get": {
                "operationId": "listEventos",
                "tags": ["pedidos"],
                "summary": "Stored events after an id, oldest first, exactly as sent on the socket",
                "security": BEARER,
                "parameters": [
                    _query("desde", {"type": "integer", "minimum": 0, "maximum": 9223372036854775807, "default": 0}),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}),
                ],
                "responses": {
                    "200": _response(
                        "Events",
                        {"type": "array", "items": _ref("Evento")},
                        ["X-Ultimo-Evento-Id"],
                    ),
                    **_errors(401, 414, 422),
                },
            }
        },
        "/usuarios/": {
            "get": {
                "operationId": "listUsuarios",
                "tags": ["usuarios"],
                "summary": "Every user, oldest first",
                "security": BEARER,
                "responses": {
                    "200": _response("Users", {"type": "array", "items": USUARIO_ADMIN}),
                    **_errors(401, 403),
                },
            },
            "post": {
                "operationId": "createUsuario",
                "tags": ["usuarios"],
                "summary": "Add a user",
                "security": BEARER,
                "requestBody": _json_body(_ref("UsuarioCreate")),
                "responses": {
                    "201": _response("Created", USUARIO_ADMIN, ["Location"]),
                    **_errors(400, 401, 403, 409, 413, 415, 422),
                },
            },
        },
        "/usuarios/{usuario_id}": {
            "get": {
                "operationId": "getUsuario",
                "tags": ["usuarios"],
                "summary": "One user",
                "security": BEARER,
                "parameters": [_path_id("usuario_id")],
                "responses": {"200": _response("User", USUARIO_ADMIN), **_errors(401, 403, 404)},
            },
            "patch": {
                "operationId": "updateUsuario",
                "tags": ["usuarios"],
                "summary": "Disable or enable a user, change the admin role, or set a new password",
                "description": "Disabling a user or setting a password revokes every token of theirs at once. "
                "The last active admin cannot be disabled or demoted (409).",
                "security": BEARER,
                "parameters": [_path_id("usuario_id")],
                "requestBody": _json_body(_ref("UsuarioUpdate")),
                "responses": {
                    "200": _response("User", USUARIO_ADMIN),
                    **_errors(400, 401, 403, 404, 409, 413, 415, 422),
                },
            },
        },
        "/webhooks/": {
            "get": {
                "operationId": "listWebhooks",
                "tags": ["webhooks"],
                "summary": "Every endpoint, oldest first, without its secret",
                "security": BEARER,
                "responses": {"200": _response("Endpoints", {"type": "array", "items": WEBHOOK}), **_errors(401, 403)},
            },
            "post": {
                "operationId": "createWebhook",
                "tags": ["webhooks"],
                "summary": "Register an endpoint; it gets the events committed from now on",
                "description": "segredo is generated when absent and shown only in this answer. Loopback, private "
                "and link-local targets are 422 unless SGP_WEBHOOK_ALLOW_PRIVATE=1.",
                "security": BEARER,
                "requestBody": _json_body(_ref("WebhookCreate")),
                "responses": {
                    "201": _response("Created", _ref("WebhookCriado"), ["Location"]),
                    **_errors(400, 401, 403, 413, 415, 422),
                },
            },
        },
        "/webhooks/{webhook_id}": {
            "get": {
                "operationId": "getWebhook",
                "tags": ["webhooks"],
                "summary": "One endpoint, without its secret",
                "security": BEARER,
                "parameters": [_path_id("webhook_id")],
                "responses": {"200": _response("Endpoint", WEBHOOK), **_errors(401, 403, 404)},
            },
            "patch": {
                "operationId": "updateWebhook",
                "tags": ["webhooks"],
                "summary": "Disable or enable an endpoint, or change its URL or event types",
                "description": "Enabling resumes from the endpoint's cursor (ultimo_evento_id).",
                "security": BEARER,
                "parameters": [_path_id("webhook_id")],
                "requestBody": _json_body(_ref("WebhookUpdate")),
                "responses": {
                    "200": _response("Endpoint", WEBHOOK),
                    **_errors(400, 401, 403, 404, 413, 415, 422),
                },
            },
            "delete": {
                "operationId": "deleteWebhook",
                "tags": ["webhooks"],
                "summary": "Remove an endpoint and its delivery attempts",
                "security": BEARER,
                "parameters": [_path_id("webhook_id")],
                "responses": {"204": _response("Removed"), **_errors(401, 403, 404)},
            },
        },
        "/webhooks/{webhook_id}/entregas": {
            "get": {
                "operationId": "listEntregas",
                "tags": ["webhooks"],
                "summary": "The latest delivery attempts, newest first (at most 100)",
                "security": BEARER,
                "parameters": [_path_id("webhook_id")],
                "responses": {
                    "200": _response("Attempts", {"type": "array", "items": _ref("Entrega")}),
                    **_errors(401, 403, 404),
                },
            }
        },
        "/health": {
            "get": {
                "operationId": "getHealth",
                "tags": ["operacao"],
                "summary": "Database, broker, live events and sockets of the answering worker",
                "responses": {
                    "200": _response("Healthy or degraded", {"type": "object"}),
                    "503": _response("Database unreachable", {"type": "object"}),
                },
            }
        },
        "/metrics": {
            "get": {
                "operationId": "getMetrics",
                "tags": ["operacao"],
                "summary": "Prometheus metrics, summed over every worker",
                "responses": {
                    "200": {
                        "description": "Prometheus text exposition format",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "getOpenapi",
                "tags": ["operacao"],
                "summary": "This document",
                "responses": {"200": _response("OpenAPI")},
            }
        },
    },
}


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 description of the REST API."""
    return SPEC
