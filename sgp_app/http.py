"""Small request helpers shared by the blueprints."""

from flask import current_app, request

from .errors import ApiError

TOO_DEEP = object()


def json_body():
    """The request's JSON object; 415 when not JSON, 400 when malformed, too deep or not an object."""
    if not request.is_json:
        raise ApiError(415, "O corpo deve ser JSON (Content-Type: application/json)")
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # the parser's own limit, far past ours
        data = TOO_DEEP
    limit = current_app.config["SGP_MAX_JSON_DEPTH"]
    if data is TOO_DEEP or _deeper_than(data, limit):
        raise ApiError(400, f"JSON aninhado demais (no máximo {limit} níveis)", code="invalid_json")
    if data is None:
        raise ApiError(400, "JSON malformado", code="invalid_json")
    if not isinstance(data, dict):
        raise ApiError(400, "O corpo deve ser um objeto JSON", code="invalid_json")
    return data


def storable_text(value):
    """Whether ``value`` is a string any database can store: no NUL, no lone surrogate."""
    if not isinstance(value, str) or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # "\ud800" and friends, which JSON can carry
        return False
    return True


def peek_json():
    """The request's JSON, or ``None`` if it has none; never raises (for rate-limit keys)."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def _deeper_than(value, limit):
    """Whether objects and arrays in ``value`` nest more than ``limit`` levels (without recursion)."""
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
