"""Schemathesis against ``/openapi.json`` of a real server: every operation, every check.

The document must describe what the server does: schema-valid requests accepted, invalid ones
refused, responses matching their schemas, headers and status codes as documented, and no
generated request may get a 500. Examples are bounded, and the seed fixed in CI.

Excluded checks, and why:
- ``use_after_free``: ``DELETE /pedidos/{id}`` cancels an order, by contract; the order stays
  readable afterwards, which this check takes for a resource used after it was freed.
- ``positive_data_acceptance``: some rules span several fields and cannot be said in JSON
  Schema (``data_entrega`` not before ``data_entrada``; with ``itens``, ``valor_total`` equal to
  their sum plus ``valor_frete``), so a body valid field by field may rightly get 422. The
  document names those rules in words; every single-field rule is in the schema, and
  ``negative_data_rejection`` checks that the server enforces all of them.
"""

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import PASSWORD, add_users, start_module_server
from tests.live import ROOT

pytest.importorskip("schemathesis", reason="pip install schemathesis (requirements-dev.txt)")

EXAMPLES = os.environ.get("SGP_TEST_SCHEMATHESIS_EXAMPLES", "25")
SEED = os.environ.get("SGP_TEST_SCHEMATHESIS_SEED", "20261130" if os.environ.get("CI") else "")


@pytest.fixture(scope="module")
def server(module_db_url):
    add_users(module_db_url, "chefe", admin=True)
    server = start_module_server(
        module_db_url,
        users=("ana",),
        # Every request logs in anew (see tests/schemathesis_hooks.py): lift the login limits.
        SGP_LOGIN_RATE_LIMIT="100000 per minute",
        SGP_LOGIN_ADDRESS_RATE_LIMIT="100000 per minute",
    )
    yield server
    server.stop(graceful=False)


def test_the_api_does_what_its_document_says(server, module_db_url, tmp_path):
    command = [
        shutil.which("schemathesis", path=os.path.dirname(sys.executable)) or "schemathesis",
        "--config-file",
        str(ROOT / "tests" / "schemathesis.toml"),
        "run",
        server.url + "/openapi.json",
        "--checks",
        "all",
        "--exclude-checks",
        "use_after_free,positive_data_acceptance",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        EXAMPLES,
        "--workers",
        "1",
        "--report-dir",
        str(tmp_path),
    ]
    if SEED:
        command += ["--seed", SEED]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks",
        "SGP_SCHEMATHESIS_BASE_URL": server.url,
        "SGP_SCHEMATHESIS_USER": "chefe",
        "SGP_SCHEMATHESIS_DATABASE_URL": module_db_url,
        "SGP_SCHEMATHESIS_PASSWORD": PASSWORD,
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
