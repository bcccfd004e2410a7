"""The OpenAPI 3 description of the REST API, served at ``/openapi.json``.

Kept by hand next to the routes, from the same constants the validators use (lengths, enums,
the money pattern). ``tests/test_openapi.py`` fails when a route is missing here or a documented
one does not exist; ``tests/test_schemathesis.py`` fails when the server does other than this says.
"""

from flask import Blueprint

from .pedidos.schemas import ITEM_TEXT_FIELDS, MONEY_PATTERN, PRIORIDADES, STATUSES, TEXT_FIELDS

bp = Blueprint("openapi", __name__)

TEXT_CHARS = r"^[^\u0000\uD800-\uDFFF]*$"  # no NUL, no lone surrogate
NOT_BLANK = r"\S"  # at least one character that is not whitespace
MONEY = {"type": "string", "pattern": r"^[0-9]{1,10}\.[0-9]{2}$", "example": "325.00"}
MONEY_IN = {
    "description": "≥ 0, at most two decimals, at most 9999999999.99; a string or a number",
    "oneOf": [
        {"type": "string", "pattern": "^(" + MONEY_PATTERN + ")$", "example": "150.00"},
        {"type": "number", "minimum": 0, "maximum": 9999999999.99, "multipleOf": 0.01},
    ],
}
ERROR = {"$ref": "#/components/schemas/Error"}
STATUS = {"type": "string", "enum": list(STATUSES)}
PRIORIDADE = {"type": "string", "enum": list(PRIORIDADES)}
DATE = {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
BEARER = [{"bearer": []}]


def text(max_length, required=False):
    """A text field as the server checks it (see ``pedidos.schemas.text``)."""
    schema = {"type": "string", "maxLength": max_length, "pattern": TEXT_CHARS}
    if required:
        schema = {"allOf": [schema, {"type": "string", "pattern": NOT_BLANK}]}
    return schema


def nullable(schema):
    return {**schema, "nullable": True}


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
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "pattern": r'^(\*|(W/)?"?[0-9]{1,9}"?)$'},
    "description": 'The order\'s versao (3, "3" or W/"3"), or * for any; 412 if stale, 400 if malformed',
}
PEDIDO = {"$ref": "#/components/schemas/Pedido"}
USUARIO_ADMIN = {"$ref": "#/components/schemas/UsuarioAdmin"}
ITEM_IN = {
    "type": "object",
    "additionalProperties": False,
    "required": ["descricao", "quantidade", "valor_unitario"],
    "properties": {
        "id": {"type": "integer", "description": "ignored: items are replaced as a whole"},
        "descricao": text(ITEM_TEXT_FIELDS["descricao"], required=True),
        "tipo_producao": text(ITEM_TEXT_FIELDS["tipo_producao"]),
        "quantidade": {"type": "integer", "minimum": 1, "maximum": 1000000},
        "valor_unitario": MONEY_IN,
        "largura": nullable(MONEY_IN),
        "altura": nullable(MONEY_IN),
    },
}


def pedido_input(create):
    """The body of POST (``create``) or PATCH /pedidos: the same fields, other rules."""
    properties = {name: text(size, required=(name == "cliente")) for name, size in TEXT_FIELDS.items()}
    properties["estado_cliente"] = {"type": "string", "pattern": "^([A-Za-z]{2})?$", "description": "a state, as ES"}
    properties.update(
        {
            "data_entrada": DATE,
            "data_entrega": nullable(DATE),
            "prioridade": PRIORIDADE,
            "status": {"type": "string", "enum": ["pendente"]} if create else STATUS,
            "itens": {"type": "array", "items": {"$ref": "#/components/schemas/ItemInput"}},
            "valor_frete": MONEY_IN,
            "valor_total": MONEY_IN,
        }
    )
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "description": "Rules across fields: data_entrega not before data_entrada; with itens, valor_total "
        "equals Σ quantidade × valor_unitario + valor_frete; at most SGP_MAX_ITENS items (200). "
        + ("A new order is always pendente." if create else "status moves only as the status machine allows (409)."),
    }
    if create:
        schema["required"] = ["cliente"]
    return schema


