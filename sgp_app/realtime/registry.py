"""The one owner of every open socket in this worker."""

import threading


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

    def remove(self, conn):
        with self.lock:
            self._connections.discard(conn)

    def __len__(self):
        return len(self._connections)

    def snapshot(self):
        with self.lock:
            return list(self._connections)

    def fan_out(self, evento_id, frame):
        """Hand one framed event to every authenticated connection."""
        with self.lock:
            for conn in self._connections:
                if conn.sessao is not None:
                    conn.deliver(evento_id, frame)  # a non-blocking write; see Connection

    def close_where(self, predicate, code, reason):
        """Close every connection for which ``predicate(conn)`` is true; return how many."""
        doomed = [conn for conn in self.snapshot() if predicate(conn)]
        for conn in doomed:
            conn.close(code, reason)
        return len(doomed)
