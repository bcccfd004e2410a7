"""Shared helpers for the benchmarks: start a server, make a user, read a process's memory."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-secret-key-not-for-production-use"


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(url=None, users=(("bench", "bench-pw"),)):
    """A fresh database URL (SQLite in a temp dir unless ``url``) with the given users."""
    from werkzeug.security import generate_password_hash

    from sgp_app import create_app
    from sgp_app.extensions import db
    from sgp_app.models import Usuario

    if url is None:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='sgp-bench-')}/bench.sqlite3"
    else:
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        db.metadata.drop_all(engine)
        with engine.begin() as connection:  # or the next start would think the schema is there
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        engine.dispose()
    app = create_app({"SGP_DATABASE_URL": url, "SGP_SECRET_KEY": SECRET})
    with app.app_context():
        for name, password, *admin in users:  # (name, password) or (name, password, is_admin)
            is_admin = bool(admin and admin[0])
            db.session.add(Usuario(username=name, password_hash=generate_password_hash(password), is_admin=is_admin))
        db.session.commit()
        db.engine.dispose()
    return url


class Server:
    """A gunicorn server for a benchmark, optionally pinned to CPUs with taskset."""

    def __init__(self, db_url, workers=1, cpus=None, env=None, app="wsgi:app", log=None, args=()):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws/pedidos"
        cmd = [sys.executable, "-m", "gunicorn", app, "-b", f"127.0.0.1:{self.port}", "-w", str(workers), *args]
        if cpus:
            cmd = ["taskset", "-c", cpus, *cmd]
        environment = {**os.environ, "SGP_DATABASE_URL": db_url, "SGP_SECRET_KEY": SECRET, **(env or {})}
        self.log = open(log or os.devnull, "ab")  # noqa: SIM115 - lives as long as the server
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=environment, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + "/health", timeout=5)
                return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def workers(self):
        return psutil.Process(self.proc.pid).children()

    def rss(self):
        """Resident memory of the workers, bytes."""
        return sum(p.memory_info().rss for p in self.workers())

    def login(self, username="bench", password="bench-pw"):
        body = {"username": username, "password": password}
        response = requests.post(self.url + "/auth/login", json=body, timeout=10)
        response.raise_for_status()
        return response.json()["session_token"]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
