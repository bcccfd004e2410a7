"""One webhook deliverer in process, against the real event log, with the HTTP attempt faked:
the lease, the fence on every write, edits taking effect at once, pruned events, failing attempts."""

import contextlib
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


class FakePosts:
    """Stands in for the HTTP attempt: records what was posted where; ``during`` runs inside each post."""

    def __init__(self, status=200, during=None):
        self.status, self.during, self.posts = status, during, []

    def __call__(self, endpoint, evento_id, body):
        self.posts.append((evento_id, endpoint["url"]))
        if self.during:
            self.during(len(self.posts))
        return self.status, None, 1


def deliverer_for(app, webhook_id, posts, lease=30.0):
    dispatcher = Dispatcher(app)
    dispatcher.lease = lease
    assert dispatcher.with_db(dispatcher._lock, webhook_id)
    deliverer = Deliverer(dispatcher, webhook_id)
    deliverer.post = posts
    return deliverer


def run_page(deliverer):
    """One round, as the deliverer's greenlet runs it: whether it goes on."""
    return deliverer.step()


def test_the_lease_is_renewed_within_a_page_so_no_other_worker_claims_it(app):
    ids = commit_orders(app, 6)
    hook = add_webhook(app)
    other = Dispatcher(app)
    claimed_by_other = []

    def slow_receiver(count):
        time.sleep(0.25)  # six posts take 1.5 s, well past the 0.6 s lease
        claimed_by_other.append(other.with_db(other._lock, hook))

    posts = FakePosts(during=slow_receiver)
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

    posts = FakePosts(during=lease_taken_during_the_second_post)
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

    deliverer = deliverer_for(app, hook, FakePosts(during=lease_lapses))
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

    posts = FakePosts(during=edited_after_the_second)
    assert run_page(deliverer_for(app, hook, posts))
    assert [url for _, url in posts.posts] == ["https://antigo.example/hook"] * 2 + ["https://novo.example/hook"] * 3


def test_disabling_an_endpoint_stops_its_page_at_once(app):
    commit_orders(app, 5)
    hook = add_webhook(app)
    posts = FakePosts(during=lambda count: count == 2 and change(app, hook, ativo=False))
    assert run_page(deliverer_for(app, hook, posts)) is False
    assert len(posts.posts) == 2


def test_a_tipos_edit_applies_to_the_next_event(app):
    ids = commit_orders(app, 4)
    hook = add_webhook(app)
    only_cancelled = json.dumps(["pedido_cancelado"])
    posts = FakePosts(during=lambda count: count == 1 and change(app, hook, tipos=only_cancelled))
    assert run_page(deliverer_for(app, hook, posts))
    assert [p[0] for p in posts.posts] == ids[:1]
    assert row(app, hook)[0].ultimo_evento_id == ids[-1]  # the others passed over, the cursor past them


def test_events_pruned_before_delivery_are_logged_recorded_and_skipped(app, caplog):
    ids = commit_orders(app, 5)
    hook = add_webhook(app)
    with app.app_context():
        events.prune(retention_days=30, retention_count=2)
    posts = FakePosts()
    deliverer = deliverer_for(app, hook, posts)
    assert run_page(deliverer)  # the gap: recorded, cursor moved past it
    assert run_page(deliverer)  # then the stored ones
    webhook, entregas = row(app, hook)
    assert [p[0] for p in posts.posts] == ids[3:]
    skipped = entregas[0]
    assert skipped.evento_id == ids[2] and skipped.status_http is None and skipped.tentativa == 0
    assert f"Eventos {ids[0]}–{ids[2]} removidos pela retenção" in skipped.erro
    assert "pruned before delivery" in caplog.text and webhook.falhando_desde is None


def test_an_attempt_that_raises_anything_is_a_failed_attempt_not_a_dead_deliverer(app):
    commit_orders(app, 1)
    hook = add_webhook(app)
    deliverer = deliverer_for(app, hook, None)
    del deliverer.post  # the real attempt, with a library that blows up

    def broken_stream(*args, **kwargs):
        raise TypeError("argument of type 'int' is not iterable")

    deliverer.dispatcher.pool.stream = broken_stream
    endpoint = deliverer.dispatcher.with_db(deliverer._current)
    status, erro, _ = deliverer.post(endpoint, 1, b"{}")
    assert status is None and erro == "Erro inesperado: TypeError"


def test_a_non_ascii_url_stored_before_normalisation_is_posted_encoded(app):
    hook = add_webhook(app, url="https://exämple.com/notificação")
    deliverer = deliverer_for(app, hook, None)
    del deliverer.post
    seen = []

    def recording_stream(method, url, **kwargs):
        seen.append(url)
        raise TypeError("stop here")

    deliverer.dispatcher.pool.stream = recording_stream
    deliverer.post(deliverer.dispatcher.with_db(deliverer._current), 1, b"{}")
    assert seen == ["https://xn--exmple-cua.com/notifica%C3%A7%C3%A3o"]


@pytest.mark.parametrize("tentativa", [1025, 2000, 10**6])
def test_the_retry_delay_stays_capped_however_long_an_endpoint_fails(tentativa):
    assert 480 <= retry_delay(tentativa) <= 600


def test_a_receiver_that_drips_its_answer_is_cut_and_the_error_names_the_whole_limit(app):
    hook = add_webhook(app)
    deliverer = deliverer_for(app, hook, None)
    del deliverer.post
    deliverer.dispatcher.timeout = 0.2  # each wait at most 0.2 s; the whole exchange at most 1.2 s

    @contextlib.contextmanager
    def dripping(*args, **kwargs):
        gevent.sleep(5)  # bytes keep coming, each within the read timeout, the answer never ends
        yield None

    deliverer.dispatcher.pool.stream = dripping
    status, erro, _ = deliverer.post(deliverer.dispatcher.with_db(deliverer._current), 1, b"{}")
    assert status is None and erro == "A resposta não terminou em 1.2s"

    def silent(*args, **kwargs):
        raise httpcore.ReadTimeout("timed out")

    deliverer.dispatcher.pool.stream = silent
    assert deliverer.post(deliverer.dispatcher.with_db(deliverer._current), 1, b"{}")[1] == "Sem resposta em 0.2s"
