import pytest

from sgp_app import create_app


def test_testing_config_applies(db_url):
    assert not create_app({"SGP_DATABASE_URL": db_url}).testing
    assert create_app({"TESTING": True, "SGP_DATABASE_URL": db_url}).testing


def test_environment_overrides_defaults_with_their_types(db_url, monkeypatch):
    monkeypatch.setenv("SGP_WS_AUTH_TIMEOUT", "2.5")
    monkeypatch.setenv("SGP_WS_MAX_MESSAGE", "1000")
    app = create_app({"SGP_DATABASE_URL": db_url})
    assert app.config["SGP_WS_AUTH_TIMEOUT"] == 2.5
    assert app.config["SGP_WS_MAX_MESSAGE"] == 1000


def test_invalid_environment_value_names_the_setting(db_url, monkeypatch):
    monkeypatch.setenv("SGP_WS_MAX_MESSAGE", "lots")
    try:
        create_app({"SGP_DATABASE_URL": db_url})
    except RuntimeError as exc:
        assert "SGP_WS_MAX_MESSAGE" in str(exc)
    else:
        raise AssertionError("expected a RuntimeError")


def test_secret_key_is_generated_once_and_kept(tmp_path, db_url, monkeypatch):
    monkeypatch.delenv("SGP_SECRET_KEY", raising=False)
    first = create_app({"SGP_DATABASE_URL": db_url})
    second = create_app({"SGP_DATABASE_URL": db_url})
    assert first.secret_key and first.secret_key == second.secret_key


def test_body_limit_is_a_setting(db_url):
    app = create_app({"SGP_DATABASE_URL": db_url, "SGP_MAX_BODY_BYTES": 1234})
    assert app.config["MAX_CONTENT_LENGTH"] == 1234


def test_default_database_is_sqlite_in_instance_folder(monkeypatch):
    monkeypatch.delenv("SGP_DATABASE_URL", raising=False)
    app = create_app({"SGP_MIGRATE_ON_START": False})  # leave the instance folder without a database
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///" + app.instance_path)


@pytest.mark.parametrize(("raw", "expected"), [("0", False), ("false", False), ("1", True), ("yes", True)])
def test_boolean_settings_read_words_and_digits(monkeypatch, db_url, raw, expected):
    monkeypatch.setenv("SGP_MIGRATE_ON_START", raw)
    assert create_app({"SGP_DATABASE_URL": db_url}).config["SGP_MIGRATE_ON_START"] is expected


def test_a_boolean_setting_that_is_not_one_is_refused(monkeypatch):
    monkeypatch.setenv("SGP_MIGRATE_ON_START", "talvez")
    with pytest.raises(RuntimeError, match="SGP_MIGRATE_ON_START"):
        create_app()
