"""Repeat the attacks of the abuse review against a real server and print what each one achieves now.

    python3 bench/abuse.py [--out bench/results/abuse.json]

Every request goes to a gunicorn started here on 127.0.0.1; counts and times are bounded.
"""

import argparse
import asyncio
import http.client
import json
import statistics
import threading
import time

import requests
import websockets
from common import Server, prepare_database

USER, PASSWORD = "bench", "bench-pw"


def metrics_growth(server, count=2000):
    """Made-up methods and paths: /metrics size and worker memory before and after."""
    session = requests.Session()
    for i in range(3):  # the first of each kind adds its one series, as does the first scrape
        session.request(f"XFQY{i:06d}", server.url + "/health")
        session.get(f"{server.url}/nada/{i}")
    session.get(server.url + "/metrics")
    before = (len(session.get(server.url + "/metrics").content), server.rss())
    for i in range(3, count):
        session.request(f"XFQY{i:06d}", server.url + "/health")
        session.get(f"{server.url}/nada/{i}")
    after = (len(session.get(server.url + "/metrics").content), server.rss())
    return {
        "requests": 2 * count,
        "metrics_bytes": [before[0], after[0]],
        "worker_rss_mib": [round(before[1] / 2**20, 1), round(after[1] / 2**20, 1)],
    }


def lockout(server, guesses=30):
    """Failures for many usernames from one address, then a colleague's correct login."""
    for i in range(guesses):
        requests.post(server.url + "/auth/login", json={"username": f"chute{i}", "password": "x"})
    colleague = requests.post(server.url + "/auth/login", json={"username": USER, "password": PASSWORD})
    return {"failed_guesses": guesses, "colleague_login_status": colleague.status_code}


