"""The one owner of every open socket in this worker."""

import threading

from ..metrics import SOCKETS, SOCKETS_OPENED


class Registry:
    """Open connections, guarded by one lock.

    Fan-out and the end of a replay both run under the lock, so a connection
    switching from replay to live never misses or repeats an event.
    """

    def __init__(self):
        self.lock = threading.RLock()
        self._connections = set()

    def add(self, conn):
        with self.lock:
            self._connections.add(conn)
            SOCKETS.set(len(self._connections))
        SOCKETS_OPENED.inc()

    def remove(self, conn):
        with self.lock:
            self._connections.discard(conn)
            SOCKETS.set(len(self._connections))

    def __len__(self):
        return len(self._connections)

    def snapshot(self):
        with self.lock:
            return list(self._connections)

    def fan_out(self, evento_id, frame):
        """Hand one framed event to every authenticated connection; return how many took it."""
        delivered = 0
        with self.lock:
            for conn in self._connections:
                if conn.sessao is not None:
                    delivered += conn.deliver(evento_id, frame)  # a non-blocking write; see Connection
        return delivered

    def close_where(self, predicate, code, reason):
        """Close every connection for which ``predicate(conn)`` is true; return how many."""
        doomed = [conn for conn in self.snapshot() if predicate(conn)]
        for conn in doomed:
            conn.close(code, reason)
        return len(doomed)
