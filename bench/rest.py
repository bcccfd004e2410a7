"""REST throughput: orders created per second and create latency, SQLite and PostgreSQL, 1 and 2 workers.

    python3 bench/rest.py                    # all four combinations
    python3 bench/rest.py --db sqlite --workers 1 --threads 8 --orders 2000

Client threads post orders as fast as the server answers; one JSON line per combination.
"""

import argparse
import json
import os
import threading
import time

import requests
from common import Server, prepare_database

POSTGRES = os.environ.get("SGP_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def run(db, workers, threads, orders):
    url = prepare_database(POSTGRES if db == "postgresql" else None)
    server = Server(url, workers=workers, cpus="0" if workers == 1 else "0,1")
    try:
        token = server.login()
        headers = {"Authorization": f"Bearer {token}"}
        latencies, errors = [], [0]
        lock = threading.Lock()
        per_thread = orders // threads

        def worker():
            with requests.Session() as http:
                for _ in range(per_thread):
                    started = time.perf_counter()
                    response = http.post(
                        server.url + "/pedidos/",
                        json={"cliente": "Bench", "valor_total": "1"},
                        headers=headers,
                        timeout=60,
                    )
                    elapsed = time.perf_counter() - started
                    with lock:
                        if response.status_code == 201:
                            latencies.append(elapsed)
                        else:
                            errors[0] += 1

        pool = [threading.Thread(target=worker) for _ in range(threads)]
        started = time.perf_counter()
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        duration = time.perf_counter() - started
        latencies.sort()
        return {
            "db": db,
            "workers": workers,
            "threads": threads,
            "orders": len(latencies),
            "errors": errors[0],
            "orders_per_s": round(len(latencies) / duration, 1),
            "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
            "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 2),
        }
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--orders", type=int, default=1600)
    parser.add_argument("--out")
    args = parser.parse_args()
    for db in args.db.split(","):
        for workers in [int(w) for w in args.workers.split(",")]:
            result = run(db, workers, args.threads, args.orders)
            print(json.dumps(result), flush=True)
            if args.out:
                with open(args.out, "a") as f:
                    f.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
