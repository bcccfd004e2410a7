"""Customers at shop scale and beyond: import 100,000 from CSV, then autocomplete searches, SQLite and PostgreSQL.

    python3 bench/clientes.py                       # both databases, 100,000 customers, 600 searches
    python3 bench/clientes.py --db sqlite --customers 20000

One gunicorn worker (pinned to one core), one client, one request at a time. The customers come in
through ``POST /clientes/importar`` in two files of half each, so the run also says how long an
import takes and how far the worker's resident memory rose during each (sampled every 20 ms): flat memory means the
second, as large as the first, adds nothing. Searches are what people type into the order form:
two or three letters of a first name, a first name and the start of a surname, the start of a
document, the start of a phone number (with and without its area code); each asks for 10 (the
autocomplete's page). One JSON line per database: import seconds and memory, then p50/p95/max of
the searches in milliseconds, overall and by kind.
"""

import argparse
import json
import os
import random
import statistics
import threading
import time

import requests
from common import Server, prepare_database

POSTGRES = os.environ.get("SGP_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PRIMEIROS_TEXTO = (
    "Ana Maria Mariana Marcos Mário Márcia João José Josefa Pedro Paula Paulo Lucas Luana Luís Luíza "
    "Carlos Carla Fernanda Fernando Gabriel Gabriela Rafael Rafaela Bruno Bruna Diego Débora Eduardo "
    "Érica Felipe Flávia Gustavo Helena Igor Isabela Jorge Júlia Leonardo Letícia Mateus Natália "
    "Otávio Patrícia Renato Sofia Thiago Vitória Wagner Yasmin André Beatriz Caio Daniela Elisa Fábio "
    "Heitor Inês Joana Karina"
)
PRIMEIROS = PRIMEIROS_TEXTO.split()
SOBRENOMES_TEXTO = (
    "Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Gomes Costa Ribeiro Martins "
    "Carvalho Almeida Lopes Soares Fernandes Vieira Barbosa Rocha Dias Nascimento Andrade Moreira "
    "Nunes Marques Machado Mendes Freitas Cardoso Ramos Gonçalves Santana Teixeira Araújo Pinto Moura "
    "Cavalcanti Batista Campos Rezende"
)
SOBRENOMES = SOBRENOMES_TEXTO.split()
EMPRESAS = ("Gráfica", "Papelaria", "Comunicação Visual", "Brindes", "Confecções", "Sublimação", "Loja", "Ateliê")
DDD = ("27", "11", "21", "31", "41", "51", "61", "71", "81", "85")


def cpf(rng):
    base = [rng.randrange(10) for _ in range(9)]
    for size in (10, 11):
        resto = sum(d * p for d, p in zip(base, range(size, 1, -1), strict=True)) % 11
        base.append(0 if resto < 2 else 11 - resto)
    return "".join(map(str, base))


def cliente(rng, n):
    if n % 5 == 0:
        nome = f"{rng.choice(EMPRESAS)} {rng.choice(SOBRENOMES)} {rng.choice(PRIMEIROS)} {n}"
    else:
        nome = f"{rng.choice(PRIMEIROS)} {rng.choice(SOBRENOMES)} {rng.choice(SOBRENOMES)}"
    documento = cpf(rng) if n % 3 else ""
    telefone = f"({rng.choice(DDD)}) 9{rng.randrange(10**7, 10**8)}"
    return nome, documento, telefone, f"Cidade {n % 500}", "ES"


def csv_file(rows):
    lines = ["nome;documento;telefone;cidade;uf"] + [";".join(row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


class PeakRss:
    """The worker's largest resident memory while the ``with`` block runs, sampled every 20 ms."""

    def __init__(self, server):
        (self.worker,) = server.workers()
        self.peak = self.worker.memory_info().rss
        self.running = True

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, self.worker.memory_info().rss)
            time.sleep(0.02)

    def __enter__(self):
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()


def queries(rng, rows, count):
    """What people type, by kind, from names, documents and phones that exist."""
    kinds = []
    for n in range(count):
        nome, documento, telefone, *_ = rng.choice(rows)
        words = nome.split()
        digits = "".join(c for c in telefone if c.isdigit())
        kind = ("2 letras", "3 letras", "nome sobrenome", "documento", "telefone com DDD", "telefone sem DDD")[n % 6]
        q = {
            "2 letras": words[0][:2],
            "3 letras": words[0][:3],
            "nome sobrenome": f"{words[0]} {words[1][:3]}",
            "documento": documento[:6] or digits[:5],
            "telefone com DDD": f"({digits[:2]}) {digits[2:6]}",
            "telefone sem DDD": digits[2:7],
        }[kind]
        kinds.append((kind, q))
    return kinds


def ms(values, q):
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 1)


def run(db, customers, searches):
    url = prepare_database(POSTGRES if db == "postgresql" else None, users=(("bench", "bench-pw", True),))
    server = Server(url, workers=1, cpus="0")
    rng = random.Random(20261202)
    try:
        headers = {"Authorization": f"Bearer {server.login()}"}
        rows = [cliente(rng, n) for n in range(customers)]
        half = customers // 2
        requests.get(server.url + "/clientes?q=a", headers=headers, timeout=60)  # the route's code loaded
        result = {"db": db, "customers": customers, "rss_before_mib": round(server.rss() / 2**20, 1)}
        for name, part in (("import_1", rows[:half]), ("import_2", rows[half:])):
            body = csv_file(part)
            started = time.perf_counter()
            with PeakRss(server) as peak:
                answer = requests.post(server.url + "/clientes/importar", data=body, timeout=600,
                                       headers={**headers, "Content-Type": "text/csv"})  # fmt: skip
            elapsed = time.perf_counter() - started
            assert answer.status_code == 200, answer.text[:500]
            report = answer.json()
            assert report["rejeitados"] == [], report["rejeitados"][:3]
            result[f"{name}_rows"] = len(part)
            result[f"{name}_mib"] = round(len(body) / 2**20, 1)
            result[f"{name}_s"] = round(elapsed, 1)
            result[f"{name}_peak_rss_mib"] = round(peak.peak / 2**20, 1)
        total = requests.get(server.url + "/clientes?limit=1", headers=headers, timeout=60).headers["X-Total-Count"]
        assert int(total) >= customers * 0.99, total  # a few random homonyms with the same phone merge
        timings: dict[str, list[float]] = {}
        with requests.Session() as http:
            for _kind, q in queries(rng, rows, 30):  # warm up
                http.get(server.url + "/clientes", params={"q": q, "limit": 10}, headers=headers, timeout=60)
            for kind, q in queries(rng, rows, searches):
                started = time.perf_counter()
                answer = http.get(server.url + "/clientes", params={"q": q, "limit": 10}, headers=headers, timeout=60)
                timings.setdefault(kind, []).append(time.perf_counter() - started)
                assert answer.status_code == 200 and answer.json(), (q, answer.text[:200])
        every = [t for values in timings.values() for t in values]
        result.update({"search_p50_ms": round(statistics.median(every) * 1000, 1), "search_p95_ms": ms(every, 0.95),
                       "search_max_ms": ms(every, 1.0)})  # fmt: skip
        result["by_kind_p95_ms"] = {kind: ms(values, 0.95) for kind, values in timings.items()}
    finally:
        server.stop()
    print(json.dumps(result, ensure_ascii=False))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=600)
    args = parser.parse_args()
    for db in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        run(db, args.customers, args.searches)


if __name__ == "__main__":
    main()
