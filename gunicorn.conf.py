"""gunicorn settings; ``-b`` and ``-w`` on the command line override these."""

import resource
import signal

bind = "127.0.0.1:8000"
workers = 1
# One greenlet per request or open WebSocket; the realtime part relies on gevent.
worker_class = "gevent"
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


def post_worker_init(worker):
    """On SIGTERM (stop, or the old workers of a SIGHUP reload), close every socket with 1001."""
    import gevent

    from sgp_app.realtime import going_away

    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum, frame):
        previous(signum, frame)
        gevent.spawn(going_away, worker.wsgi)

    signal.signal(signal.SIGTERM, on_term)


def worker_int(worker):
    """SIGINT/SIGQUIT: a fast exit, but sockets still hear 1001 first."""
    from sgp_app.realtime import going_away

    going_away(worker.wsgi, wait=0.5)
