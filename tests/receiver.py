"""A local HTTP receiver for webhook tests: records every POST, and answers as the test tells it."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.live import free_port
from tests.readme import python_function


class Receiver:
    """``POST`` anything to ``url``; ``answers`` is a list of statuses to give first (then 200).

    ``hang`` (a threading.Event): while it is not set, requests wait before answering.
    """

    def __init__(self, answers=(), port=None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.answers = list(answers)
        self.requests = []  # (headers, body, status answered), in arrival order
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.release.set()
        self.server = None

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.release.wait(30)
                with receiver.lock:
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    receiver.requests.append((dict(self.headers), body, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def delivered(self):
        """The bodies answered with a 2xx, in arrival order."""
        with self.lock:
            return [(headers, body) for headers, body, status in self.requests if 200 <= status < 300]


def signature_ok(segredo, headers, body):
    """The check the README gives receivers, run as written there."""
    return python_function("sgp_assinatura_valida")(segredo, headers, body)
