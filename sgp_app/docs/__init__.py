"""``/docs``: Swagger UI (the swagger-ui-bundle package, served locally) over ``/openapi.json``."""

from flask import Blueprint, Response, abort, send_from_directory
from swagger_ui_bundle import swagger_ui_path

bp = Blueprint("docs", __name__, static_folder="static", static_url_path="/docs/static")
SWAGGER_FILES = {"swagger-ui.css", "swagger-ui-bundle.js"}


@bp.get("/docs")
def index() -> Response:
    """A readable page of the REST API, from its OpenAPI description."""
    return bp.send_static_file("index.html")


@bp.get("/docs/swagger/<name>")
def swagger_file(name: str) -> Response:
    """Swagger UI's own files, from the installed package (no CDN)."""
    if name not in SWAGGER_FILES:
        abort(404)
    return send_from_directory(swagger_ui_path, name)
