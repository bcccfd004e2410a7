"""Settings: defaults, then ``instance/config.py``, then ``SGP_*`` environment variables."""

import os
import re
import secrets
from collections.abc import Mapping, MutableMapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULTS = {
    "SGP_DATABASE_URL": None,  # None: a SQLite file in the instance folder
    "SGP_BROKER_URL": "memory://",
    "SGP_SECRET_KEY": None,  # None: generated once and kept in the instance folder
    "SGP_ALLOWED_ORIGINS": "",
    "SGP_TOKEN_TTL_HOURS": 12.0,
    "SGP_WS_AUTH_TIMEOUT": 10.0,
    "SGP_WS_PING_INTERVAL": 25.0,
    "SGP_WS_MAX_MESSAGE": 65536,
    "SGP_WS_SEND_QUEUE": 256,
    "SGP_WS_SEND_QUEUE_BYTES": 1024 * 1024,
    "SGP_WS_SEND_TIMEOUT": 10.0,
    "SGP_WS_SEND_BUFFER": 0,
    "SGP_WS_MAX_CONNECTIONS": 20000,
    "SGP_WS_RATE_LIMIT": 20.0,
    "SGP_WS_RATE_BURST": 40,
    "SGP_SSE_HEARTBEAT": 15.0,
    "SGP_WEBHOOK_TIMEOUT": 10.0,
    "SGP_WEBHOOK_GIVE_UP_HOURS": 72.0,
    "SGP_WEBHOOK_ALLOW_PRIVATE": False,
    "SGP_WEBHOOK_POLL_INTERVAL": 1.0,
    "SGP_MAX_BODY_BYTES": 1024 * 1024,
    "SGP_LOGIN_RATE_LIMIT": "10 per minute",
    "SGP_LOGIN_ADDRESS_RATE_LIMIT": "100 per minute",
    "SGP_TRUSTED_PROXIES": 0,
    "SGP_MAX_ITENS": 200,
    # The production steps every order goes through, in order; empty turns steps off.
    "SGP_ETAPAS": "financeiro,conferencia,sublimacao,costura,expedicao",
    "SGP_MAX_JSON_DEPTH": 32,
    # The shop's time zone: what "today" is (a new order's data_entrada, a payment's data, "late").
    "SGP_TIMEZONE": "America/Sao_Paulo",
    # Largest CSV of customers POST /clientes/importar takes (it is spooled to disk, not held in memory).
    "SGP_MAX_IMPORT_BYTES": 50 * 1024 * 1024,
    # Files on orders: where they are kept (local: SGP_FILES_DIR; s3: the bucket below), how large
    # one may be, how long a signed link lives, and the largest image a thumbnail is made of.
    "SGP_FILES_STORAGE": "local",
    "SGP_FILES_DIR": None,  # None: instance/arquivos
    "SGP_MAX_FILE_BYTES": 100 * 1024 * 1024,
    "SGP_FILE_URL_TTL": 3600,
    # Proofs: how long a customer's approval link lives, and how often one address may use such links.
    "SGP_PROOF_TTL_DAYS": 7.0,
    "SGP_PROOF_RATE_LIMIT": "30 per minute",
    "SGP_MAX_IMAGE_PIXELS": 80_000_000,
    # A thumbnail is made in a child process, stopped past these (then the file has none).
    "SGP_THUMBNAIL_TIMEOUT": 30.0,
    "SGP_THUMBNAIL_MEMORY_MIB": 1024,
    "SGP_S3_BUCKET": "",
    "SGP_S3_ENDPOINT_URL": "",  # empty: AWS itself; http://minio:9000 for MinIO, Garage, ...
    "SGP_S3_REGION": "us-east-1",
    "SGP_S3_PREFIX": "sgp/",
    "SGP_TOKEN_RETENTION_HOURS": 24.0,
    "SGP_SQLITE_BUSY_TIMEOUT_MS": 30000,
    "SGP_EVENT_RETENTION_DAYS": 30.0,
    "SGP_EVENT_RETENTION_COUNT": 100000,
    "SGP_BROKER_CHANNEL_PREFIX": "sgp",
    "SGP_BROKER_QUEUE": 10000,
    "SGP_EVENT_POLL_INTERVAL": 1.0,
    "SGP_EVENT_GAP_WAIT": 0.5,
    "SGP_EVENT_PRUNE_INTERVAL": 600.0,
    "SGP_LOG_FORMAT": "text",
    "SGP_LOG_LEVEL": "INFO",
    "SGP_MIGRATE_ON_START": True,
}
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def load_environment(config: MutableMapping[str, Any]) -> None:
    """Override ``config`` with every ``SGP_*`` variable set in the environment.

    Values are converted to the type of the setting's default, so
    ``SGP_WS_AUTH_TIMEOUT=2.5`` becomes a float.
    """
    for name, default in DEFAULTS.items():
        raw = os.environ.get(name)
        if raw is None:
            continue
        try:
            config[name] = _convert(raw, default)
        except ValueError:
            raise RuntimeError(f"{name}={raw!r} is not a valid {type(default).__name__}") from None


