"""The webhook delivery's three parts in process, against the real event log: the lease (claim,
renewal, the fence on every write), the sender (signing, failures of every kind, never raising) and
the delivery loop (edits taking effect at once, pruned events, the retry schedule)."""

import contextlib
import hmac
import json
import time
from datetime import timedelta

import gevent
import httpcore
import pytest
from sqlalchemy import select, update

from sgp_app import events
from sgp_app.extensions import db
from sgp_app.models import EntregaWebhook, Webhook, utcnow
from sgp_app.pedidos import service
from sgp_app.pedidos.schemas import validate
from sgp_app.webhooks.delivery import Deliverer, Dispatcher, retry_delay
from sgp_app.webhooks.lease import Lease
from sgp_app.webhooks.sender import Attempt, Sender, sign
from tests.receiver import Receiver, signature_ok


def commit_orders(app, count):
    with app.test_request_context():
        for i in range(count):
            service.create(validate({"cliente": f"Cliente {i}", "valor_total": "10.00"}))
        ids = [e.id for e in events.eventos_after(0, 1000)][-count:]
        db.session.remove()
    return ids


def add_webhook(app, url="https://receptor.example/hook", **fields):
    with app.app_context():
        webhook = Webhook(url=url, segredo="s" * 20, ultimo_evento_id=0, **fields)
        db.session.add(webhook)
        db.session.commit()
        return webhook.id


def change(app, webhook_id, **values):
    with app.app_context():
        db.session.execute(update(Webhook).where(Webhook.id == webhook_id).values(**values))
        db.session.commit()


def row(app, webhook_id):
    with app.app_context():
        webhook = db.session.get(Webhook, webhook_id)
        entregas = db.session.scalars(
            select(EntregaWebhook).where(EntregaWebhook.webhook_id == webhook_id).order_by(EntregaWebhook.id)
        ).all()
        db.session.expunge_all()
        return webhook, entregas


class FakeSender:
    """Stands in for the sender: records what was posted where; ``during`` runs inside each post."""

    def __init__(self, status=200, during=None):
        self.status, self.during, self.posts = status, during, []

    def post(self, url, segredo, evento_id, body):
        self.posts.append((evento_id, url))
        if self.during:
            self.during(len(self.posts))
        return Attempt(self.status, None, 1)


def deliverer_for(app, webhook_id, posts, lease=30.0):
    dispatcher = Dispatcher(app)
    dispatcher.sender = posts
    held = Lease(webhook_id, dispatcher.owner, lease)
    assert dispatcher.with_db(held.claim)
    return Deliverer(dispatcher, held)


def run_page(deliverer):
    """One round, as the deliverer's greenlet runs it: whether it goes on."""
    return deliverer.step()


def test_the_lease_is_renewed_within_a_page_so_no_other_worker_claims_it(app):
    ids = commit_orders(app, 6)
    hook = add_webhook(app)
    other = Lease(hook, "outro-worker", 30.0)
    claimed_by_other = []

    def slow_receiver(count):
        time.sleep(0.25)  # six posts take 1.5 s, well past the 0.6 s lease
        with app.app_context():
            claimed_by_other.append(other.claim())

    posts = FakeSender(during=slow_receiver)
    deliverer = deliverer_for(app, hook, posts, lease=0.6)
    assert run_page(deliverer)
    assert [p[0] for p in posts.posts] == ids and not any(claimed_by_other)
    assert row(app, hook)[0].ultimo_evento_id == ids[-1]


def test_a_deliverer_whose_lease_went_to_another_worker_mid_page_records_nothing_more(app):
    ids = commit_orders(app, 4)
    hook = add_webhook(app)

    def lease_taken_during_the_second_post(count):
        if count == 2:  # this worker stalled; the lease lapsed and another worker claimed it
            change(app, hook, trava_dono="outro-worker", trava_ate=utcnow() + timedelta(seconds=30))

    posts = FakeSender(during=lease_taken_during_the_second_post)
    deliverer = deliverer_for(app, hook, posts)
    assert run_page(deliverer) is False
    webhook, entregas = row(app, hook)
    assert [e.evento_id for e in entregas] == ids[:1] and webhook.ultimo_evento_id == ids[0]
    assert len(posts.posts) == 2  # the second post happened, but it is the new holder's to record


