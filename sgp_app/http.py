"""Small request helpers shared by the blueprints."""

from flask import request

from .errors import ApiError


def json_body():
    """The request's JSON object; 415 when not JSON, 400 when malformed or not an object."""
    if not request.is_json:
        raise ApiError(415, "O corpo deve ser JSON (Content-Type: application/json)")
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "JSON malformado", code="invalid_json")
    if not isinstance(data, dict):
        raise ApiError(400, "O corpo deve ser um objeto JSON", code="invalid_json")
    return data