def _convert(raw: str, default: object) -> object:
    if default is None:
        return raw
    if isinstance(default, bool):  # bool("0") would be True
        if raw.strip().lower() not in TRUE | FALSE:
            raise ValueError(raw)
        return raw.strip().lower() in TRUE
    return type(default)(raw)  # type: ignore[call-arg]  # int, float or str, as the default


def instance_secret_key(instance_path: str) -> str:
    """Return the key kept in ``instance/secret_key``, creating it on first use.

    ``O_EXCL`` makes the first worker's key win when several start at once.
    """
    path = os.path.join(instance_path, "secret_key")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        with open(path) as f:
            key = f.read().strip()
        if key:
            return key
        raise RuntimeError(f"{path} is empty; delete it or set SGP_SECRET_KEY") from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


POSITIVE = (
    "SGP_TOKEN_TTL_HOURS",
    "SGP_WS_AUTH_TIMEOUT",
    "SGP_WS_MAX_MESSAGE",
    "SGP_WS_SEND_QUEUE",
    "SGP_WS_SEND_QUEUE_BYTES",
    "SGP_WS_SEND_TIMEOUT",
    "SGP_WS_MAX_CONNECTIONS",
    "SGP_WS_RATE_LIMIT",
    "SGP_WS_RATE_BURST",
    "SGP_SSE_HEARTBEAT",
    "SGP_WEBHOOK_TIMEOUT",
    "SGP_WEBHOOK_GIVE_UP_HOURS",
    "SGP_WEBHOOK_POLL_INTERVAL",
    "SGP_MAX_BODY_BYTES",
    "SGP_MAX_ITENS",
    "SGP_MAX_JSON_DEPTH",
    "SGP_MAX_IMPORT_BYTES",
    "SGP_MAX_FILE_BYTES",
    "SGP_FILE_URL_TTL",
    "SGP_PROOF_TTL_DAYS",
    "SGP_MAX_IMAGE_PIXELS",
    "SGP_THUMBNAIL_TIMEOUT",
    "SGP_THUMBNAIL_MEMORY_MIB",
    "SGP_TOKEN_RETENTION_HOURS",
    "SGP_EVENT_RETENTION_DAYS",
    "SGP_EVENT_RETENTION_COUNT",
    "SGP_BROKER_QUEUE",
    "SGP_EVENT_POLL_INTERVAL",
)
ORIGIN = re.compile(r"^https?://[^/\s?#]+$")


def check(config: Mapping[str, Any]) -> None:
    """Refuse to start with an unsafe or impossible configuration; the message names the setting."""
    problems = [f"{name} must be positive (got {config[name]!r})" for name in POSITIVE if not config[name] > 0]
    if config["SGP_TRUSTED_PROXIES"] < 0:
        problems.append(f"SGP_TRUSTED_PROXIES must be 0 or more (got {config['SGP_TRUSTED_PROXIES']!r})")
    key = config["SGP_SECRET_KEY"]
    if key is not None and len(key) < 32:
        problems.append("SGP_SECRET_KEY must have at least 32 characters (or leave it unset to generate one)")
    for origin in allowed_origins(config) - {"*"}:
        if not ORIGIN.match(origin):
            problems.append(f"SGP_ALLOWED_ORIGINS entry {origin!r} is not an origin like https://painel.example.com")
    steps = etapas(config)
    if any(not ETAPA.match(step) for step in steps) or len(set(steps)) != len(steps):
        problems.append("SGP_ETAPAS must be distinct names of lower-case letters, digits and _, comma-separated")
    try:
        ZoneInfo(config["SGP_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"SGP_TIMEZONE {config['SGP_TIMEZONE']!r} is not a time zone like America/Sao_Paulo")
    if config["SGP_FILES_STORAGE"] not in ("local", "s3"):
        problems.append("SGP_FILES_STORAGE must be local or s3")
    elif config["SGP_FILES_STORAGE"] == "s3" and not config["SGP_S3_BUCKET"]:
        problems.append("SGP_FILES_STORAGE=s3 needs SGP_S3_BUCKET")
    if config["SGP_LOG_FORMAT"] not in ("text", "json"):
        problems.append("SGP_LOG_FORMAT must be text or json")
    if problems:
        raise RuntimeError("Unsafe configuration: " + "; ".join(problems))


ETAPA = re.compile(r"^[a-z0-9_]{1,40}$")


def etapas(config: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The production steps of ``SGP_ETAPAS``, in order; none without the setting (a validation
    context outside a request, as the CLI's)."""
    setting = (config or {}).get("SGP_ETAPAS") or ""
    return tuple(name.strip() for name in setting.split(",") if name.strip())


def allowed_origins(config: Mapping[str, Any]) -> set[str]:
    """The set of extra origins from ``SGP_ALLOWED_ORIGINS`` (``{"*"}`` allows all)."""
    return {o.strip().rstrip("/") for o in config["SGP_ALLOWED_ORIGINS"].split(",") if o.strip()}


def agora() -> datetime:
    """Now, in UTC: the one clock every "today" of the server is read from (tests set it)."""
    return datetime.now(UTC)


def hoje(config: Mapping[str, Any]) -> date:
    """Today in the shop's time zone (``SGP_TIMEZONE``): at 23:30 in São Paulo it is still that day."""
    return agora().astimezone(ZoneInfo(config["SGP_TIMEZONE"])).date()
