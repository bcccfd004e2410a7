#!/bin/bash
# Autobahn|Testsuite's fuzzingclient against /ws/pedidos of a real gunicorn on a free port.
#
#   bash bench/autobahn.sh [REPORT_DIR]        # default /tmp/sgp-autobahn
#
# Run it with the service's virtual environment (the Quick start's .venv, or PYTHON3=…/python).
#
# Autobahn 0.8.2 is Python 2 code: it is installed once into REPORT_DIR/lib with pyenv's 2.7
# (PYTHON2 to use another), and run from there. SGP greets every socket and does not echo, so the
# cases that expect an echo report FAILED by design; what must not change from one version to the
# next is each case's verdict and close behaviour (compare REPORT_DIR/report/index.json).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-/tmp/sgp-autobahn}"
python2="${PYTHON2:-$HOME/.pyenv/versions/2.7.18/bin/python}"
# The service's own interpreter: PYTHON3, else the Quick start's .venv, else python3 on the PATH.
python3="${PYTHON3:-$([ -x "$root/.venv/bin/python" ] && echo "$root/.venv/bin/python" || command -v python3)}"
mkdir -p "$out"
if [ ! -x "$out/lib/bin/wstest" ]; then
  (cd "$out" && "$python2" -m pip install -q --target "$out/lib" autobahntestsuite==0.8.2)
  # zope is a namespace package; its .pth is not read from a --target folder.
  [ -f "$out/lib/zope/__init__.py" ] || echo "__import__('pkg_resources').declare_namespace(__name__)" > "$out/lib/zope/__init__.py"
fi
export SGP_DATABASE_URL="sqlite:///$out/sgp.sqlite3" SGP_SECRET_KEY="autobahn-run-key-autobahn-run-key-0001"
export SGP_WS_RATE_LIMIT=100000 SGP_WS_RATE_BURST=100000  # the fuzzer sends far more than a person
rm -f "$out/sgp.sqlite3"
cd "$root"
"$python3" -m flask --app sgp_app init-db > /dev/null
"$python3" -m flask --app sgp_app create-user autobahn --password autobahn-senha > /dev/null
port=$("$python3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$python3" -m gunicorn wsgi:app -b "127.0.0.1:$port" > "$out/gunicorn.log" 2>&1 &
server=$!
trap 'kill $server 2> /dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "127.0.0.1:$port/health" > /dev/null && break; sleep 0.2; done
token=$(curl -sf -X POST "127.0.0.1:$port/auth/login" -H 'Content-Type: application/json' \
  -d '{"username": "autobahn", "password": "autobahn-senha"}' | "$python3" -c 'import json, sys; print(json.load(sys.stdin)["session_token"])')
cat > "$out/spec.json" << JSON
{"outdir": "$out/report", "servers": [{"agent": "sgp", "url": "ws://127.0.0.1:$port/ws/pedidos?token=$token"}],
 "cases": ["*"], "exclude-cases": [], "exclude-agent-cases": {}}
JSON
(cd "$out" && PYTHONPATH="$out/lib" "$python2" "$out/lib/bin/wstest" -m fuzzingclient -s "$out/spec.json" > "$out/wstest.log" 2>&1)
"$python3" - "$out/report/index.json" << 'PY'
import collections, json, sys
cases = json.load(open(sys.argv[1]))["sgp"]
verdicts = collections.Counter((c["behavior"], c["behaviorClose"]) for c in cases.values())
print(f"{len(cases)} cases:", ", ".join(f"{n} {b}/{c}" for (b, c), n in verdicts.most_common()))
PY
