"""A large upload does not bloat a worker: send a 100 MiB file and watch the worker's memory.

    python3 bench/arquivos.py                 # 100 MiB, local storage
    python3 bench/arquivos.py --mib 250

One gunicorn worker. The file is a PDF header followed by random bytes (a type taken, and nothing a
thumbnail can be made of), sent as multipart/form-data with chunked transfer encoding by a client
that reads it from disk as it goes. The worker's resident memory is sampled every 20 ms before,
during and after; the answer's sha256 is checked against the file's. One JSON line.
"""

import argparse
import hashlib
import json
import os
import tempfile
import time

import requests
from clientes import PeakRss
from common import Server, prepare_database

CHUNK = 1024 * 1024
CABECA = b"\x89PNG\r\n\x1a\n" if os.environ.get("SGP_BENCH_TIPO") == "png" else b"%PDF-1.7\n"


def arquivo(mib):
    fd, caminho = tempfile.mkstemp(suffix=".pdf")
    soma = hashlib.sha256()
    with os.fdopen(fd, "wb") as saida:
        cabeca = CABECA
        saida.write(cabeca)
        soma.update(cabeca)
        for _ in range(mib):
            bloco = os.urandom(CHUNK)
            saida.write(bloco)
            soma.update(bloco)
    return caminho, soma.hexdigest()


def corpo(caminho, fronteira):
    yield (f"--{fronteira}\r\nContent-Disposition: form-data; name=\"arquivo\"; filename=\"grande.pdf\"\r\n"
           "Content-Type: application/pdf\r\n\r\n").encode()  # fmt: skip
    with open(caminho, "rb") as entrada:
        while bloco := entrada.read(CHUNK):
            yield bloco
    yield f"\r\n--{fronteira}--\r\n".encode()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=100)
    args = parser.parse_args()
    caminho, sha256 = arquivo(args.mib)
    url = prepare_database(users=(("bench", "bench-pw", True),))
    pasta = tempfile.mkdtemp(prefix="sgp-bench-arquivos-")
    server = Server(url, workers=1, env={"SGP_FILES_DIR": pasta, "SGP_MAX_FILE_BYTES": str((args.mib + 10) * CHUNK)})
    try:
        headers = {"Authorization": f"Bearer {server.login()}"}
        pedido = requests.post(server.url + "/pedidos/", json={"cliente": "Bench"}, headers=headers, timeout=30).json()
        requests.get(server.url + f"/pedidos/{pedido['id']}/arquivos", headers=headers, timeout=30)
        antes = server.rss()
        fronteira = "sgp-bench-fronteira"
        tipo = f"multipart/form-data; boundary={fronteira}"
        inicio = time.perf_counter()
        with PeakRss(server) as pico:
            answer = requests.post(f"{server.url}/pedidos/{pedido['id']}/arquivos", data=corpo(caminho, fronteira),
                                   headers={**headers, "Content-Type": tipo}, timeout=600)  # fmt: skip
        segundos = time.perf_counter() - inicio
        assert answer.status_code == 201, answer.text[:300]
        assert answer.json()["sha256"] == sha256
        depois = server.rss()
    finally:
        server.stop()
        os.unlink(caminho)
    print(json.dumps({
        "mib": args.mib, "seconds": round(segundos, 1), "rss_before_mib": round(antes / 2**20, 1),
        "rss_peak_mib": round(pico.peak / 2**20, 1), "rss_after_mib": round(depois / 2**20, 1),
        "growth_at_peak_mib": round((pico.peak - antes) / 2**20, 1),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
