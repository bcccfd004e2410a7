"""gunicorn settings; ``-b`` and ``-w`` on the command line override these."""

bind = "127.0.0.1:8000"
workers = 1
# One greenlet per request or open WebSocket; the realtime part relies on gevent.
worker_class = "gevent"
worker_connections = 20000
# Several instances on one host (tests, two sites) must not share one control socket.
control_socket_disable = True
graceful_timeout = 10
timeout = 30
