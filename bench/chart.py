"""Draw fan-out time and deliveries per second against the number of clients, SGP vs naive.

python3 bench/chart.py [bench/results/fanout.jsonl] [bench/results/fanout.png]
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = Path(__file__).resolve().parent


def main(source=HERE / "results" / "fanout.jsonl", target=HERE / "results" / "fanout.png"):
    runs = [json.loads(line) for line in Path(source).read_text().splitlines() if line.strip()]
    latest = {}
    for run in runs:  # the newest run of each (impl, clients) wins
        latest[(run["impl"], run["clients"])] = run
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for impl, style in (("sgp", "o-"), ("naive", "s--")):
        points = sorted((n, r) for (i, n), r in latest.items() if i == impl)
        if not points:
            continue
        clients = [n for n, _ in points]
        left.plot(clients, [r["fanout_p50_ms"] for _, r in points], style, label=f"{impl} p50")
        left.plot(clients, [r["fanout_p99_ms"] for _, r in points], style, alpha=0.4, label=f"{impl} p99")
        right.plot(clients, [r["deliveries_per_s"] for _, r in points], style, label=impl)
    left.set(title="Time for one event to reach every client", xlabel="connected clients", ylabel="ms")
    right.set(title="Deliveries per second (burst)", xlabel="connected clients", ylabel="deliveries/s")
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("One gevent worker on one core, clients on the other")
    fig.tight_layout()
    fig.savefig(target, dpi=110)
    print(target)


if __name__ == "__main__":
    main(*sys.argv[1:3])
