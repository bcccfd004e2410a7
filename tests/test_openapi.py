"""/openapi.json stays true: every route is described, and every description is a route."""

import re

from sgp_app.openapi import SPEC

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
}


def routes(app):
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.rule in UNDOCUMENTED:
            continue
        path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", rule.rule)
        found.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    return found


def test_every_route_is_described_and_nothing_else(app):
    documented = {path: set(ops) for path, ops in SPEC["paths"].items()}
    assert routes(app) == documented


def test_openapi_json_is_served(client):
    body = client.get("/openapi.json").get_json()
    assert body["openapi"].startswith("3.")
    assert "/pedidos/{pedido_id}" in body["paths"]


def test_every_reference_resolves():
    text = repr(SPEC)
    for name in set(re.findall(r"#/components/schemas/(\w+)", text)):
        assert name in SPEC["components"]["schemas"], name
