"""Retention runs in every gunicorn worker, whatever it serves."""

from tests.conftest import PASSWORD, add_users
from tests.live import wait_for


def test_a_worker_that_serves_only_rest_prunes_the_event_log(live_server, db_url):
    add_users(db_url, "ana")
    server = live_server(SGP_EVENT_RETENTION_COUNT="2", SGP_EVENT_PRUNE_INTERVAL="1")
    token = server.login("ana", PASSWORD)
    for i in range(5):
        assert server.request("POST", "/pedidos/", token, json={"cliente": f"C{i}", "valor_total": "1"}).ok

    def stored():
        return [e["evento_id"] for e in server.request("GET", "/pedidos/eventos?desde=0", token).json()]

    # No socket or stream was ever opened in this worker; only the last 2 of 5 events stay.
    assert wait_for(lambda: len(stored()) == 2, timeout=20), stored()
