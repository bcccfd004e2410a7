"""Helpers for tests that cross a process boundary: a real gunicorn server, users, databases."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text
from werkzeug.security import generate_password_hash

from sgp_app.extensions import db
from sgp_app.models import Usuario

ROOT = Path(__file__).resolve().parent.parent
TEST_SECRET = "test-secret-key-for-the-test-suite-only"


CURRENT_TEST = None  # the running test's node (tests/conftest.py sets it)


def require_service(reason):
    """Skip with ``reason``, or fail when ``SGP_TEST_REQUIRE_SERVICES=1`` (as in CI)."""
    if os.environ.get("SGP_TEST_REQUIRE_SERVICES") == "1":
        pytest.fail(f"required service unavailable: {reason}")
    pytest.skip(reason)


def database_url(tmp_path):
    """A fresh database URL: SQLite in ``tmp_path``, or SGP_TEST_DATABASE_URL emptied."""
    url = os.environ.get("SGP_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path / 'sgp.sqlite3'}"
    return empty_database(url)


def empty_database(url):
    """Drop the service's tables, and Alembic's version table, at ``url``; return ``url``."""
    engine = create_engine(url)
    try:
        db.metadata.drop_all(engine)
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no database"
        require_service(f"database {url} unreachable: {exc}")
    finally:
        engine.dispose()
    return url


def make_user(app, username, password, admin=False):
    with app.app_context():
        usuario = Usuario(
            username=username,
            password_hash=generate_password_hash(password, method="pbkdf2:sha256:1000"),
            is_admin=admin,
        )
        db.session.add(usuario)
        db.session.commit()
        return usuario.to_dict()


def wait_for(predicate, timeout=20, interval=0.2):
    """Poll ``predicate`` until it holds or ``timeout`` seconds pass; its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """``gunicorn wsgi:app`` on a free port, started and stopped by pid."""

    def __init__(self, db_url, workers=1, env=None, port=None, args=()):
        self.port = port or free_port()
        self.workers = workers
        # Files go to a folder of this server's own, never the checkout's instance/.
        files = tempfile.mkdtemp(prefix="sgp-test-arquivos-")
        self.env = {**os.environ, "SGP_DATABASE_URL": db_url, "SGP_SECRET_KEY": TEST_SECRET, "SGP_FILES_DIR": files}
        self.env.update(env or {})
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws/pedidos"
        self.args = list(args)
        self.proc = None
        self.log_path = None

    def start(self, timeout=30):
        if CURRENT_TEST is not None and CURRENT_TEST.get_closest_marker("unit"):
            raise RuntimeError(f"{CURRENT_TEST.nodeid} is marked unit but starts gunicorn: see tests/conftest.py")
        with open(self._log_file(), "ab") as log:
            self.proc = subprocess.Popen(
                self.command(),
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.command()[2]} exited with {self.proc.returncode}:\n{self.log()}")
            try:
                requests.get(self.url + "/health", timeout=5)
                return self
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.command()[2]} did not answer within {timeout}s:\n{self.log()}")

    def command(self):
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "wsgi:app",
            "-b",
            f"127.0.0.1:{self.port}",
            "-w",
            str(self.workers),
        ] + [*self.args]

    def _log_file(self):
        if self.log_path is None:
            self.log_path = Path(os.environ.get("SGP_TEST_LOG_DIR", "/tmp")) / f"sgp-gunicorn-{self.port}.log"
        return self.log_path

    def log(self):
        return self._log_file().read_text(errors="replace") if self._log_file().exists() else ""

    def signal(self, signum):
        self.proc.send_signal(signum)

    def stop(self, timeout=15, graceful=True):
        """SIGTERM, as an operator stops it (sockets hear 1001, webhooks hand over, requests drain in
        1-second steps); ``graceful=False`` is a fixture's teardown: SIGINT, 1001 to every socket and out."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM if graceful else signal.SIGINT)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def login(self, username, password):
        response = requests.post(
            self.url + "/auth/login", json={"username": username, "password": password}, timeout=10
        )
        response.raise_for_status()
        return response.json()["session_token"]

    def request(self, method, path, token=None, **kwargs):
        """A REST call, with ``token`` as the bearer when given."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.request(method, self.url + path, headers=headers, timeout=30, **kwargs)

    def health(self):
        return requests.get(self.url + "/health", timeout=10).json()

    def metric(self, name, **labels):
        """The value of sample ``name`` in ``/metrics`` (summed over label values not given)."""
        text = requests.get(self.url + "/metrics", timeout=10).text
        return sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
        )


class DevServer(LiveServer):
    """Flask's development server (``flask --app sgp_app run``): what a Flask developer tries first."""

    def command(self):
        return [sys.executable, "-m", "flask", "--app", "sgp_app", "run", "--port", str(self.port), *self.args]
