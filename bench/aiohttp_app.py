"""aiohttp on uvloop, the fan-out benchmark's outside reference (``--impl aiohttp``).

    gunicorn bench.aiohttp_app:app -c bench/aiohttp_gunicorn.py   # what bench/fanout.py starts

The socket contract's happy path only, as an aiohttp service would write it: ``/ws/pedidos?token=``
greets with ``connected`` and answers ``ping``; ``POST /pedidos/`` makes an event and hands its JSON,
serialized once, to every socket with ``send_str`` (aiohttp frames it for each socket) in a task of
its own, so the request does not wait for the fan-out. No database: the order is a counter, which
only favours this side in fan-out times measured from the request. One task per socket, as aiohttp
keeps (its handler coroutine waits in ``async for``).
"""

import asyncio
import itertools
import json
from datetime import UTC, datetime

from aiohttp import WSMsgType, web

TOKEN = "bench-aiohttp-token"
sockets: set[web.WebSocketResponse] = set()
ids = itertools.count(1)
newest = 0
tasks: set[asyncio.Task] = set()


async def login(_request):
    return web.json_response({"session_token": TOKEN, "token_type": "bearer"})


async def health(_request):
    return web.json_response({"status": "ok", "sockets": len(sockets)})


async def eventos(_request):
    return web.json_response([], headers={"X-Ultimo-Evento-Id": str(newest)})


async def broadcast(text):
    for ws in list(sockets):
        try:
            await ws.send_str(text)
        except ConnectionError:
            sockets.discard(ws)


async def create(request):
    global newest
    if request.headers.get("Authorization") != f"Bearer {TOKEN}":
        raise web.HTTPUnauthorized()
    body = await request.json()
    newest = next(ids)
    now = datetime.now(UTC).isoformat()
    message = {"type": "pedido_criado", "evento_id": newest, "pedido_id": newest, "status_atual": "pendente",
               "cliente": body.get("cliente", ""), "valor_total": str(body.get("valor_total", "0")),
               "timestamp": now}  # fmt: skip
    task = asyncio.get_running_loop().create_task(broadcast(json.dumps(message, separators=(",", ":"))))
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    return web.json_response({"id": newest, "numero": f"{newest:010d}"}, status=201)


async def socket(request):
    if request.query.get("token") != TOKEN:
        raise web.HTTPForbidden()
    ws = web.WebSocketResponse(compress=False)
    await ws.prepare(request)
    await ws.send_str(json.dumps({"type": "connected", "message": "Conectado ao sistema de eventos de pedidos",
                                  "timestamp": datetime.now(UTC).isoformat()}))  # fmt: skip
    sockets.add(ws)
    try:
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                data = json.loads(message.data)
                if data.get("type") == "ping":
                    await ws.send_str(json.dumps({"type": "pong", "timestamp": data.get("timestamp")}))
    finally:
        sockets.discard(ws)
    return ws


app = web.Application()
app.add_routes(
    [
        web.post("/auth/login", login),
        web.get("/health", health),
        web.get("/pedidos/eventos", eventos),
        web.post("/pedidos/", create),
        web.get("/ws/pedidos", socket),
    ]
)
