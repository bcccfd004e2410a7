"""The live board at ``/``: static HTML, CSS and JavaScript, no build step, nothing from a CDN."""

from flask import Blueprint, Response

bp = Blueprint("board", __name__, static_folder="static", static_url_path="/board")


@bp.get("/")
def index() -> Response:
    """The board page; it talks to the REST API and to ``/ws/pedidos`` like any other client."""
    return bp.send_static_file("index.html")