def lockout_behind_proxy(server, guesses=150):
    """The same behind one proxy (SGP_TRUSTED_PROXIES=1): the guesser's own address is stopped."""
    statuses = []
    for i in range(guesses):
        answer = requests.post(
            server.url + "/auth/login",
            json={"username": f"chute{i}", "password": "x"},
            headers={"X-Forwarded-For": "203.0.113.5"},
        )
        statuses.append(answer.status_code)
    colleague = requests.post(
        server.url + "/auth/login",
        json={"username": USER, "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    return {
        "guesses": guesses,
        "guesser_401": statuses.count(401),
        "guesser_429": statuses.count(429),
        "colleague_login_status": colleague.status_code,
    }


def secret_on_health(server):
    text = requests.get(server.url + "/health").text
    return {"password_shown": "s3gredo" in text, "broker": json.loads(text)["broker"].get("url")}


async def _ping_rtts(server, token, stop, rtts):
    async with websockets.connect(f"{server.ws_url}?token={token}") as ws:
        await ws.recv()  # connected
        while not stop.is_set():
            sent = time.perf_counter()
            await ws.send(json.dumps({"type": "ping", "timestamp": sent}))
            while json.loads(await ws.recv())["type"] != "pong":
                pass
            rtts.append((time.perf_counter() - sent) * 1000)
            await asyncio.sleep(0.06)  # under SGP_WS_RATE_LIMIT (20 messages a second)


def stall_by_logins(server, concurrent=20):
    """A socket's ping round trip while ``concurrent`` correct logins (scrypt each) run at once."""
    token = server.login()
    stop, rtts = threading.Event(), []
    pinger = threading.Thread(target=lambda: asyncio.run(_ping_rtts(server, token, stop, rtts)))
    pinger.start()
    time.sleep(0.5)
    idle = list(rtts)
    logins = [threading.Thread(target=server.login) for _ in range(concurrent)]
    started = time.perf_counter()
    for t in logins:
        t.start()
    for t in logins:
        t.join()
    elapsed = time.perf_counter() - started
    during = rtts[len(idle) :]
    stop.set()
    pinger.join(10)
    return {
        "concurrent_logins": concurrent,
        "logins_took_s": round(elapsed, 2),
        "ping_rtt_idle_ms_max": round(max(idle), 1),
        "ping_rtt_during_ms_p50": round(statistics.median(during), 1),
        "ping_rtt_during_ms_max": round(max(during), 1),
    }


def huge_order(server):
    token = server.login()
    small = {"descricao": "x", "quantidade": 1, "valor_unitario": 1}
    body = json.dumps({"cliente": "Enorme", "itens": [small] * 18000})
    started = time.perf_counter()
    answer = requests.post(
        server.url + "/pedidos/",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    return {
        "body_bytes": len(body),
        "status": answer.status_code,
        "took_ms": round((time.perf_counter() - started) * 1000, 1),
        "error": answer.json()["error"].get("fields"),
    }


def deep_json(server):
    body = "[" * 100_000 + "]" * 100_000
    answer = requests.post(server.url + "/auth/login", data=body, headers={"Content-Type": "application/json"})
    return {"depth": 100_000, "status": answer.status_code, "code": answer.json()["error"]["code"]}


def tokens_pruned(server, logins=50):
    """Logins and logouts, then a few janitor rounds (retention set to ~1 s here): rows left."""
    from sqlalchemy import create_engine, text

    async def hold_a_socket():  # the janitor starts with a worker's first socket
        async with websockets.connect(f"{server.ws_url}?token={server.login()}") as ws:
            await ws.recv()
            await asyncio.sleep(4)

    def rows():
        engine = create_engine(server.db_url)
        with engine.connect() as connection:
            count = connection.execute(text("SELECT count(*) FROM sessao_tokens")).scalar()
        engine.dispose()
        return count

    for _ in range(logins):
        token = server.login()
        requests.post(server.url + "/auth/logout", headers={"Authorization": f"Bearer {token}"})
    before = rows()
    asyncio.run(hold_a_socket())
    return {"logins_and_logouts": logins, "token_rows_before": before, "token_rows_after_janitor": rows()}


def percent_encoded_token_in_log(server):
    token = server.login()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", f"/auth/me?%74oken={token}")
    connection.getresponse().read()
    connection.close()
    time.sleep(0.3)
    with open(server.log_path, encoding="utf-8", errors="replace") as log:
        return {"token_in_log": token in log.read()}


def forged_log_line(server):
    """A path that carries a newline and a made-up log line, a NUL and a right-to-left override."""
    forged = "2026-01-01 00:00:00,000 INFO sgp_app.access: POST /usuarios 201"
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", "/x%0a" + forged.replace(" ", "%20") + "%00%E2%80%AE")
    connection.getresponse().read()
    connection.close()
    time.sleep(0.3)
    with open(server.log_path, encoding="utf-8", errors="replace") as log:
        lines = log.read().splitlines()
    return {"forged_lines": sum(line.startswith(forged) for line in lines), "raw_nul": any("\x00" in x for x in lines)}


def odd_requests(server):
    """Other scripts' digits as ids, malformed and listed If-Match, HEAD on the event stream."""
    token = server.login()
    auth = {"Authorization": f"Bearer {token}"}
    pedido = requests.post(server.url + "/pedidos/", json={"cliente": "A", "valor_total": "1"}, headers=auth).json()
    url = f"{server.url}/pedidos/{pedido['id']}"
    statuses = {
        "GET /pedidos/%EF%BC%91": requests.get(server.url + "/pedidos/%EF%BC%91", headers=auth).status_code,
        'If-Match: "6': requests.patch(url, json={}, headers={**auth, "If-Match": '"6'}).status_code,
        'If-Match: "9", "1"': requests.patch(url, json={}, headers={**auth, "If-Match": '"9", "1"'}).status_code,
    }
    started = time.monotonic()
    head = requests.head(f"{server.url}/pedidos/stream?token={token}", timeout=10)
    statuses["HEAD /pedidos/stream"] = [head.status_code, len(head.content), round(time.monotonic() - started, 2)]
    return statuses


def admin_only(server):
    token = server.login()
    answer = requests.get(server.url + "/usuarios", headers={"Authorization": f"Bearer {token}"})
    csp = requests.get(server.url + "/").headers["Content-Security-Policy"]
    connect_src = next(part.strip() for part in csp.split(";") if part.strip().startswith("connect-src"))
    return {"non_admin_GET_usuarios": answer.status_code, "csp_connect_src": connect_src}


def on_server(url, attack, **env):
    """Run ``attack(server)`` against a server of its own with these settings; its log is kept."""
    server = Server(url, env=env, log=f"/tmp/sgp-bench-abuse-{time.time_ns()}.log")
    server.db_url, server.log_path = url, server.log.name
    try:
        return attack(server)
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out")
    args = parser.parse_args()
    results = {}
    url = prepare_database(users=((USER, PASSWORD),))
    server = Server(url)
    try:
        results["1_metrics_growth"] = metrics_growth(server)
        results["2_lockout_same_address"] = lockout(server)
        results["4_stall_by_logins"] = stall_by_logins(server)
        results["4_huge_order"] = huge_order(server)
        results["4_deep_json"] = deep_json(server)
        results["7_roles_and_csp"] = admin_only(server)
        results["8_odd_requests"] = odd_requests(server)
    finally:
        server.stop()
    results["2_lockout_behind_proxy"] = on_server(url, lockout_behind_proxy, SGP_TRUSTED_PROXIES="1")
    results["5_tokens"] = on_server(
        url, tokens_pruned, SGP_TOKEN_RETENTION_HOURS="0.0003", SGP_EVENT_PRUNE_INTERVAL="1"
    )
    broker = "redis://:s3gredo@127.0.0.1:6379/0?password=s3gredo"
    results["3_secret_on_health"] = on_server(url, secret_on_health, SGP_BROKER_URL=broker)
    results["6_percent_encoded_token"] = on_server(
        url, percent_encoded_token_in_log, GUNICORN_CMD_ARGS="--access-logfile -"
    )
    results["9_forged_log_line"] = on_server(url, forged_log_line, GUNICORN_CMD_ARGS="--access-logfile -")
    text = json.dumps(results, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            out.write(text + "\n")


if __name__ == "__main__":
    main()
