"""Fan-out benchmark: N clients, K orders, how fast each event reaches everyone.

    python3 bench/fanout.py                      # 100, 1000, 5000, 10000 clients; SGP and naive
    python3 bench/fanout.py --clients 1000 --impl sgp --events 50
    python3 bench/fanout.py --clients 10000 --impl sgp,sgp-sse   # the socket beside the event stream

``sgp`` holds WebSocket clients on ``/ws/pedidos``, ``sgp-sse`` Server-Sent Events clients on
``/pedidos/stream`` (same server, same broadcaster), ``naive`` the seed's design (bench/naive_app.py),
``preframed`` a pre-framed gevent loop (bench/preframed_app.py), ``aiohttp`` aiohttp on uvloop
(bench/aiohttp_app.py; ``pip install aiohttp uvloop``).

The server runs on CPU 0 (taskset), this client on CPU 1. For each implementation and
client count it reports, as one JSON line: fan-out time of one event to all clients
(p50, p99), per-delivery latency (p50, p99), deliveries per second in a burst, deliveries
lost, server RSS per idle connection, and order-create latency (p50, p99) while the
clients are connected. A summary table with the SGP/naive ratio follows.
"""

import argparse
import json
import os
import sys
import time
from datetime import datetime

import requests
from common import Server, prepare_database
from wsload import Fleet

IMPLS = {
    "sgp": "wsgi:app",
    "sgp-sse": "wsgi:app",
    "naive": "bench.naive_app:app",
    "preframed": "bench.preframed_app:app",
    "aiohttp": "bench.aiohttp_app:app",
}
KINDS = {"sgp-sse": "sse"}
ARGS = {"aiohttp": ("-c", "bench/aiohttp_gunicorn.py")}  # its own worker class, none of the service's hooks


def pct(values, q):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(q / 100 * len(values)))]


def ms(seconds):
    return None if seconds is None else round(seconds * 1000, 2)


def measure(impl, clients_n, events_n, burst_n, db_url):
    server = Server(
        db_url,
        cpus="0",
        app=IMPLS[impl],
        args=ARGS.get(impl, ()),
        env={
            "SGP_WS_PING_INTERVAL": "600",
            "SGP_SSE_HEARTBEAT": "600",
            "SGP_WS_AUTH_TIMEOUT": "600",
            "SGP_WS_SEND_QUEUE": "4096",
        },
    )
    fleet = None
    try:
        token = server.login()
        time.sleep(1.0)
        rss_base = server.rss()
        fleet = Fleet(server.port, token, clients_n, kind=KINDS.get(impl, "ws"))
        clients = fleet.clients
        time.sleep(2.0)
        rss_idle = server.rss()
        http = requests.Session()
        headers = {"Authorization": f"Bearer {token}"}

        def create():
            started = time.perf_counter()
            response = http.post(
                server.url + "/pedidos/", json={"cliente": "Bench", "valor_total": "1"}, headers=headers, timeout=60
            )
            response.raise_for_status()
            return time.perf_counter() - started

        def newest():
            response = http.get(server.url + "/pedidos/eventos?limit=1", headers=headers, timeout=60)
            return int(response.headers["X-Ultimo-Evento-Id"])

        def everyone_has(evento_id, timeout):
            return fleet.wait(lambda: all(evento_id in c.arrivals for c in clients), timeout)

        # Paced: one event at a time, each timed from the moment its request was sent.
        fanouts, deliveries, creates = [], [], []
        evento_id = newest()
        for _ in range(events_n):
            evento_id += 1
            sent_at = time.time()
            creates.append(create())
            everyone_has(evento_id, 30)
            arrivals = [c.arrivals[evento_id] - sent_at for c in clients if evento_id in c.arrivals]
            if arrivals:
                fanouts.append(max(arrivals))
                deliveries += arrivals
        # Burst: events back to back; deliveries per second from the first request to the last arrival.
        first = evento_id + 1
        burst_start = time.time()
        for _ in range(burst_n):
            create()
        last = newest()
        everyone_has(last, 120)
        time.sleep(0.5)
        wanted = range(first, last + 1)
        burst_end = max((c.arrivals.get(i, 0) for c in clients for i in wanted), default=burst_start)
        burst_deliveries = sum(1 for c in clients for i in wanted if i in c.arrivals)
        expected = clients_n * (events_n + burst_n)
        received = len(deliveries) + burst_deliveries
        return {
            "impl": impl,
            "clients": clients_n,
            "events": events_n,
            "burst": burst_n,
            "fanout_p50_ms": ms(pct(fanouts, 50)),
            "fanout_p99_ms": ms(pct(fanouts, 99)),
            "delivery_p50_ms": ms(pct(deliveries, 50)),
            "delivery_p99_ms": ms(pct(deliveries, 99)),
            "deliveries_per_s": round(burst_deliveries / max(burst_end - burst_start, 1e-9)),
            "lost": expected - received,
            "rss_per_conn_kib": round((rss_idle - rss_base) / clients_n / 1024, 1),
            "create_p50_ms": ms(pct(creates, 50)),
            "create_p99_ms": ms(pct(creates, 99)),
        }
    finally:
        if fleet is not None:
            fleet.close()
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="100,1000,5000,10000", help="comma-separated client counts")
    parser.add_argument("--impl", default="sgp,naive", help="comma-separated: sgp, sgp-sse, naive, preframed, aiohttp")
    parser.add_argument("--events", type=int, default=30, help="paced events per run")
    parser.add_argument("--burst", type=int, default=30, help="back-to-back events per run")
    parser.add_argument("--out", help="append the JSON lines to this file")
    args = parser.parse_args()
    os.sched_setaffinity(0, {1})  # the clients on CPU 1, the server on CPU 0
    results = []
    for n in [int(x) for x in args.clients.split(",")]:
        for impl in args.impl.split(","):
            result = measure(impl, n, args.events, args.burst, prepare_database())
            result["when"] = datetime.now().isoformat(timespec="seconds")
            print(json.dumps(result), flush=True)
            results.append(result)
            if args.out:
                with open(args.out, "a") as f:
                    f.write(json.dumps(result) + "\n")
    print_table(results)


def print_table(results):
    by = {(r["impl"], r["clients"]): r for r in results}
    print(
        "\nclients | impl    | fan-out p50/p99 ms | delivery p50/p99 ms | deliveries/s | lost | KiB/conn "
        "| create p99 ms",
        file=sys.stderr,
    )
    for (impl, n), r in sorted(by.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        ratio = ""
        naive = by.get(("naive", n))
        if impl == "sgp" and naive and naive["deliveries_per_s"]:
            ratio = f" (x{r['deliveries_per_s'] / naive['deliveries_per_s']:.1f})"
        print(
            f"{n:7} | {impl:7} | {r['fanout_p50_ms']}/{r['fanout_p99_ms']} | {r['delivery_p50_ms']}/"
            f"{r['delivery_p99_ms']} | {r['deliveries_per_s']}{ratio} | {r['lost']} | {r['rss_per_conn_kib']} | "
            f"{r['create_p99_ms']}",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