USUARIO = {
    "type": "object",
    "required": ["id", "username", "is_admin"],
    "properties": {"id": {"type": "integer"}, "username": {"type": "string"}, "is_admin": {"type": "boolean"}},
}
USUARIO_IN_PASSWORD = {"type": "string", "minLength": 8, "maxLength": 1024, "pattern": TEXT_CHARS}

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
        {"name": "operacao", "description": "Health, metrics and this document"},
    ],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                        },
                    }
                },
            },
            "Usuario": USUARIO,
            "UsuarioAdmin": {
                "type": "object",
                "required": ["id", "username", "is_admin", "ativo", "criado_em"],
                "properties": {
                    "id": {"type": "integer"},
                    "username": {"type": "string"},
                    "is_admin": {"type": "boolean"},
                    "ativo": {"type": "boolean"},
                    "criado_em": {"type": "string", "format": "date-time"},
                },
            },
            "ItemInput": ITEM_IN,
            "Item": {
                "type": "object",
                "required": ["id", "descricao", "tipo_producao", "quantidade", "valor_unitario", "largura", "altura"],
                "properties": {
                    "id": {"type": "integer"},
                    "descricao": {"type": "string"},
                    "tipo_producao": {"type": "string"},
                    "quantidade": {"type": "integer", "minimum": 1},
                    "valor_unitario": MONEY,
                    "largura": nullable(MONEY),
                    "altura": nullable(MONEY),
                },
            },
            "PedidoCreate": pedido_input(create=True),
            "PedidoUpdate": pedido_input(create=False),
            "Pedido": {
                "type": "object",
                "required": [
                    "id",
                    "numero",
                    "cliente",
                    "telefone_cliente",
                    "cidade_cliente",
                    "estado_cliente",
                    "data_entrada",
                    "data_entrega",
                    "prioridade",
                    "status",
                    "observacao",
                    "forma_envio",
                    "tipo_pagamento",
                    "itens",
                    "valor_itens",
                    "valor_frete",
                    "valor_total",
                    "criado_em",
                    "atualizado_em",
                    "versao",
                ],  # fmt: skip
                "properties": {
                    "id": {"type": "integer"},
                    "numero": {"type": "string", "pattern": "^[0-9]{10}$", "example": "0000000007"},
                    "cliente": {"type": "string"},
                    "telefone_cliente": {"type": "string"},
                    "cidade_cliente": {"type": "string"},
                    "estado_cliente": {"type": "string"},
                    "data_entrada": {"type": "string", "format": "date"},
                    "data_entrega": {"type": "string", "format": "date", "nullable": True},
                    "prioridade": PRIORIDADE,
                    "status": STATUS,
                    "observacao": {"type": "string"},
                    "forma_envio": {"type": "string"},
                    "tipo_pagamento": {"type": "string"},
                    "itens": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
                    "valor_itens": MONEY,
                    "valor_frete": MONEY,
                    "valor_total": MONEY,
                    "criado_em": {"type": "string", "format": "date-time"},
                    "atualizado_em": {"type": "string", "format": "date-time"},
                    "versao": {"type": "integer", "minimum": 1},
                },
            },
            "Evento": {
                "type": "object",
                "required": ["type", "evento_id", "pedido_id", "status_atual", "cliente", "valor_total", "timestamp"],
                "properties": {
                    "type": {"type": "string", "enum": ["pedido_criado", "pedido_atualizado", "pedido_cancelado"]},
                    "evento_id": {"type": "integer"},
                    "pedido_id": {"type": "integer"},
                    "status_atual": STATUS,
                    "cliente": {"type": "string"},
                    "valor_total": MONEY,
                    "timestamp": {"type": "string", "format": "date-time"},
                },
            },
        },
    },
    "paths": {
        "/auth/login": {
            "post": {
                "operationId": "login",
                "tags": ["auth"],
                "summary": "Exchange a username and password for a session token",
                "requestBody": _json_body(
                    {
                        "type": "object",
                        "required": ["username", "password"],
                        "properties": {
                            "username": {"allOf": [{"type": "string", "pattern": TEXT_CHARS}, {"minLength": 1}]},
                            "password": {"allOf": [{"type": "string", "pattern": TEXT_CHARS}, {"minLength": 1}]},
                        },
                    }
                ),
                "responses": {
                    "200": _response(
                        "Session",
                        {
                            "type": "object",
                            "required": ["session_token", "token_type", "expires_at", "usuario"],
                            "properties": {
                                "session_token": {"type": "string"},
                                "token_type": {"type": "string", "enum": ["bearer"]},
                                "expires_at": {"type": "string", "format": "date-time"},
                                "usuario": {"$ref": "#/components/schemas/Usuario"},
                            },
                        },
                    ),
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
                "responses": {"200": _response("User", {"$ref": "#/components/schemas/Usuario"}), **_errors(401)},
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
                    _query("status", STATUS),
                    _query("prioridade", PRIORIDADE),
                    _query("cliente", text(200), "case- and accent-insensitive substring"),
                    _query("data_inicio", DATE, "on data_entrada, inclusive"),
                    _query("data_fim", DATE, "on data_entrada, inclusive"),
                    _query("skip", {"type": "integer", "minimum": 0, "maximum": 2147483647, "default": 0}),
                    _query("limit", {"type": "integer", "minimum": 0, "maximum": 500, "default": 50}),
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
                "requestBody": _json_body({"$ref": "#/components/schemas/PedidoCreate"}),
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
                "requestBody": _json_body({"$ref": "#/components/schemas/PedidoUpdate"}),
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
                        {"type": "array", "items": {"$ref": "#/components/schemas/Evento"}},
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
                "requestBody": _json_body(
                    {
                        "type": "object",
                        "required": ["username", "password"],
                        "additionalProperties": False,
                        "properties": {
                            "username": {
                                "allOf": [
                                    {"type": "string", "maxLength": 80, "pattern": TEXT_CHARS},
                                    {"pattern": NOT_BLANK},
                                ]
                            },
                            "password": USUARIO_IN_PASSWORD,
                            "is_admin": {"type": "boolean", "default": False},
                        },
                    }
                ),
                "responses": {
                    "201": _response("Created", USUARIO_ADMIN, ["Location"]),
                    **_errors(400, 401, 403, 409, 413, 415, 422),
                },
            },
        },
        "/usuarios/{usuario_id}": {
            "patch": {
                "operationId": "updateUsuario",
                "tags": ["usuarios"],
                "summary": "Disable or enable a user, change the admin role, or set a new password",
                "description": "Disabling a user or setting a password revokes every token of theirs at once. "
                "The last active admin cannot be disabled or demoted (409).",
                "security": BEARER,
                "parameters": [_path_id("usuario_id")],
                "requestBody": _json_body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "ativo": {"type": "boolean"},
                            "is_admin": {"type": "boolean"},
                            "password": USUARIO_IN_PASSWORD,
                        },
                    }
                ),
                "responses": {
                    "200": _response("User", USUARIO_ADMIN),
                    **_errors(400, 401, 403, 404, 409, 413, 415, 422),
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
