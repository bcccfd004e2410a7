"""The OpenAPI 3 description of the REST API, served at ``/openapi.json``.

Built by walking the app's URL map: every route with a :func:`~sgp_app.contract.contract` is
described from it (models, status codes, headers, access), so a new route appears here with no
other file touched. Pages for people, the socket and the event stream have no contract and are
left out (``docs/protocol.md`` describes the last two). ``tests/test_schemathesis.py`` fails
when the server does other than this says.
"""

import re
from http import HTTPStatus
from typing import Any

from flask import Blueprint, Flask, current_app
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from werkzeug.routing import Rule

from . import contract as contracts
from .contract import HEADERS, Contract, contract
from .errors import Error

bp = Blueprint("openapi", __name__)

INFO = {
    "title": "SGP — Sistema de Gestão de Pedidos",
    "version": "0.1.0",
    "description": "Orders REST API. Live events: WebSocket /ws/pedidos and the event stream /pedidos/stream "
    "(see docs/protocol.md). Every error has the shape {error: {code, message, fields?}}.",
}
TAGS = [
    {"name": "auth", "description": "Session tokens"},
    {"name": "pedidos", "description": "Orders and their event log"},
    {"name": "usuarios", "description": "User management (admins only)"},
    {"name": "catalogos", "description": "The shop's lists orders pick from: everyone reads, admins write"},
    {"name": "clientes", "description": "The customer registry: search as one types, CSV in and out"},
    {"name": "arquivos", "description": "Files on orders and items: uploads, signed downloads, thumbnails"},
    {"name": "webhooks", "description": "Signed event deliveries to other systems (admins only)"},
    {"name": "operacao", "description": "Health, metrics and this document"},
]
# A path argument's schema by its converter (<id:pedido_id> is an integer).
CONVERTERS = {"id": {"type": "integer"}, "int": {"type": "integer"}}
ARGUMENT = re.compile(r"<(?:([a-z]+)(?:\([^)]*\))?:)?([a-z_]+)>")
ERROR = {"$ref": "#/components/schemas/Error"}


def document(app: Flask) -> dict[str, Any]:
    """The OpenAPI document of ``app``'s routes that have a contract."""
    paths: dict[str, dict[str, Any]] = {}
    bodies: set[type[BaseModel]] = set()
    answers: set[type[BaseModel]] = {Error}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        declared = contracts.of(app.view_functions[rule.endpoint])
        if declared is None:
            continue
        path = ARGUMENT.sub(r"{\2}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule, declared)
        if declared.body is not None:
            bodies.add(declared.body)
        answers.update(contracts.models_of(declared.answer))
    return {
        "openapi": "3.0.3",
        "info": INFO,
        "tags": TAGS,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": _components(bodies, answers),
        },
        "paths": paths,
    }


def _operation(rule: Rule, declared: Contract) -> dict[str, Any]:
    name = rule.endpoint.rpartition(".")[2]
    first, *rest = name.split("_")
    operation: dict[str, Any] = {
        "operationId": first + "".join(word.title() for word in rest),
        "tags": [declared.tag or rule.endpoint.partition(".")[0]],
        "summary": declared.summary,
    }
    if declared.description:
        operation["description"] = declared.description
    if declared.access != "public":
        operation["security"] = [{"bearer": []}]
    parameters = [
        {"name": argument, "in": "path", "required": True, "schema": CONVERTERS.get(converter, {"type": "string"})}
        for converter, argument in ARGUMENT.findall(rule.rule)
    ]
    if declared.query is not None:
        parameters += _query_parameters(declared.query)
    parameters += [
        {"name": h.name, "in": "header", "required": False, "schema": h.schema, "description": h.description}
        for h in declared.request_headers
    ]
    if parameters:
        operation["parameters"] = parameters
    if declared.body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(declared.body)}}}
    elif declared.raw_body:
        operation["requestBody"] = {
            "required": True,
            "content": {media: {"schema": schema} for media, schema in declared.raw_body.items()},
        }
    operation["responses"] = {
        str(declared.status): _answer(declared, declared.status, HTTPStatus(declared.status).phrase),
        **{str(code): _answer(declared, code, description) for code, description in declared.also.items()},
        **{
            str(code): {"description": HTTPStatus(code).phrase, "content": {"application/json": {"schema": ERROR}}}
            for code in declared.error_codes
        },
    }
    return operation


def _answer(declared: Contract, code: int, description: str) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description}
    schema = _schema(declared.answer)
    if schema is not None and code not in (204, 304):
        answer["content"] = {declared.media_type: {"schema": schema}}
        if code == declared.status or code in declared.also:
            answer["content"].update({media: {"schema": other} for media, other in declared.downloads.items()})
    if declared.headers and code == declared.status:
        answer["headers"] = {h: {"schema": {"type": "string"}, "description": HEADERS[h]} for h in declared.headers}
    return answer


def _schema(answer: Any) -> dict[str, Any] | None:
    """An answer declaration's JSON Schema: a model by reference, a list of them, or as written."""
    if answer is None or isinstance(answer, dict):
        return answer
    if isinstance(answer, type) and issubclass(answer, BaseModel):
        return _ref(answer)
    (item,) = contracts.models_of(answer)
    return {"type": "array", "items": _ref(item)}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """One query parameter per field of ``model``, its schema as the model validates it."""
    schema = _tidy(model.model_json_schema(mode="validation"))
    required = set(schema.get("required", ()))
    parameters = []
    for name, field in schema["properties"].items():
        parameter = {"name": name, "in": "query", "required": name in required}
        if "description" in field:
            parameter["description"] = field.pop("description")
        parameters.append({**parameter, "schema": field})
    return parameters


def _components(bodies: set[type[BaseModel]], answers: set[type[BaseModel]]) -> dict[str, Any]:
    """The JSON Schema of each model, in the mode it is used in (a request body, or an answer),
    under its own name."""
    pairs: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (m, "validation") for m in sorted(bodies, key=lambda m: m.__name__)
    ]
    pairs += [(m, "serialization") for m in sorted(answers, key=lambda m: m.__name__)]
    _, top = models_json_schema(pairs, ref_template="#/components/schemas/{model}")
    return {name: _tidy(schema) for name, schema in sorted(top["$defs"].items())}


def _tidy(schema: Any) -> Any:
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


@bp.get("/openapi.json")
@contract(access="public", answer={"type": "object"}, tag="operacao")
def get_openapi() -> dict[str, Any]:
    """This document."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if "sgp_openapi" not in app.extensions:  # the routes are fixed once the app serves
        app.extensions["sgp_openapi"] = document(app)
    return app.extensions["sgp_openapi"]
