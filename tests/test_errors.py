import pytest


def assert_error_shape(response, status, code):
    assert response.status_code == status
    assert response.is_json, response.data[:200]
    assert response.get_json()["error"]["code"] == code
    assert isinstance(response.get_json()["error"]["message"], str)


def test_unknown_route_is_json_404(client):
    assert_error_shape(client.get("/nao/existe"), 404, "not_found")


def test_wrong_method_is_json_405_with_allow(client):
    response = client.put("/pedidos/1")
    assert_error_shape(response, 405, "method_not_allowed")
    assert "PATCH" in response.headers["Allow"]


def test_unexpected_error_is_json_500_without_details(app, client, auth, monkeypatch):
    from sgp_app.pedidos import service

    def boom(*args, **kwargs):
        raise RuntimeError("segredo interno: senha=123")

    monkeypatch.setattr(service, "search", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/pedidos/", headers=auth)
    assert_error_shape(response, 500, "internal_error")
    assert b"segredo" not in response.data
    assert b"Traceback" not in response.data


@pytest.mark.parametrize("path", ["/auth/login", "/pedidos/"])
def test_oversized_body_is_json_413(app, client, auth, path):
    app.config["MAX_CONTENT_LENGTH"] = 100
    response = client.post(path, data="{" + " " * 200 + "}", content_type="application/json", headers=auth)
    assert_error_shape(response, 413, "payload_too_large")


def test_socket_route_outside_gevent_answers_503(client):
    response = client.get("/ws/pedidos", headers={"Upgrade": "websocket", "Connection": "Upgrade"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "realtime_unavailable"
