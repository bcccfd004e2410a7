"""One subscriber's order events: whose they are, how far it has got, and what waits while it catches up.

A socket (:class:`~sgp_app.realtime.socket.Session`) and a stream (:class:`~sgp_app.realtime.stream.Stream`)
each own one :class:`Feed` over their :class:`~sgp_app.realtime.connection.Connection` (the write
path). The feed is what the worker's :class:`~sgp_app.realtime.registry.Registry` holds and fans
events out to, and the one place of the hand-off from stored events to live ones:

1. **begin**: with a resume point, live events are held in :attr:`Feed.backlog` from now on;
2. **authenticate**: the token becomes the feed's under the registry's lock, unless its
   revocation was applied meanwhile (then 1008, nothing sent);
3. **replay**: in a greenlet of its own (the socket's reader goes on answering pings), the stored
   events after the resume point, a page at a time, each page fenced by log position and checked
   against revocation;
4. **live**: under the lock, the held events the replay did not cover go out and the feed goes
   live; then ``sincronizado``.

Nothing is missed or sent twice: every step that touches :attr:`cursor` or :attr:`backlog` runs
under the registry's lock, as fan-out does.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import gevent

from .. import events, logs
from ..auth import tokens
from ..extensions import db
from ..metrics import LIVE_DELIVERIES, REPLAYED_DELIVERIES
from .frames import BAD_TOKEN, CLOSE_POLICY, CLOSE_SERVER_ERROR, json_text

if TYPE_CHECKING:
    from ..auth.tokens import Sessao
    from . import Hub
    from .connection import Connection

log = logging.getLogger(__name__)

REPLAY_PAGE = 500


class Feed:
    """A socket's or a stream's subscription to the order events.

    :param hub: the worker's :class:`~sgp_app.realtime.Hub` (registry, app).
    :param conn: the connection the events are written to.
    """

    def __init__(self, hub: Hub, conn: Connection) -> None:
        self.hub = hub
        self.conn = conn
        # Owned by the registry, under its lock.
        self.sessao: Sessao | None = None  # whose events; None until authenticated
        self.cursor: int | None = None  # the newest evento_id sent: only later ones go out
        self.backlog: list[tuple[int, Any]] | None = None  # while replaying: the live events held
        self._replay: gevent.Greenlet | None = None

    @property
    def authenticated(self) -> bool:
        return self.sessao is not None

    def join(self, sessao: Sessao | None = None, ultimo: int | None = None) -> bool:
        """Count the feed in this worker (``/health``, the cap, the janitor's sweeps), subscribed at
        once when ``sessao`` is given (see :meth:`subscribe`); then log it open."""
        self.hub.registry.add(self)
        subscribed = sessao is not None and self.subscribe(sessao, ultimo)
        logs.socket_event("open", self)
        return subscribed

    def subscribe(self, sessao: Sessao, ultimo: int | None = None, greeting: Any = None) -> bool:
        """Begin → authenticate → replay → live: from now on every event after ``ultimo`` reaches the
        client once, in order (with ``ultimo`` ``None``: the events committed from now on).

        :param sessao: the looked-up token. ``False`` (and the connection closed with 1008) if it
            was revoked since.
        :param greeting: a message sent once authenticated, before any event (the socket's
            ``authenticated``).
        """
        registry = self.hub.registry
        replaying = ultimo is not None and registry.begin_replay(self)
        if not registry.authenticate(self, sessao):
            registry.abort_replay(self, CLOSE_POLICY, BAD_TOKEN)
            return False
        if greeting is not None:
            self.conn.send_json(greeting)
        if replaying and ultimo is not None:
            self._start_replay(ultimo)
        return True

    def resume(self, ultimo: int) -> bool:
        """Replay the events after ``ultimo`` to an authenticated feed; ``False`` if one is running."""
        if not self.hub.registry.begin_replay(self):
            return False
        self._start_replay(ultimo)
        return True

    def leave(self) -> None:
        """The handler is done: forget the feed, stop its replay, log it, let its last frames go."""
        conn = self.conn
        self.hub.registry.remove(self)
        if self._replay is not None:
            self._replay.kill(block=False)
        seconds = round(time.monotonic() - conn.opened_at, 1)
        logs.socket_event("close", self, close_code=conn.close_code or "-", seconds=seconds)
        db.session.remove()
        conn.wait_written(conn.send_timeout)
        conn.finish()

    # -- replay -----------------------------------------------------------------------

    def _start_replay(self, ultimo: int) -> None:
        self._replay = gevent.spawn(self.replay, ultimo)

    def replay(self, ultimo_evento_id: int) -> None:
        """Replay stored events after ``ultimo_evento_id``, then go live, then ``sincronizado``.

        Begun already (:meth:`Registry.begin_replay`): live events wait in :attr:`backlog`.
        Each page is checked on its own (:class:`~sgp_app.events.Page`): a range the pruner took
        meanwhile ends the replay with ``completo: false`` at the newest position, as a resume from
        too long ago does; so does a reload hint in the range (an import happened: the list is
        the truth), after the events around it are replayed. A page that cannot be read (the
        database down, the pool exhausted) closes the connection with 1011 and drops the held
        live events: nothing newer than what was replayed reaches the client, which resumes from
        there on its next connection. The token is checked against the log page by page too, so a
        revocation this worker has not applied yet stops the replay before any event committed
        after it.
        """
        registry = self.hub.registry
        try:
            with self.hub.app.app_context():
                try:
                    last, completo = self._replay_pages(ultimo_evento_id)
                finally:
                    db.session.remove()
        except Exception:
            log.exception("replay failed")
            registry.abort_replay(self, CLOSE_SERVER_ERROR, "Erro interno")
            return
        if last is None:  # the token was revoked (or the connection closed: then this closes nothing)
            registry.abort_replay(self, CLOSE_POLICY, BAD_TOKEN)
            return
        sent, current = registry.end_replay(self, last)
        LIVE_DELIVERIES.inc(sent)
        self.conn.send_sincronizado(current, completo)

    def _replay_pages(self, after: int) -> tuple[int | None, bool]:
        """Send the stored events after ``after``: ``(last position covered, completo)``, or ``(None, False)``
        when the token was revoked or the connection closed."""
        conn = self.conn
        last, newest = after, events.newest_id()
        recarregar = False  # a reload hint in the range: the client reloads its list at the end
        if after > newest:
            return newest, False  # beyond the log: the client names ids this log never wrote
        while True:
            if conn.closing:
                return None, False
            try:
                page = events.page(last, REPLAY_PAGE)
                revoked = self.sessao is None or tokens.revoked(self.sessao.token_hash)
                frames = [
                    conn.event_frame(row.id, row.tipo, json_text(row.to_message()).encode()) for row in page.eventos
                ]
                missing = None if page.complete else page.missing  # read before the rows expire
                recarregar = recarregar or bool(page.recargas)
                if missing is not None:
                    newest = events.newest_id()
            finally:
                db.session.rollback()  # hold no transaction while waiting for the client
            if revoked:
                return None, False
            if missing is not None:
                log.info("replay from %d: entries %d..%d were pruned meanwhile", after, *missing)
                return newest, False
            for frame in frames:
                if not conn.wait_for_room() or not conn.send_frame(frame):
                    return None, False
                REPLAYED_DELIVERIES.inc()
            last = page.upper
            if page.upper - page.after < REPLAY_PAGE:
                return last, not recarregar
