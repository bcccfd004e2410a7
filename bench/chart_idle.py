"""Idle sockets at 10,000 clients on one worker: server memory per socket and deliveries per second.

python3 bench/chart_idle.py [bench/results/fanout-idle.jsonl] [bench/results/fanout-idle.png]

Medians over the runs of each implementation in the file (bench/fanout.py --clients 10000 --impl …).
"""

import json
import statistics
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = Path(__file__).resolve().parent
LABELS = {
    "sgp-greenlet-per-socket": "SGP, greenlet\npor socket (antes)",
    "sgp": "SGP, sem greenlet\n(agora)",
    "preframed": "laço gevent\npré-enquadrado",
    "aiohttp": "aiohttp\n+ uvloop",
}


def main(source=HERE / "results" / "fanout-idle.jsonl", target=HERE / "results" / "fanout-idle.png"):
    runs = [json.loads(line) for line in Path(source).read_text().splitlines() if line.strip()]
    impls = [i for i in LABELS if any(r["impl"] == i for r in runs)]

    def median(impl, key):
        return statistics.median(r[key] for r in runs if r["impl"] == impl)

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    names = [LABELS[i] for i in impls]
    colors = ["#9aa5b1" if i != "sgp" else "#1f6feb" for i in impls]
    kib = [median(i, "rss_per_conn_kib") for i in impls]
    left.bar(names, kib, color=colors)
    left.axhline(16, color="#d1242f", linestyle="--", linewidth=1, label="meta: 16 KiB")
    left.set_ylabel("KiB de memória do servidor por socket ocioso")
    left.legend()
    for x, v in enumerate(kib):
        left.text(x, v + 0.5, f"{v:.1f}", ha="center")
    rates = [median(i, "deliveries_per_s") / 1000 for i in impls]
    right.bar(names, rates, color=colors)
    right.set_ylabel("mil entregas por segundo (rajada de 30 pedidos)")
    for x, v in enumerate(rates):
        right.text(x, v + 0.5, f"{v:.1f}", ha="center")
    for axis in (left, right):
        axis.tick_params(axis="x", labelsize=8)
    fig.suptitle("10.000 clientes em um worker (medianas)")
    fig.tight_layout()
    fig.savefig(target, dpi=110)


if __name__ == "__main__":
    main(*sys.argv[1:])
