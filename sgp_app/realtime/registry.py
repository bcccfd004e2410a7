"""The one owner of every open socket in this worker, and of each socket's switch from replay to live."""

import threading

from ..metrics import SOCKETS, SOCKETS_OPENED


class Registry:
    """Open connections, guarded by one lock.

    Fan-out, and the begin and end of a replay, all run under the lock: a connection that is
    replaying stored events keeps the live ones in its backlog (bounded: a client that falls
    that far behind is closed with 1013 and resumes later), and :meth:`end_replay` sends the
    ones the replay did not cover and switches it to live in one step, so nothing is missed
    or sent twice.
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

    def authenticate(self, conn, sessao):
        """From now on ``conn`` receives events, as ``sessao``'s."""
        with self.lock:
            conn.sessao = sessao

    def fan_out(self, evento_id, frames):
        """Hand one event to every authenticated connection; return how many took it now.

        :param frames: the event framed once for each kind of client
            (:func:`~sgp_app.realtime.sse.event_frames`); each connection takes its ``framing``.
        """
        delivered = 0
        with self.lock:
            for conn in self._connections:
                if conn.sessao is None:
                    continue
                if conn.backlog is not None:
                    if len(conn.backlog) >= conn.max_queue:
                        conn.drop_slow()  # the replay is too slow to ever catch up
                    else:
                        conn.backlog.append((evento_id, frames))
                elif conn.last_evento_id is None or evento_id > conn.last_evento_id:
                    conn.last_evento_id = evento_id
                    delivered += conn.send_frame(frames[conn.framing])  # a non-blocking write; see Connection
        return delivered

    def begin_replay(self, conn):
        """Hold ``conn``'s live events from now on; ``False`` if a replay is already running."""
        with self.lock:
            if conn.backlog is not None:
                return False
            conn.backlog = []
            return True

    def end_replay(self, conn, last):
        """The replay sent every stored event up to ``last``: send the held live events after it, go live.

        Returns ``(sent, current)``: how many held events went out, and the id the connection is
        now current with.
        """
        sent = 0
        with self.lock:
            for evento_id, frames in conn.backlog or ():
                if evento_id > last:
                    sent += conn.send_frame(frames[conn.framing])
                    last = evento_id
            conn.backlog = None
            conn.last_evento_id = max(last, conn.last_evento_id or 0)
            return sent, conn.last_evento_id

    def close_where(self, predicate, code, reason):
        """Close every connection for which ``predicate(conn)`` is true; return how many."""
        doomed = [conn for conn in self.snapshot() if predicate(conn)]
        for conn in doomed:
            conn.close(code, reason)
        return len(doomed)

    def close_tokens(self, token_hashes, code, reason):
        """Close every connection authenticated with one of these tokens."""
        hashes = set(token_hashes)
        return self.close_where(lambda c: c.sessao is not None and c.sessao.token_hash in hashes, code, reason)
