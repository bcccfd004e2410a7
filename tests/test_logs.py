"""Request logging: one line per request, with a request id, and never a token."""

import json
import logging

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
