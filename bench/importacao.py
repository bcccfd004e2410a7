"""Moving a shop in: 50,000 api-sgp orders through ``flask import-api-sgp``, time and memory.

    python3 bench/importacao.py                 # 50,000 orders, 3 items each on average, SQLite
    python3 bench/importacao.py --orders 5000
    python3 bench/importacao.py --postgresql postgresql+psycopg://postgres@127.0.0.1:5432  # both on PostgreSQL

Builds an api-sgp SQLite database from its tables (tests/fixtures/api_sgp_schema.sql) with 2,000
customers, its catalogs and the orders (items as its JSON, money as pt-BR text, steps as flags, no
images) — or, with ``--postgresql SERVER_URL``, both databases on that server (``bench_api_sgp`` and
``bench_sgp``, created anew) — then runs the command in a child process against a fresh SGP database, sampling the
child's resident memory every 50 ms; then runs it again (nothing changed: every order is skipped).
One JSON line: seconds, orders per second and peak memory of each run, and the largest memory in
the run's first fifth (flat memory: the peak is not much above it).
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from common import ROOT, SECRET, prepare_database
from sqlalchemy import create_engine, text

TIPOS = ("painel", "lona", "adesivo", "totem", "canga")


def fonte(url, orders, rng):
    engine = create_engine(url)
    sql = (ROOT / "tests" / "fixtures" / "api_sgp_schema.sql").read_text()
    sql = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    with engine.begin() as conn:
        for statement in sql.split(";"):
            if statement.strip():
                conn.execute(text(statement))
        conn.execute(text("INSERT INTO vendedor (id, nome, comissao_percentual, ativo) VALUES (1, 'Joao', 5, true)"))
        clientes = [{"id": n, "nome": f"Cliente {n}", "cep": "29000-000", "cidade": "Vitória - ES", "estado": "",
                     "telefone": f"(27) 9{n:08d}"} for n in range(1, 2001)]  # fmt: skip
        conn.execute(text("INSERT INTO cliente VALUES (:id, :nome, :cep, :cidade, :estado, :telefone)"), clientes)
        lote = []
        for n in range(1, orders + 1):
            itens = [{"tipo_producao": (tipo := rng.choice(TIPOS)), "descricao": f"Item {k}",
                      "valor_unitario": f"{rng.randint(100, 90000) // 100},{rng.randint(0, 99):02d}",
                      f"quantidade_{'paineis' if tipo == 'painel' else tipo}": str(rng.randint(1, 5)),
                      "largura": "1,20", "altura": "0,80", "vendedor": rng.choice(["Joao", "Carlos", "Ana"]),
                      "tecido": "Tecido"} for k in range(rng.choice((1, 2, 3, 3, 4, 5)))]  # fmt: skip
            cliente = clientes[n % 2000]
            lote.append({
                "id": n, "numero": f"{n:010d}", "data_entrada": f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}",
                "prioridade": "NORMAL", "status": rng.choice(["Pendente", "Em Produção", "pronto", "Concluido"]),
                "cliente": cliente["nome"], "telefone_cliente": cliente["telefone"], "cidade_cliente": "Vitória - ES",
                "valor_frete": rng.choice(["", "15,00", "25,90"]), "forma_envio_id": 0, "financeiro": True,
                "conferencia": n % 2 == 0, "sublimacao": False, "costura": False, "expedicao": False, "pronto": False,
                "items": json.dumps(itens),
            })  # fmt: skip
            if len(lote) == 5000 or n == orders:
                nomes = ", ".join(lote[0])
                conn.execute(
                    text(f"INSERT INTO pedidos ({nomes}) VALUES ({', '.join(':' + k for k in lote[0])})"), lote
                )
                lote = []
    engine.dispose()


def fresh_database(server, name):
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return f"{server}/{name}"


def run_import(source, target, orders):
    env = {**os.environ, "SGP_DATABASE_URL": target, "SGP_SECRET_KEY": SECRET}
    cmd = [sys.executable, "-m", "flask", "--app", "sgp_app", "import-api-sgp", source]
    started = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc, samples = psutil.Process(child.pid), []
    while child.poll() is None:
        try:
            samples.append((time.perf_counter() - started, proc.memory_info().rss))
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    out, err = child.communicate()
    elapsed = time.perf_counter() - started
    assert child.returncode == 0, (child.returncode, out[-2000:], err[-2000:])
    peak = max(rss for _, rss in samples)
    early = max(rss for moment, rss in samples if moment <= elapsed * 0.2)  # the first fifth of the run
    return {"s": round(elapsed, 1), "orders_per_s": round(orders / elapsed), "peak_rss_mib": round(peak / 2**20, 1),
            "rss_first_fifth_mib": round(early / 2**20, 1), "report": out.strip().splitlines()[1:5]}  # fmt: skip


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=50_000)
    parser.add_argument("--postgresql", metavar="SERVER_URL", help="both databases on this PostgreSQL server")
    args = parser.parse_args()
    if args.postgresql:
        source = fresh_database(args.postgresql, "bench_api_sgp")
        target = prepare_database(fresh_database(args.postgresql, "bench_sgp"))
    else:
        source = f"sqlite:///{Path(tempfile.mkdtemp(prefix='sgp-bench-import-')) / 'api-sgp.sqlite3'}"
        target = prepare_database()
    fonte(source, args.orders, random.Random(27))
    first = run_import(source, target, args.orders)
    second = run_import(source, target, args.orders)
    backend = "postgresql" if args.postgresql else "sqlite"
    print(json.dumps({"orders": args.orders, "backend": backend, "first": first, "again": second},
                     ensure_ascii=False), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
