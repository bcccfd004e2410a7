"""The lease on a webhook endpoint: one deliverer at a time, across every worker and host.

A lease is two columns of the endpoint's row, ``trava_dono`` (who holds it) and ``trava_ate``
(until when). Taking one is a single ``UPDATE … WHERE`` it is free or lapsed, so only one worker
wins, on SQLite and PostgreSQL alike, with no Redis. The holder renews it once a third of it has
passed, and every write a deliverer makes is fenced by it (:meth:`Lease.fence`, in the write's own
statement), so a deliverer that lost it (a stalled worker, a clock jump) can change nothing once
another took over. This module is the only code that touches the two columns.
"""

import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, Update, or_, select, update

from ..db import begin_write
from ..extensions import db
from ..models import Webhook, utcnow


def free(owner: str, now: datetime) -> ColumnElement[bool]:
    """Active, and nobody's lease: none, a lapsed one, or ``owner``'s own (a deliverer of its that ended)."""
    nobody = or_(Webhook.trava_dono.is_(None), Webhook.trava_ate < now, Webhook.trava_dono == owner)
    return Webhook.ativo & nobody


def claimable(owner: str) -> list[int]:
    """The ids of active endpoints ``owner`` could take now."""
    return list(db.session.scalars(select(Webhook.id).where(free(owner, utcnow()))))


def _rows(statement: Update) -> int:
    """How many rows an ``UPDATE`` changed."""
    result: CursorResult[Any] = db.session.execute(statement)  # type: ignore[assignment]
    return result.rowcount


class Lease:
    """``owner``'s lease on one endpoint, lasting ``seconds`` from each claim or renewal.

    Each method runs its own short transaction in the current app context.
    """

    def __init__(self, webhook_id: int, owner: str, seconds: float) -> None:
        self.webhook_id = webhook_id
        self.owner = owner
        self.seconds = seconds
        self.renewed_at = float("-inf")  # monotonic time of the last claim or renewal

    def claim(self) -> bool:
        """Take the lease if it is free; whether it is now ours."""
        now = utcnow()
        begin_write()
        taken = _rows(
            update(Webhook)
            .where(Webhook.id == self.webhook_id, free(self.owner, now))
            .values(trava_dono=self.owner, trava_ate=now + timedelta(seconds=self.seconds))
        )
        db.session.commit()
        if taken == 1:
            self.renewed_at = time.monotonic()
        return taken == 1

    @property
    def due(self) -> bool:
        """A third of the lease has passed since it was taken or renewed."""
        return time.monotonic() - self.renewed_at >= self.seconds / 3

    def renew_if_due(self) -> bool:
        """Extend the lease if a third of it has passed; whether it is still ours (and the endpoint active)."""
        if not self.due:
            return True
        now = utcnow()
        begin_write()
        kept = _rows(
            update(Webhook)
            .where(self.fence(now), Webhook.ativo)
            .values(trava_ate=now + timedelta(seconds=self.seconds))
        )
        db.session.commit()
        if kept == 1:
            self.renewed_at = time.monotonic()
        return kept == 1

    def fence(self, now: datetime) -> ColumnElement[bool]:
        """The endpoint's row while this lease holds it, unexpired: the condition of every write."""
        return (Webhook.id == self.webhook_id) & (Webhook.trava_dono == self.owner) & (Webhook.trava_ate > now)

    def mine(self, webhook: Webhook) -> bool:
        """Whether ``webhook`` (a loaded row) is held by this lease's owner."""
        return webhook.trava_dono == self.owner

    def release(self) -> None:
        """Give the lease up at once (a deliverer that stops), so another worker may take it now."""
        begin_write()
        db.session.execute(
            update(Webhook)
            .where(Webhook.id == self.webhook_id, Webhook.trava_dono == self.owner)
            .values(trava_dono=None, trava_ate=None)
        )
        db.session.commit()
