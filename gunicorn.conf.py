"""gunicorn settings; ``-b`` and ``-w`` on the command line override these."""

import glob
import os
import resource
import shutil
import signal
import tempfile

bind = "127.0.0.1:8000"
workers = 1
# One greenlet per request or open WebSocket; the realtime part relies on gevent. This is
# gunicorn's gevent worker, answering the errors gunicorn handles itself (414…) as JSON.
worker_class = "sgp_app.gunicorn_worker.Worker"
# Above SGP_WS_MAX_CONNECTIONS, so the app can still answer a full worker with close 1013.
worker_connections = 25000
# Several instances on one host (tests, two sites) must not share one control socket.
control_socket_disable = True
graceful_timeout = 15
timeout = 30
# Access lines, if enabled (--access-logfile -), go through a logger that hides tokens.
logger_class = "sgp_app.gunicorn_logging.RedactingLogger"

# Thousands of sockets need as many file descriptors: raise the soft limit to the hard one.
_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if _hard == resource.RLIM_INFINITY or _soft < _hard:
    resource.setrlimit(resource.RLIMIT_NOFILE, (_hard, _hard))

# /metrics adds up every worker's values through files in this folder (prometheus_client's
# multiprocess mode); it must be set before a worker imports the app. A folder of our own
# unless the operator gives one.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="sgp-metrics-")
    os.environ["SGP_METRICS_DIR_OWNED"] = "1"  # remove it on exit; the hooks see the environment


def on_starting(server):
    """Values an earlier run left in the folder would be added to this run's."""
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
    for path in glob.glob(os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], "*.db")):
        os.remove(path)


def child_exit(server, worker):
    """A worker that exits takes its socket gauge with it; its counters still count."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if os.environ.get("SGP_METRICS_DIR_OWNED"):
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def post_worker_init(worker):
    """Start this worker's webhook deliveries and log pruning. On SIGTERM (stop, or the old workers of a SIGHUP
    reload), close every socket with 1001 and hand the webhook endpoints over at once."""
    import gevent

    from sgp_app import retention, webhooks
    from sgp_app.realtime import going_away

    webhooks.start(worker.wsgi)
    retention.start(worker.wsgi)
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum, frame):
        previous(signum, frame)
        gevent.spawn(webhooks.stop, worker.wsgi)
        gevent.spawn(going_away, worker.wsgi)

    signal.signal(signal.SIGTERM, on_term)


def worker_int(worker):
    """SIGINT/SIGQUIT: a fast exit, but sockets still hear 1001 first."""
    from sgp_app.realtime import going_away

    going_away(worker.wsgi, wait=0.5)
