"""Real Redis and PostgreSQL for the scale-out tests: found, or skipped (failing in CI)."""

import os
import shutil
import signal
import subprocess
import time
import uuid

import redis

from tests.live import empty_database, free_port, require_service

REDIS_URL = os.environ.get("SGP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_URL = os.environ.get("SGP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def redis_or_skip(url=REDIS_URL):
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        require_service(f"Redis at {url} unreachable: {exc}")
    return url


def postgres_or_skip():
    """An emptied PostgreSQL database URL (the suite's own when it runs on PostgreSQL)."""
    url = os.environ.get("SGP_TEST_DATABASE_URL", "")
    return empty_database(url if url.startswith("postgresql") else POSTGRES_URL)


def unique_prefix():
    """A channel prefix of its own, so tests sharing one Redis never hear each other."""
    return f"sgptest-{uuid.uuid4().hex[:10]}"


def kill_redis_clients(url, prefix):
    """CLIENT KILL every connection this deployment opened (they are named after the prefix)."""
    client = redis.Redis.from_url(url)
    killed = 0
    for info in client.client_list():
        if info.get("name", "").startswith(prefix):
            client.client_kill_filter(_id=info["id"])
            killed += 1
    return killed


class RedisServer:
    """A private redis-server on a free port, which a test may stop and start again."""

    def __init__(self, tmp_path):
        binary = shutil.which("redis-server")
        if binary is None:
            require_service("redis-server binary not installed")
        self.binary = binary
        self.port = free_port()
        self.dir = tmp_path
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
                return self
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