def test_a_lapsed_lease_fences_writes_even_before_anyone_claims_it(app):
    ids = commit_orders(app, 2)
    hook = add_webhook(app)

    def lease_lapses(count):
        if count == 1:
            change(app, hook, trava_ate=utcnow() - timedelta(seconds=1))

    deliverer = deliverer_for(app, hook, FakeSender(during=lease_lapses))
    assert run_page(deliverer) is False
    webhook, entregas = row(app, hook)
    assert entregas == [] and webhook.ultimo_evento_id == 0
    assert ids  # nothing recorded, nothing skipped: the next holder posts them all


def test_a_url_edit_takes_effect_at_the_next_event_of_the_page(app):
    commit_orders(app, 5)
    hook = add_webhook(app, url="https://antigo.example/hook")

    def edited_after_the_second(count):
        if count == 2:
            change(app, hook, url="https://novo.example/hook")

    posts = FakeSender(during=edited_after_the_second)
    assert run_page(deliverer_for(app, hook, posts))
    assert [url for _, url in posts.posts] == ["https://antigo.example/hook"] * 2 + ["https://novo.example/hook"] * 3


def test_disabling_an_endpoint_stops_its_page_at_once(app):
    commit_orders(app, 5)
    hook = add_webhook(app)
    posts = FakeSender(during=lambda count: count == 2 and change(app, hook, ativo=False))
    assert run_page(deliverer_for(app, hook, posts)) is False
    assert len(posts.posts) == 2


def test_a_tipos_edit_applies_to_the_next_event(app):
    ids = commit_orders(app, 4)
    hook = add_webhook(app)
    only_cancelled = json.dumps(["pedido_cancelado"])
    posts = FakeSender(during=lambda count: count == 1 and change(app, hook, tipos=only_cancelled))
    assert run_page(deliverer_for(app, hook, posts))
    assert [p[0] for p in posts.posts] == ids[:1]
    assert row(app, hook)[0].ultimo_evento_id == ids[-1]  # the others passed over, the cursor past them


def test_events_pruned_before_delivery_are_logged_recorded_and_skipped(app, caplog):
    ids = commit_orders(app, 5)
    hook = add_webhook(app)
    with app.app_context():
        events.prune(retention_days=30, retention_count=2)
    posts = FakeSender()
    deliverer = deliverer_for(app, hook, posts)
    assert run_page(deliverer)  # the gap: recorded, cursor moved past it
    assert run_page(deliverer)  # then the stored ones
    webhook, entregas = row(app, hook)
    assert [p[0] for p in posts.posts] == ids[3:]
    skipped = entregas[0]
    assert skipped.evento_id == ids[2] and skipped.status_http is None and skipped.tentativa == 0
    assert f"Eventos {ids[0]}–{ids[2]} removidos pela retenção" in skipped.erro
    assert "pruned before delivery" in caplog.text and webhook.falhando_desde is None


@pytest.mark.parametrize("tentativa", [1025, 2000, 10**6])
def test_the_retry_delay_stays_capped_however_long_an_endpoint_fails(tentativa):
    assert 480 <= retry_delay(tentativa) <= 600


# -- the lease -------------------------------------------------------------------------------------


def test_one_lease_per_endpoint_until_it_lapses_or_is_released(app):
    hook = add_webhook(app)
    mine, theirs = Lease(hook, "este", 0.3), Lease(hook, "outro", 30.0)
    with app.app_context():
        assert mine.claim() and not theirs.claim()
        assert mine.claim()  # its own lease is free to it (a deliverer of its that ended)
        time.sleep(0.35)
        assert theirs.claim()  # lapsed: the other worker takes it
        assert not mine.renew_if_due()  # and this one cannot renew it back
        theirs.release()
        assert mine.claim()


