"""The one owner of every open socket in this worker, and of each socket's switch from replay to live."""

import threading
import time

from ..metrics import SOCKETS, SOCKETS_OPENED


class Registry:
    """Open connections, guarded by one lock.

    Fan-out, and the begin and end of a replay, all run under the lock: a connection that is
    replaying stored events keeps the live ones in its backlog (bounded: a client that falls
    that far behind is closed with 1013 and resumes later), and :meth:`end_replay` sends the
    ones the replay did not cover and switches it to live in one step, so nothing is missed
    or sent twice.
    """

    # How long a revoked token is remembered here: longer than any lookup-to-authenticate window.
    REVOKED_MEMORY = 300.0

    def __init__(self):
        self.lock = threading.RLock()
        self._connections = set()
        self._revoked = {}  # token hash -> when its revocation was applied (monotonic), recent ones only

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
        """From now on ``conn`` receives events, as ``sessao``'s; ``False`` if that token was revoked meanwhile.

        The token was looked up before; a revocation committed since then and already applied
        here (:meth:`close_tokens`) would never reach ``conn``, so it is checked under the lock:
        either it was applied before (refused here) or it will be after (and closes ``conn``).
        """
        with self.lock:
            if sessao.token_hash in self._revoked:
                return False
            conn.sessao = sessao
            return True

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

    def abort_replay(self, conn, code, reason):
        """The replay failed: close ``conn`` and drop its held live events, in one step.

        Nothing newer than what was replayed may reach the client: it resumes from its last
        ``evento_id`` on its next connection and gets the rest then.
        """
        with self.lock:
            conn.close(code, reason)
            conn.backlog = None

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
        """Close every connection authenticated with one of these tokens, and refuse them from now on."""
        hashes = set(token_hashes)
        now = time.monotonic()
        with self.lock:
            for stale in [h for h, at in self._revoked.items() if now - at > self.REVOKED_MEMORY]:
                del self._revoked[stale]
            self._revoked.update(dict.fromkeys(hashes, now))
            doomed = [c for c in self._connections if c.sessao is not None and c.sessao.token_hash in hashes]
            for conn in doomed:
                conn.close(code, reason)
        return len(doomed)
