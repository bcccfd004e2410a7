import inspect
import os
import shutil

import pytest
from hypothesis import settings

from sgp_app import create_app
from sgp_app.extensions import db, limiter
from tests import live
from tests.live import TEST_SECRET, LiveServer, database_url, make_user
from tests.services import RedisServer

PASSWORD = "s3nha-forte"

# CI explores the same examples every run; locally each run explores new ones.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """A SQLite file at the newest schema, built once: each test's database starts as a copy of it."""
    url = database_url(tmp_path_factory.mktemp("template"))
    app = create_app({"SGP_DATABASE_URL": url, "SGP_SECRET_KEY": TEST_SECRET})
    with app.app_context():
        db.engine.dispose()  # the last connection checkpoints the WAL into the file
    return url.removeprefix("sqlite:///")


@pytest.fixture
def empty_db_url(tmp_path):
    """A database with no tables at all (for the tests of building the schema)."""
    return database_url(tmp_path)


@pytest.fixture
def db_url(tmp_path, request):
    """A fresh database at the newest schema: a copy of a migrated SQLite file (migrating anew for
    every test costs most of a unit test's time), or the PostgreSQL of SGP_TEST_DATABASE_URL, emptied."""
    url = database_url(tmp_path)
    if url.startswith("sqlite:///"):
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), url.removeprefix("sqlite:///"))
    return url


@pytest.fixture
def app(db_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SGP_DATABASE_URL": db_url,
            "SGP_SECRET_KEY": TEST_SECRET,
            "SGP_FILES_DIR": str(tmp_path / "arquivos"),
        }
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    limiter.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def usuario(app):
    return make_user(app, "ana", PASSWORD)


@pytest.fixture
def token(client, usuario):
    response = client.post("/auth/login", json={"username": "ana", "password": PASSWORD})
    return response.get_json()["session_token"]


@pytest.fixture
def auth(token):
    return {"Authorization": f"Bearer {token}"}


def bearer(client, username, password=PASSWORD):
    """The ``Authorization`` header of a fresh login of ``username``."""
    response = client.post("/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['session_token']}"}


@pytest.fixture
def admin(app, client):
    """The ``Authorization`` header of an admin, ``chefe``."""
    make_user(app, "chefe", PASSWORD, admin=True)
    return bearer(client, "chefe")


@pytest.fixture
def live_server(db_url):
    """Start real gunicorn servers: ``live_server(workers=1, database=None, **env)`` returns a started one."""
    servers = []

    def start(workers=1, database=None, args=(), **env):
        server = LiveServer(database or db_url, workers=workers, env=env, args=args)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop(graceful=False)  # the test is over: no need to drain


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of this test's own, which the test may kill and start again."""
    server = RedisServer(tmp_path).start()
    yield server
    server.kill()


@pytest.fixture(scope="module")
def module_db_url(tmp_path_factory):
    return database_url(tmp_path_factory.mktemp("db"))


def add_users(db_url, *names, admin=False):
    """Create users (password ``PASSWORD``) in the database at ``db_url``."""
    app = create_app({"SGP_DATABASE_URL": db_url, "SGP_SECRET_KEY": TEST_SECRET})
    for name in names:
        make_user(app, name, PASSWORD, admin=admin)
    with app.app_context():
        db.engine.dispose()


def start_module_server(db_url, users=("ana", "bia"), workers=1, **env):
    """A live server for a whole test module, with users that share ``PASSWORD``."""
    add_users(db_url, *users)
    return LiveServer(db_url, workers=workers, env=env).start()


def pytest_configure(config):
    if os.environ.get("SGP_TEST_DATABASE_URL") and getattr(config.option, "numprocesses", None):
        # Every worker would empty and fill the one PostgreSQL database at once.
        raise pytest.UsageError("-n (pytest-xdist) runs on SQLite only: unset SGP_TEST_DATABASE_URL, or drop -n")


def pytest_report_header(config):
    return f"database: {os.environ.get('SGP_TEST_DATABASE_URL') or 'sqlite (temporary files)'}"


# -- real Chromium (Debian's), for the board and the browser client -------------------------


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per module; skips (fails under SGP_TEST_REQUIRE_SERVICES) without one."""
    from tests.browser import launch, require_chromium

    require_chromium()  # on a machine without it, skip before Playwright's driver starts
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (requirements-dev.txt)")
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def open_board(browser):
    """``open_board(server, user)``: a logged-in board in a browser context of its own.

    Any uncaught JavaScript error on a board fails the test.
    """
    from tests.browser import Board

    contexts, errors = [], []

    def open_(server, username="ana", viewport=None, timezone_id=None):
        context = browser.new_context(
            viewport=viewport or {"width": 1280, "height": 900}, locale="pt-BR", timezone_id=timezone_id
        )
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        board = Board(page, server).open()
        if username:
            board.login(username, PASSWORD)
        return board

    yield open_
    for context in contexts:
        context.close()
    assert errors == []


# -- markers: unit, e2e, browser, services ------------------------------------------------------
#
# Every test gets its kind from what it uses, so none can be forgotten: ``browser`` (headless
# Chromium), ``e2e`` (a real gunicorn, or any other process), ``services`` (Redis, or PostgreSQL beyond the suite's own
# database), and ``unit`` for the rest, which run in process in seconds (``pytest -m unit``).
# A test marked unit that starts a server anyway fails, naming this rule (see tests.live.LiveServer).

E2E_FIXTURES = {"live_server", "server", "two_servers", "module_db_url"}
E2E_CALLS = ("LiveServer(", "start_module_server(", "live_server(", "subprocess.")  # other processes
SERVICE_FIXTURES = {"private_redis", "hub_app_with_redis"}
SERVICE_CALLS = ("redis_or_skip(", "postgres_or_skip(", "RedisServer(")


def _source(item):
    try:
        return inspect.getsource(item.function)
    except (OSError, TypeError):
        return ""


def pytest_collection_modifyitems(config, items):
    for item in items:
        fixtures, source = set(item.fixturenames), _source(item)
        kinds = set()
        if "browser" in fixtures:
            kinds.add("browser")
        if fixtures & E2E_FIXTURES or any(call in source for call in E2E_CALLS):
            kinds.add("e2e")
        if fixtures & SERVICE_FIXTURES or any(call in source for call in SERVICE_CALLS) or "[redis]" in item.name:
            kinds.add("services")
        for kind in kinds or {"unit"}:
            item.add_marker(getattr(pytest.mark, kind))


@pytest.fixture(autouse=True)
def _current_test(request):
    """Lets :class:`tests.live.LiveServer` refuse to start inside a test marked ``unit``."""
    live.CURRENT_TEST = request.node
    yield
    live.CURRENT_TEST = None
