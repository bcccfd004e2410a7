"""Every feed (socket or stream) open in this worker, under one lock: fan-out, and each feed's switch
from replay to live (which :class:`~sgp_app.realtime.feed.Feed` drives)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from ..metrics import SOCKETS, SOCKETS_OPENED

if TYPE_CHECKING:
    from ..auth.tokens import Sessao
    from .feed import Feed


class Registry:
    """Open feeds, guarded by one lock.

    Fan-out, and the begin and end of a replay, all run under the lock: a feed that is
    replaying stored events keeps the live ones in its backlog (bounded: a client that falls
    that far behind is closed with 1013 and resumes later), and :meth:`end_replay` sends the
    ones the replay did not cover and switches it to live in one step, so nothing is missed
    or sent twice.
    """

    # How long a revoked token is remembered here: longer than any lookup-to-authenticate window.
    REVOKED_MEMORY = 300.0

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._feeds: set[Feed] = set()
        self._revoked: dict[
            str, float
        ] = {}  # token hash -> when its revocation was applied (monotonic), recent ones only

    def add(self, feed: Feed) -> None:
        with self.lock:
            self._feeds.add(feed)
            SOCKETS.set(len(self._feeds))
        SOCKETS_OPENED.inc()

    def remove(self, feed: Feed) -> None:
        with self.lock:
            self._feeds.discard(feed)
            SOCKETS.set(len(self._feeds))

    def __len__(self) -> int:
        return len(self._feeds)

    def snapshot(self) -> list[Feed]:
        with self.lock:
            return list(self._feeds)

    def authenticate(self, feed: Feed, sessao: Sessao) -> bool:
        """From now on ``feed`` receives events, as ``sessao``'s; ``False`` if that token was revoked meanwhile.

        The token was looked up before; a revocation committed since then and already applied
        here (:meth:`close_tokens`) would never reach ``feed``, so it is checked under the lock:
        either it was applied before (refused here) or it will be after (and closes ``feed``).
        """
        with self.lock:
            if sessao.token_hash in self._revoked:
                return False
            feed.sessao = sessao
            return True

    def fan_out(self, evento_id: int, frames: tuple[bytes, bytes]) -> int:
        """Hand one event to every authenticated feed; return how many took it now.

        :param frames: the event framed once for each kind of client
            (:func:`~sgp_app.realtime.sse.event_frames`); each connection takes its ``framing``.
        """
        delivered = 0
        with self.lock:
            for feed in self._feeds:
                if feed.sessao is None:
                    continue
                if feed.backlog is not None:
                    if len(feed.backlog) >= feed.conn.max_queue:
                        feed.conn.drop_slow()  # the replay is too slow to ever catch up
                    else:
                        feed.backlog.append((evento_id, frames))
                elif feed.cursor is None or evento_id > feed.cursor:
                    feed.cursor = evento_id
                    conn = feed.conn
                    delivered += conn.send_frame(frames[conn.framing])  # a non-blocking write; see Connection
        return delivered

    def begin_replay(self, feed: Feed) -> bool:
        """Hold ``feed``'s live events from now on; ``False`` if a replay is already running."""
        with self.lock:
            if feed.backlog is not None:
                return False
            feed.backlog = []
            return True

    def abort_replay(self, feed: Feed, code: int, reason: str) -> None:
        """The replay failed: close ``feed`` and drop its held live events, in one step.

        Nothing newer than what was replayed may reach the client: it resumes from its last
        ``evento_id`` on its next connection and gets the rest then.
        """
        with self.lock:
            feed.conn.close(code, reason)
            feed.backlog = None

    def end_replay(self, feed: Feed, last: int) -> tuple[int, int]:
        """The replay sent every stored event up to ``last``: send the held live events after it, go live.

        Returns ``(sent, current)``: how many held events went out, and the id the feed is now
        current with.
        """
        sent = 0
        conn = feed.conn
        with self.lock:
            for evento_id, frames in feed.backlog or ():
                if evento_id > last:
                    sent += conn.send_frame(frames[conn.framing])
                    last = evento_id
            feed.backlog = None
            feed.cursor = max(last, feed.cursor or 0)
            return sent, feed.cursor

    def close_where(self, predicate: Callable[[Feed], bool], code: int, reason: str) -> int:
        """Close every feed for which ``predicate(feed)`` is true; return how many."""
        doomed = [feed for feed in self.snapshot() if predicate(feed)]
        for feed in doomed:
            feed.conn.close(code, reason)
        return len(doomed)

    def close_tokens(self, token_hashes: Iterable[str], code: int, reason: str) -> int:
        """Close every feed authenticated with one of these tokens, and refuse them from now on."""
        hashes = set(token_hashes)
        now = time.monotonic()
        with self.lock:
            for stale in [h for h, at in self._revoked.items() if now - at > self.REVOKED_MEMORY]:
                del self._revoked[stale]
            self._revoked.update(dict.fromkeys(hashes, now))
            doomed = [f for f in self._feeds if f.sessao is not None and f.sessao.token_hash in hashes]
            for feed in doomed:
                feed.conn.close(code, reason)
        return len(doomed)