def test_a_renewal_waits_for_a_third_of_the_lease(app):
    hook = add_webhook(app)
    held = Lease(hook, "este", 30.0)
    with app.app_context():
        held.claim()
        before = db.session.get(Webhook, hook).trava_ate
        db.session.rollback()
        assert held.renew_if_due() and not held.due
        assert db.session.get(Webhook, hook).trava_ate == before  # not due: no write at all


def test_the_fence_holds_only_for_the_unexpired_lease_of_its_owner(app):
    hook = add_webhook(app)
    held = Lease(hook, "este", 30.0)
    with app.app_context():
        held.claim()
        fenced = select(Webhook.id).where(held.fence(utcnow()))
        assert db.session.scalar(fenced) == hook
        db.session.rollback()
        change(app, hook, trava_ate=utcnow() - timedelta(seconds=1))
        assert db.session.scalar(select(Webhook.id).where(held.fence(utcnow()))) is None


# -- the sender ------------------------------------------------------------------------------------


def test_the_sender_posts_the_body_signed_with_the_contracts_headers():
    receiver = Receiver(answers=[204]).start()
    try:
        attempt = Sender(5, allow_private=True).post(receiver.url, "segredo-do-receptor", 42, b'{"evento_id":42}')
        assert attempt.ok and attempt.status == 204 and attempt.erro is None
        ((headers, body),) = receiver.delivered()
        assert body == b'{"evento_id":42}' and headers["X-SGP-Evento-Id"] == "42"
        assert headers["User-Agent"] == "SGP-Webhooks/1" and signature_ok("segredo-do-receptor", headers, body)
    finally:
        receiver.stop()


def test_the_sender_refuses_a_private_target_as_a_failed_attempt():
    attempt = Sender(5, allow_private=False).post("http://127.0.0.1:9/hook", "s" * 20, 1, b"{}")
    assert not attempt.ok and attempt.status is None and "SGP_WEBHOOK_ALLOW_PRIVATE" in attempt.erro


def test_an_attempt_that_raises_anything_is_a_failed_attempt_not_a_dead_deliverer():
    sender = Sender(5, allow_private=True)

    def broken_stream(*args, **kwargs):
        raise TypeError("argument of type 'int' is not iterable")

    sender.pool.stream = broken_stream
    attempt = sender.post("https://receptor.example/hook", "s" * 20, 1, b"{}")
    assert attempt.status is None and attempt.erro == "Erro inesperado: TypeError"


def test_a_non_ascii_url_stored_before_normalisation_is_posted_encoded():
    sender, seen = Sender(5, allow_private=True), []

    def recording_stream(method, url, **kwargs):
        seen.append(url)
        raise TypeError("stop here")

    sender.pool.stream = recording_stream
    sender.post("https://exämple.com/notificação", "s" * 20, 1, b"{}")
    assert seen == ["https://xn--exmple-cua.com/notifica%C3%A7%C3%A3o"]


def test_a_receiver_that_drips_its_answer_is_cut_and_the_error_names_the_whole_limit():
    sender = Sender(0.2, allow_private=True)  # each wait at most 0.2 s; the whole exchange at most 1.2 s

    @contextlib.contextmanager
    def dripping(*args, **kwargs):
        gevent.sleep(5)  # bytes keep coming, each within the read timeout, the answer never ends
        yield None

    sender.pool.stream = dripping
    attempt = sender.post("https://receptor.example/hook", "s" * 20, 1, b"{}")
    assert attempt.status is None and attempt.erro == "A resposta não terminou em 1.2s"

    def silent(*args, **kwargs):
        raise httpcore.ReadTimeout("timed out")

    sender.pool.stream = silent
    assert sender.post("https://receptor.example/hook", "s" * 20, 1, b"{}").erro == "Sem resposta em 0.2s"


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    assert sign("k", 1, b"x") == "sha256=" + hmac.new(b"k", b"1.x", "sha256").hexdigest()
