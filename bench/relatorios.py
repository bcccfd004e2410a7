"""Reports at shop scale and beyond: 100,000 orders and 300,000 items, SQLite and PostgreSQL.

    python3 bench/relatorios.py                    # both databases, 100,000 orders
    python3 bench/relatorios.py --db sqlite --orders 20000

Two years of a busy shop, written straight into the database (the report reads, it does not
write: going through the API would only make the setup slow): orders spread over the 24 months up
to this one, three items each on average, eight sellers, five designers, the seeded production
types, materials, freight, payments; older orders delivered, this month's open and in production.
Then one gunicorn worker (pinned to one core) answers, one request at a time: last month's closing
report in several groupings and both freight modes (also by due date, and as XLSX), each seven
times (the first is reported apart as "cold"), and the board's summary 60 times. One JSON line per
database: the orders in the month, the median and maximum of each report in milliseconds, and the
summary's p50/p95/max.
"""

import argparse
import calendar
import json
import os
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import requests
from common import SECRET, Server, prepare_database

POSTGRES = os.environ.get("SGP_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TIPOS = ("painel", "totem", "lona", "adesivo", "canga", "impressao_3d", "mochilinha", "bolsinha", "almofada")
MATERIAIS = ("Lona 440g", "Lona 280g", "Tecido Oxford", "Vinil adesivo", "Tactel", "")
ENVIOS = ("Retirada", "Correios", "Motoboy", "Transportadora", "")
ETAPAS = ("financeiro", "conferencia", "sublimacao", "costura", "expedicao")
REPORTS = {
    "vendedor": {"agrupar": "vendedor"},
    "vendedor_proporcional": {"agrupar": "vendedor", "frete": "proporcional"},
    "vendedor_designer_proporcional": {"agrupar": "vendedor,designer", "frete": "proporcional"},
    "cliente": {"agrupar": "cliente"},
    "dia_tipo_producao": {"agrupar": "dia,tipo_producao"},
    "forma_envio_por_entrega": {"agrupar": "forma_envio", "data_por": "entrega"},
}
CENT = Decimal("0.01")


def seed(url, orders, today, rng):
    """Write the orders, items, payments' sums and steps in batches; returns how long it took."""
    from sqlalchemy import insert

    from sgp_app import create_app
    from sgp_app.extensions import db
    from sgp_app.models import Designer, EtapaPedido, ItemPedido, Pedido, Vendedor

    started = time.perf_counter()
    app = create_app({"SGP_DATABASE_URL": url, "SGP_SECRET_KEY": SECRET})
    with app.app_context():
        vendedores = [Vendedor(nome=f"Vendedor {n}") for n in range(8)]
        designers = [Designer(nome=f"Designer {n}") for n in range(5)]
        db.session.add_all(vendedores + designers)
        db.session.commit()
        vendedor_ids, designer_ids = [v.id for v in vendedores], [d.id for d in designers]
        first = date(today.year - 2, today.month, 1)
        span = (today - first).days
        batch_orders, batch_items, batch_steps = [], [], []
        item_id = 0
        for n in range(1, orders + 1):
            entrada = first + timedelta(days=span * n // orders)
            age = (today - entrada).days
            status = "entregue" if age > 20 else rng.choice(("pendente", "em_producao", "em_producao", "pronto"))
            if rng.random() < 0.03:
                status = "cancelado"
            itens, valor_itens = [], Decimal(0)
            for _ in range(rng.choice((1, 2, 3, 3, 4, 5))):
                item_id += 1
                quantidade = rng.randint(1, 10)
                unitario = Decimal(rng.randint(500, 90000)) / 100
                largura, altura = Decimal(rng.randint(50, 400)) / 100, Decimal(rng.randint(50, 300)) / 100
                valor_itens += unitario * quantidade
                itens.append({
                    "id": item_id, "pedido_id": n, "descricao": f"Item {item_id}", "tipo_producao": rng.choice(TIPOS),
                    "quantidade": quantidade, "valor_unitario": unitario, "valor_base": unitario,
                    "valores_adicionais": Decimal(0), "largura": largura, "altura": altura,
                    "metro_quadrado": (largura * altura * quantidade).quantize(CENT),
                    "material": rng.choice(MATERIAIS), "vendedor_id": rng.choice(vendedor_ids),
                    "designer_id": rng.choice([*designer_ids, None]), "acabamento": {}, "emenda_quantidade": 0,
                    "observacao": "", "detalhes": {}, "status_arte": "sem_arte",
                })  # fmt: skip
            frete = Decimal(rng.choice((0, 0, 1500, 2590, 4000, 9999))) / 100
            total = valor_itens + frete
            pago = total if status == "entregue" else (total * Decimal(rng.choice(("0", "0.5", "1")))).quantize(CENT)
            nome = f"Cliente {rng.randint(1, 5000)}"
            batch_orders.append({
                "id": n, "numero": f"{n:010d}", "cliente": nome, "cliente_busca": nome.lower(),
                "telefone_cliente": "", "cidade_cliente": "", "estado_cliente": "ES", "data_entrada": entrada,
                "data_entrega": entrada + timedelta(days=rng.randint(1, 15)), "prioridade": "NORMAL",
                "status": status, "observacao": "", "forma_envio": rng.choice(ENVIOS), "tipo_pagamento": "",
                "valor_itens": valor_itens, "valor_frete": frete, "valor_pago": pago, "versao": 1,
                "criado_em": datetime(entrada.year, entrada.month, entrada.day, 12, tzinfo=UTC),
                "atualizado_em": datetime(entrada.year, entrada.month, entrada.day, 12, tzinfo=UTC),
            })  # fmt: skip
            batch_items.extend(itens)
            feitas = (
                len(ETAPAS) if status in ("entregue", "pronto") else rng.randint(0, 3) if status != "pendente" else 0
            )
            batch_steps.extend({"pedido_id": n, "etapa": e} for e in ETAPAS[:feitas])
            if len(batch_orders) == 5000 or n == orders:
                db.session.execute(insert(Pedido), batch_orders)
                db.session.execute(insert(ItemPedido), batch_items)
                if batch_steps:
                    db.session.execute(insert(EtapaPedido), batch_steps)
                db.session.commit()
                batch_orders, batch_items, batch_steps = [], [], []
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        else:
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        db.engine.dispose()
    return time.perf_counter() - started, item_id


def ms(values, q):
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 1)


def run(db, orders, today):
    url = prepare_database(POSTGRES if db == "postgresql" else None, users=(("bench", "bench-pw", True),))
    rng = random.Random(20261226)
    seconds, items = seed(url, orders, today, rng)
    result = {"db": db, "orders": orders, "items": items, "seed_s": round(seconds, 1)}
    server = Server(url, workers=1, cpus="0")
    last = today.replace(day=1) - timedelta(days=1)
    month = {"data_inicio": last.replace(day=1).isoformat(), "data_fim": last.isoformat()}
    try:
        headers = {"Authorization": f"Bearer {server.login()}"}
        with requests.Session() as http:

            def timed(path, params=None, accept="application/json"):
                started = time.perf_counter()
                answer = http.get(server.url + path, params=params, headers={**headers, "Accept": accept}, timeout=120)
                elapsed = time.perf_counter() - started
                assert answer.status_code == 200, answer.text[:300]
                return elapsed, answer

            _, answer = timed("/relatorios/fechamento", month)
            result["month_orders"] = answer.json()["total"]["pedidos"]
            result["month_items"] = answer.json()["total"]["itens"]
            for name, params in {
                **REPORTS,
                "xlsx_vendedor_designer": REPORTS["vendedor_designer_proporcional"],
            }.items():
                accept = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if "xlsx" in name else None
                runs = [timed("/relatorios/fechamento", {**month, **params}, accept or "application/json")[0]
                        for _ in range(7)]  # fmt: skip
                result[f"{name}_ms"] = {"cold": round(runs[0] * 1000, 1),
                                        "median": round(statistics.median(runs[1:]) * 1000, 1),
                                        "max": ms(runs[1:], 1.0)}  # fmt: skip
            resumo = [timed("/relatorios/resumo")[0] for _ in range(60)]
            result["resumo_ms"] = {"p50": round(statistics.median(resumo) * 1000, 1), "p95": ms(resumo, 0.95),
                                   "max": ms(resumo, 1.0)}  # fmt: skip
    finally:
        server.stop()
    print(json.dumps(result, ensure_ascii=False), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--orders", type=int, default=100_000)
    args = parser.parse_args()
    today = date.today()
    today = today.replace(day=min(today.day, calendar.monthrange(today.year, today.month)[1]))
    for db in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        run(db, args.orders, today)


if __name__ == "__main__":
    main()
