"""Detailed items against simple ones: create and read an order of 50 items, SQLite and PostgreSQL.

    python3 bench/itens.py                     # both databases, 40 orders of each kind
    python3 bench/itens.py --db sqlite --orders 100

One gunicorn worker; one client, one request at a time (the cost of the items, not concurrency).
"Simple" items are what an order carried before the print-shop detail (description, quantity, unit
price, sizes); "detailed" ones add the base price, finishing with ilhós and cordinha (the server
prices them), material, seller, designer, seams, notes and per-type details. One JSON line per
database and kind, with the median and p95 of create (POST) and read (GET) in milliseconds, and the
ratio detailed/simple.
"""

import argparse
import json
import os
import statistics
import time

import requests
from common import Server, prepare_database

POSTGRES = os.environ.get("SGP_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def simple(n):
    return {"descricao": f"Banner {n}", "tipo_producao": "lona", "quantidade": 2, "valor_unitario": "150.00",
            "largura": "2.00", "altura": "1.00"}  # fmt: skip


def detailed(n, vendedor, designer):
    return {
        "descricao": f"Painel {n}", "tipo_producao": "painel", "quantidade": 2, "valor_base": "100.00",
        "valores_adicionais": "5.00", "largura": "3.00", "altura": "1.00", "material": "Lona 440g",
        "vendedor_id": vendedor, "designer_id": designer, "emenda_quantidade": 1,
        "observacao": "ilhós a cada 30 cm, bainha dupla",
        "acabamento": {"overloque": True, "bainha": True,
                       "ilhos": {"quantidade": 18, "espaco": "0.30", "valor_unitario": "1.00"},
                       "cordinha": {"quantidade": 2, "espaco": "1.50", "valor_unitario": "3.00"}},
        "detalhes": {"cor_fundo": "azul", "frente_verso": True, "camadas": 2},
    }  # fmt: skip


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def measure(server, headers, make_items, orders):
    create, read = [], []
    with requests.Session() as http:
        for n in range(orders):
            body = {"cliente": f"Bench {n}", "itens": [make_items(i) for i in range(50)]}
            started = time.perf_counter()
            answer = http.post(server.url + "/pedidos/", json=body, headers=headers, timeout=60)
            create.append(time.perf_counter() - started)
            assert answer.status_code == 201, answer.text
            started = time.perf_counter()
            got = http.get(f"{server.url}/pedidos/{answer.json()['id']}", headers=headers, timeout=60)
            read.append(time.perf_counter() - started)
            assert got.status_code == 200
    ms = lambda values, q: round(percentile(values, q) * 1000, 1)  # noqa: E731
    return {"create_p50": round(statistics.median(create) * 1000, 1), "create_p95": ms(create, 0.95),
            "read_p50": round(statistics.median(read) * 1000, 1), "read_p95": ms(read, 0.95)}  # fmt: skip


def run(db, orders):
    url = prepare_database(POSTGRES if db == "postgresql" else None, users=(("bench", "bench-pw", True),))
    server = Server(url, workers=1, cpus="0")
    try:
        headers = {"Authorization": f"Bearer {server.login()}"}
        vendedor = requests.post(server.url + "/catalogos/vendedores", json={"nome": "Caio"}, headers=headers).json()
        designer = requests.post(server.url + "/catalogos/designers", json={"nome": "Bia"}, headers=headers).json()
        measure(server, headers, simple, 3)  # warm up
        results = {
            "simple": measure(server, headers, simple, orders),
            "detailed": measure(server, headers, lambda i: detailed(i, vendedor["id"], designer["id"]), orders),
        }
    finally:
        server.stop()
    ratio = {k: round(results["detailed"][k] / results["simple"][k], 2) for k in results["simple"]}
    for kind, numbers in results.items():
        print(json.dumps({"db": db, "items": 50, "orders": orders, "kind": kind, **numbers}))
    print(json.dumps({"db": db, "ratio_detailed_over_simple": ratio}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--orders", type=int, default=40)
    args = parser.parse_args()
    for db in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        run(db, args.orders)


if __name__ == "__main__":
    main()
