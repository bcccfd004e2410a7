"""Request logging: one line per request, with a request id, and never a token."""

import json
import logging

import requests

from sgp_app import create_app
from sgp_app.logs import JsonFormatter


def access_records(caplog):
    return [r for r in caplog.records if r.name == "sgp_app.access"]


def test_each_request_logs_one_line_with_its_request_id(client, caplog):
    caplog.set_level(logging.INFO, logger="sgp_app")
    response = client.get("/health", headers={"X-Request-Id": "abc-123"})
    assert response.headers["X-Request-Id"] == "abc-123"
    (record,) = access_records(caplog)
    assert (record.request_id, record.method, record.path, record.status) == ("abc-123", "GET", "/health", 200)


def test_a_request_id_is_made_when_none_or_a_bad_one_is_given(client, caplog):
    caplog.set_level(logging.INFO, logger="sgp_app")
    first = client.get("/health").headers["X-Request-Id"]
    second = client.get("/health", headers={"X-Request-Id": "bad id; drop table"}).headers["X-Request-Id"]
    assert len(first) == 32 and len(second) == 32 and first != second


def test_tokens_never_reach_the_log(client, token, caplog):
    caplog.set_level(logging.DEBUG, logger="sgp_app")
    client.get(f"/auth/me?token={token}", headers={"Authorization": f"Bearer {token}"})
    client.post("/auth/logout", headers={"Authorization": f"Bearer {token}"})
    assert caplog.records
    assert all(token not in r.getMessage() and token not in str(r.__dict__) for r in caplog.records)


def test_json_format_writes_one_object_per_line(db_url):
    app = create_app({"SGP_DATABASE_URL": db_url, "SGP_LOG_FORMAT": "json"})
    handler = next(h for h in logging.getLogger("sgp_app").handlers if getattr(h, "sgp", False))
    assert isinstance(handler.formatter, JsonFormatter)
    record = logging.LogRecord("sgp_app.access", logging.INFO, __file__, 1, "GET /x 200", None, None)
    record.request_id, record.status = "r1", 200
    line = json.loads(handler.formatter.format(record))
    assert (line["request_id"], line["status"], line["message"]) == ("r1", 200, "GET /x 200")
    create_app({"SGP_DATABASE_URL": db_url})  # back to text for the other tests
    assert app


FORGED = "/x%0a2026-12-01 10:00:00,000 INFO sgp_app.access: POST /usuarios 201 1.00ms id=forjado%00%E2%80%AE%C2%85"


def formatted_lines(app, caplog):
    """The app's access lines as its own handler writes them."""
    handler = next(h for h in logging.getLogger("sgp_app").handlers if getattr(h, "sgp", False))
    return "\n".join(handler.formatter.format(r) for r in access_records(caplog)).split("\n")


def test_a_path_cannot_forge_a_log_line_or_write_raw_control_characters(app, client, caplog):
    caplog.set_level(logging.INFO, logger="sgp_app")
    client.get(FORGED)
    lines = formatted_lines(app, caplog)
    assert len(lines) == 1 and "\x00" not in lines[0] and "\u202e" not in lines[0] and "\x85" not in lines[0]
    assert "/x\\x0a2026-12-01" in lines[0] and "\\x00\\u202e\\x85" in lines[0]


def test_json_lines_escape_what_json_leaves_raw_and_read_back_the_same(db_url, caplog):
    app = create_app({"SGP_DATABASE_URL": db_url, "SGP_LOG_FORMAT": "json"})
    try:
        caplog.set_level(logging.INFO, logger="sgp_app")
        app.test_client().get(FORGED)
        (line,) = formatted_lines(app, caplog)
        assert not any(c in line for c in "\x00\x85\u2028\u202e")
        assert json.loads(line)["path"].startswith("/x\n2026-12-01")  # the very path, readable back
    finally:
        create_app({"SGP_DATABASE_URL": db_url})  # back to text for the other tests


def test_gunicorn_and_the_app_write_no_forged_line(live_server):
    server = live_server(args=("--access-logfile", "-"))
    requests.get(server.url + FORGED, timeout=10)
    log = server.log()
    forged = [line for line in log.splitlines() if line.startswith("2026-12-01 10:00:00,000")]
    assert forged == [] and "\x00" not in log
    assert "GET /x\\x0a2026-12-01" in log  # gunicorn's access line and the app's, escaped
