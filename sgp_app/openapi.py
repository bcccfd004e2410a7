"""The OpenAPI 3 description of the REST API, served at ``/openapi.json``.

Kept by hand next to the routes; ``tests/test_openapi.py`` fails when a route is
missing here or a documented one does not exist.
"""

from flask import Blueprint

bp = Blueprint("openapi", __name__)

MONEY = {"type": "string", "pattern": r"^\d+\.\d{2}$", "example": "325.00"}
MONEY_IN = {"oneOf": [{"type": "string"}, {"type": "number"}], "description": "≥ 0, at most two decimals"}
ERROR = {"$ref": "#/components/schemas/Error"}
STATUS = {"type": "string", "enum": ["pendente", "em_producao", "pronto", "entregue", "cancelado"]}
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


ID = {"name": "pedido_id", "in": "path", "required": True, "schema": {"type": "integer"}}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": 'The order\'s versao (3, "3" or W/"3"); 412 if stale',
}
PEDIDO = {"$ref": "#/components/schemas/Pedido"}
PEDIDO_IN = {"$ref": "#/components/schemas/PedidoInput"}
USUARIO_ADMIN = {"$ref": "#/components/schemas/UsuarioAdmin"}

SPEC = {
    "openapi": "3.0.3",
    "info": {
        "title": "SGP — Sistema de Gestão de Pedidos",
        "version": "0.1.0",
        "description": "Orders REST API. Live events: WebSocket /ws/pedidos (see the README).",
    },
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
            "Usuario": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "username": {"type": "string"},
                    "is_admin": {"type": "boolean"},
                },
            },
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
            "Item": {
                "type": "object",
                "required": ["descricao", "quantidade", "valor_unitario"],
                "properties": {
                    "id": {"type": "integer", "readOnly": True},
                    "descricao": {"type": "string", "maxLength": 300},
                    "tipo_producao": {"type": "string"},
                    "quantidade": {"type": "integer", "minimum": 1},
                    "valor_unitario": MONEY_IN,
                    "largura": MONEY_IN,
                    "altura": MONEY_IN,
                },
            },
            "PedidoInput": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "cliente": {"type": "string", "maxLength": 200},
                    "telefone_cliente": {"type": "string"},
                    "cidade_cliente": {"type": "string"},
                    "estado_cliente": {"type": "string", "maxLength": 2},
                    "data_entrada": {"type": "string", "format": "date"},
                    "data_entrega": {"type": "string", "format": "date", "nullable": True},
                    "prioridade": {"type": "string", "enum": ["NORMAL", "ALTA"]},
                    "status": STATUS,
                    "observacao": {"type": "string"},
                    "forma_envio": {"type": "string"},
                    "tipo_pagamento": {"type": "string"},
                    "itens": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
                    "valor_frete": MONEY_IN,
                    "valor_total": MONEY_IN,
                },
            },
            "Pedido": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "numero": {"type": "string", "example": "0000000007"},
                    "cliente": {"type": "string"},
                    "telefone_cliente": {"type": "string"},
                    "cidade_cliente": {"type": "string"},
                    "estado_cliente": {"type": "string"},
                    "data_entrada": {"type": "string", "format": "date"},
                    "data_entrega": {"type": "string", "format": "date", "nullable": True},
                    "prioridade": {"type": "string"},
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
                    "versao": {"type": "integer"},
                },
            },
            "Evento": {
                "type": "object",
                "properties": {
                    "type": {"type": "string", "enum": ["pedido_criado", "pedido_atualizado", "pedido_cancelado"]},
                    "evento_id": {"type": "integer"},
                    "pedido_id": {"type": "integer"},
                    "status_atual": STATUS,
                    "cliente": {"type": "string"},
                    "valor_total": MONEY,
                    "timestamp": {"type": "string"},
                },
            },
        },
    },
    "paths": {
        "/auth/login": {
            "post": {
                "summary": "Exchange a username and password for a session token",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["username", "password"],
                                "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
                            }
                        }
                    },
                },
                "responses": {
                    "200": _response(
                        "Session",
                        {
                            "type": "object",
                            "properties": {
                                "session_token": {"type": "string"},
                                "token_type": {"type": "string"},
                                "expires_at": {"type": "string"},
                                "usuario": {"$ref": "#/components/schemas/Usuario"},
                            },
                        },
                    ),
                    **_errors(400, 401, 415, 422, 429),
                },
            }
        },
        "/auth/logout": {
            "post": {
                "summary": "Revoke this token",
                "security": BEARER,
                "responses": {"204": _response("Revoked"), **_errors(401)},
            }
        },
        "/auth/me": {
            "get": {
                "summary": "The token's user",
                "security": BEARER,
                "responses": {"200": _response("User", {"$ref": "#/components/schemas/Usuario"}), **_errors(401)},
            }
        },
        "/pedidos/": {
            "get": {
                "summary": "List orders, newest first",
                "security": BEARER,
                "parameters": [
                    _query("status", STATUS),
                    _query("prioridade", {"type": "string", "enum": ["NORMAL", "ALTA"]}),
                    _query("cliente", {"type": "string"}, "case- and accent-insensitive substring"),
                    _query("data_inicio", {"type": "string", "format": "date"}),
                    _query("data_fim", {"type": "string", "format": "date"}),
                    _query("skip", {"type": "integer", "minimum": 0, "default": 0}),
                    _query("limit", {"type": "integer", "minimum": 0, "maximum": 500, "default": 50}),
                ],
                "responses": {
                    "200": _response(
                        "Orders", {"type": "array", "items": PEDIDO}, ["X-Total-Count", "X-Ultimo-Evento-Id"]
                    ),
                    **_errors(401, 422),
                },
            },
            "post": {
                "summary": "Create an order (event pedido_criado)",
                "security": BEARER,
                "requestBody": {"required": True, "content": {"application/json": {"schema": PEDIDO_IN}}},
                "responses": {
                    "201": _response("Created", PEDIDO, ["Location", "ETag"]),
                    **_errors(400, 401, 413, 415, 422),
                },
            },
        },
        "/pedidos/{pedido_id}": {
            "get": {
                "summary": "One order",
                "security": BEARER,
                "parameters": [ID],
                "responses": {"200": _response("Order", PEDIDO, ["ETag"]), **_errors(401, 404)},
            },
            "patch": {
                "summary": "Change an order (event pedido_atualizado or pedido_cancelado)",
                "security": BEARER,
                "parameters": [ID, IF_MATCH],
                "requestBody": {"required": True, "content": {"application/json": {"schema": PEDIDO_IN}}},
                "responses": {
                    "200": _response("Order", PEDIDO, ["ETag"]),
                    **_errors(400, 401, 404, 409, 412, 413, 415, 422),
                },
            },
            "delete": {
                "summary": "Cancel an order (kept; event pedido_cancelado)",
                "security": BEARER,
                "parameters": [ID, IF_MATCH],
                "responses": {
                    "200": _response("Cancelled", {"type": "object", "properties": {"message": {"type": "string"}}}),
                    **_errors(401, 404, 409, 412),
                },
            },
        },
        "/pedidos/eventos": {
            "get": {
                "summary": "Stored events after an id, oldest first",
                "security": BEARER,
                "parameters": [
                    _query("desde", {"type": "integer", "minimum": 0, "default": 0}),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}),
                ],
                "responses": {
                    "200": _response(
                        "Events",
                        {"type": "array", "items": {"$ref": "#/components/schemas/Evento"}},
                        ["X-Ultimo-Evento-Id"],
                    ),
                    **_errors(401, 422),
                },
            }
        },
        "/usuarios/": {
            "get": {
                "summary": "Every user (admins only)",
                "security": BEARER,
                "responses": {
                    "200": _response("Users", {"type": "array", "items": USUARIO_ADMIN}),
                    **_errors(401, 403),
                },
            },
            "post": {
                "summary": "Add a user (admins only)",
                "security": BEARER,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["username", "password"],
                                "additionalProperties": False,
                                "properties": {
                                    "username": {"type": "string", "minLength": 1, "maxLength": 80},
                                    "password": {"type": "string", "minLength": 8, "maxLength": 1024},
                                    "is_admin": {"type": "boolean", "default": False},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": _response("Created", USUARIO_ADMIN, ["Location"]),
                    **_errors(400, 401, 403, 409, 415, 422),
                },
            },
        },
        "/usuarios/{usuario_id}": {
            "patch": {
                "summary": "Disable or enable a user, change the admin role, or set a new password (admins only)",
                "description": "Disabling a user or setting a password revokes every token of theirs at once. "
                "The last active admin cannot be disabled or demoted (409).",
                "security": BEARER,
                "parameters": [{"name": "usuario_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "additionalProperties": False,
                                "properties": {
                                    "ativo": {"type": "boolean"},
                                    "is_admin": {"type": "boolean"},
                                    "password": {"type": "string", "minLength": 8, "maxLength": 1024},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": _response("User", USUARIO_ADMIN),
                    **_errors(400, 401, 403, 404, 409, 415, 422),
                },
            }
        },
        "/health": {
            "get": {
                "summary": "Database, broker and sockets of the answering worker",
                "responses": {
                    "200": _response("Healthy or degraded", {"type": "object"}),
                    "503": _response("Database unreachable", {"type": "object"}),
                },
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics, summed over every worker",
                "responses": {
                    "200": {
                        "description": "Prometheus text exposition format",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/openapi.json": {"get": {"summary": "This document", "responses": {"200": _response("OpenAPI")}}},
    },
}


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 description of the REST API."""
    return SPEC
