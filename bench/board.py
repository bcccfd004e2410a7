"""Board latency: from a REST change being sent to its card drawn in other people's browsers.

    python3 bench/board.py                       # 1 and 8 open boards, 100 moves each
    python3 bench/board.py --pages 4 --moves 200

Real headless Chromium (the system's ``chromium``) through Playwright. Each page watches its
columns with a MutationObserver and notes the wall-clock time the moved card appears in its new
column; the latency is that time minus the moment the PATCH was sent (same machine, same clock).
One JSON line per run.
"""

import argparse
import json
import shutil
import statistics
import time

import requests
from common import Server, prepare_database
from playwright.sync_api import sync_playwright

WATCH = """
([pedidoId, status]) => {
  window.visto = null;
  const achar = () => document.querySelector(`.coluna[data-status=${status}] .cartao[data-id='${pedidoId}']`);
  const observador = new MutationObserver(() => {
    if (achar()) { window.visto = Date.now(); observador.disconnect(); }
  });
  observador.observe(document.querySelector("#colunas"), { childList: true, subtree: true });
}
"""
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]


def wait_seen(page, timeout=10.0):
    """The page's own timestamp of the card's arrival (polled: the CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + timeout
    while (seen := page.evaluate("window.visto")) is None:
        if time.monotonic() > deadline:
            raise TimeoutError("the card never moved")
        time.sleep(0.005)
    return seen


def run(pages_count, moves):
    url = prepare_database()
    server = Server(url, workers=1)
    token = server.login()
    headers = {"Authorization": f"Bearer {token}"}
    pedido = requests.post(
        server.url + "/pedidos/", json={"cliente": "Bench", "valor_total": "1"}, headers=headers, timeout=10
    ).json()
    latencies = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
            pages = []
            for _ in range(pages_count):
                page = browser.new_context().new_page()
                page.goto(server.url + "/")
                page.fill("#form-login [name=username]", "bench")
                page.fill("#form-login [name=password]", "bench-pw")
                page.click("#form-login button[type=submit]")
                page.wait_for_selector("#conexao[data-estado=conectado]")
                pages.append(page)
            with requests.Session() as http:
                for move in range(moves):
                    status = "em_producao" if move % 2 == 0 else "pendente"
                    for page in pages:
                        page.evaluate(WATCH, [pedido["id"], status])
                    sent = time.time() * 1000
                    response = http.patch(
                        f"{server.url}/pedidos/{pedido['id']}", json={"status": status}, headers=headers, timeout=10
                    )
                    response.raise_for_status()
                    for page in pages:
                        latencies.append(wait_seen(page) - sent)
            browser.close()
    finally:
        server.stop()
    latencies.sort()
    return {
        "pages": pages_count,
        "moves": moves,
        "observations": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 1),
        "max_ms": round(latencies[-1], 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, nargs="*", default=[1, 8])
    parser.add_argument("--moves", type=int, default=100)
    args = parser.parse_args()
    for pages in args.pages:
        print(json.dumps(run(pages, args.moves)), flush=True)


if __name__ == "__main__":
    main()
