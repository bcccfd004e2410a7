"""A subscriber's feed in process: begin → authenticate → replay → live, with a fake connection and the
real registry, event log and tokens (the end-to-end checks are in test_resume.py and test_revocation.py)."""

from sgp_app.realtime.feed import Feed
from tests.test_broadcaster import FakeConn, FakeSessao, commit_order, frame_for, hub, hub_app, live_token_hash

__all__ = ["hub_app"]  # the fixture, used by name below


def sessao_for(app):
    """A session with a live token in the database (a replay checks it page by page)."""
    return FakeSessao(live_token_hash(app))


def test_subscribing_without_a_resume_point_gets_only_the_events_from_now_on(hub_app):
    commit_order(hub_app)  # before: not for this feed
    conn = FakeConn()
    feed = Feed(hub(hub_app), conn)
    with hub_app.app_context():
        feed.join()
    assert feed.subscribe(sessao_for(hub_app), None, {"type": "authenticated"})
    hub(hub_app).registry.fan_out(41, frame_for(41))
    assert conn.received == [41] and conn.greetings == [(0, {"type": "authenticated"})]
    assert feed.cursor == 41 and feed.backlog is None


def test_subscribing_with_a_resume_point_replays_then_hands_over_to_live_without_loss_or_repeat(hub_app):
    ids = [commit_order(hub_app)["evento_id"] for _ in range(3)]
    conn = FakeConn()
    feed = Feed(hub(hub_app), conn)
    registry = hub(hub_app).registry
    registry.add(feed)
    assert feed.subscribe(sessao_for(hub_app), ids[0], {"type": "authenticated"})
    # Live events arrive before the replay greenlet has run: one it will replay, one after it.
    registry.fan_out(ids[2], frame_for(ids[2]))
    registry.fan_out(ids[2] + 1, frame_for(ids[2] + 1))
    assert conn.received == []  # held in the backlog
    feed._replay.join(5)
    assert conn.received == [ids[1], ids[2], ids[2] + 1]
    assert conn.sincronizado == (ids[2] + 1, True) and feed.backlog is None and feed.cursor == ids[2] + 1
    assert conn.greetings[0][0] == 0  # the greeting went out before any event


def test_a_token_revoked_before_subscribing_is_refused_with_nothing_held_or_sent(hub_app):
    sessao = sessao_for(hub_app)
    registry = hub(hub_app).registry
    registry.close_tokens([sessao.token_hash], 1008, "Token inválido ou ausente")
    conn = FakeConn()
    feed = Feed(hub(hub_app), conn)
    registry.add(feed)
    assert feed.subscribe(sessao, 0, {"type": "authenticated"}) is False
    registry.fan_out(7, frame_for(7))
    assert conn.closed == (1008, "Token inválido ou ausente") and conn.received == []
    assert getattr(conn, "greetings", []) == [] and feed.backlog is None and feed.sessao is None


def test_one_resume_at_a_time(hub_app):
    commit_order(hub_app)
    feed = Feed(hub(hub_app), FakeConn())
    hub(hub_app).registry.add(feed)
    assert feed.subscribe(sessao_for(hub_app))
    assert feed.resume(0)
    assert not feed.resume(0)  # the first one has not ended
    feed._replay.join(5)
    assert feed.resume(0)
    feed._replay.join(5)


def test_leaving_forgets_the_feed_stops_its_replay_and_lets_its_last_frames_go(hub_app):
    for _ in range(3):
        commit_order(hub_app)
    conn = FakeConn()
    feed = Feed(hub(hub_app), conn)
    with hub_app.app_context():
        feed.join(sessao_for(hub_app), 0)
        assert len(hub(hub_app).registry) == 1
        feed.leave()
    assert len(hub(hub_app).registry) == 0 and feed._replay.dead
    assert conn.waited == 1.0 and conn.finished
