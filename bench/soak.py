"""Soak test: connects, abrupt disconnects, resumes and writes for minutes; reports memory and losses.

    python3 bench/soak.py --duration 300 --clients 60

Loopback only, bounded in time and count. Each virtual client remembers the last
``evento_id`` it saw and resumes from it on every reconnect; any id that never
arrives is counted as lost (the target is 0). Prints one JSON object at the end.
"""

import argparse
import asyncio
import json
import random
import socket
import struct
import time

import requests
import websockets
from common import Server, prepare_database


async def virtual_client(n, server, token, stop_at, stats, rng):
    last = None
    seen = 0
    while time.monotonic() < stop_at:
        query = f"token={token}" + (f"&ultimo_evento_id={last}" if last is not None else "")
        try:
            ws = await websockets.connect(f"{server.ws_url}?{query}", open_timeout=10, max_queue=64)
        except Exception:  # noqa: BLE001 - count and retry
            stats["connect_failures"] += 1
            await asyncio.sleep(0.5)
            continue
        stats["connects"] += 1
        stay = rng.uniform(0.2, 4.0)
        deadline = time.monotonic() + stay
        try:
            while time.monotonic() < deadline:
                try:
                    message = json.loads(await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic())))
                except TimeoutError:
                    break
                if message["type"].startswith("pedido_"):
                    evento_id = message["evento_id"]
                    if last is not None and evento_id != last + 1:
                        if evento_id <= last:
                            stats["duplicates"] += 1
                        else:
                            stats["lost"] += evento_id - last - 1
                    last = max(last or 0, evento_id)
                    seen += 1
                elif message["type"] == "sincronizado":
                    if not message["completo"]:
                        stats["incomplete_resumes"] += 1
                    last = message["ultimo_evento_id"] if last is None else last
                    stats["resumes"] += 1
        except websockets.ConnectionClosed:
            stats["server_closes"] += 1
        if rng.random() < 0.5:
            # Abrupt: reset the TCP connection, no close frame.
            sock = ws.transport.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            ws.transport.abort()
            stats["abrupt"] += 1
        else:
            await ws.close()
    stats["received"] += seen
    return last


async def writer(server, token, stop_at, stats, rate):
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}
    while time.monotonic() < stop_at:
        response = await asyncio.to_thread(
            session.post,
            server.url + "/pedidos/",
            json={"cliente": "Soak", "valor_total": "1"},
            headers=headers,
            timeout=30,
        )
        stats["writes"] += response.status_code == 201
        stats["write_errors"] += response.status_code != 201
        await asyncio.sleep(1 / rate)


async def sampler(server, stop_at, samples):
    start = time.monotonic()
    while time.monotonic() < stop_at + 5:
        health = requests.get(server.url + "/health", timeout=10).json()
        samples.append(
            {
                "t": round(time.monotonic() - start),
                "rss_mb": round(server.rss() / 2**20, 1),
                "sockets": health["sockets"],
            }
        )
        await asyncio.sleep(10)


async def main(args):
    server = Server(prepare_database(), env={"SGP_WS_PING_INTERVAL": "5"})
    token = server.login()
    stop_at = time.monotonic() + args.duration
    stats = dict.fromkeys(
        [
            "connects",
            "connect_failures",
            "abrupt",
            "resumes",
            "incomplete_resumes",
            "received",
            "lost",
            "duplicates",
            "server_closes",
            "writes",
            "write_errors",
        ],
        0,
    )
    samples = []
    rng = random.Random(args.seed)
    sampling = asyncio.ensure_future(sampler(server, stop_at, samples))
    lasts = await asyncio.gather(
        *(virtual_client(n, server, token, stop_at, stats, random.Random(rng.random())) for n in range(args.clients)),
        *(writer(server, token, stop_at, stats, args.rate) for _ in range(args.writers)),
    )
    # Every client resumes once more and must reach the newest event with no gap.
    newest = int(
        requests.get(
            server.url + "/pedidos/eventos?limit=1", headers={"Authorization": f"Bearer {token}"}, timeout=10
        ).headers["X-Ultimo-Evento-Id"]
    )
    for last in lasts[: args.clients]:
        if last is None:
            continue
        async with websockets.connect(f"{server.ws_url}?token={token}&ultimo_evento_id={last}") as ws:
            while (message := json.loads(await ws.recv()))["type"] != "sincronizado":
                if message["type"].startswith("pedido_"):
                    stats["lost"] += message["evento_id"] - last - 1
                    last = message["evento_id"]
            stats["lost"] += newest - message["ultimo_evento_id"]
    await asyncio.sleep(args.settle)
    await sampling
    after = requests.get(server.url + "/health", timeout=10).json()["sockets"]
    server.stop()
    result = {
        "duration_s": args.duration,
        "clients": args.clients,
        "events": newest,
        **stats,
        "open_sockets_after": after,
        "memory": samples,
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=240)
    parser.add_argument("--clients", type=int, default=60)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=10, help="writes per second per writer")
    parser.add_argument("--settle", type=float, default=12, help="seconds to wait before counting open sockets")
    parser.add_argument("--seed", type=int, default=1)
    asyncio.run(main(parser.parse_args()))
