"""WSGI entry point: ``gunicorn wsgi:app``."""

from sgp_app import create_app, schema

app = create_app()
if not app.config["SGP_MIGRATE_ON_START"]:
    # Upgrades are a separate deploy step: refuse to serve on a schema this code does not know.
    # (The CLI builds its own app and is not stopped, so `flask --app sgp_app init-db` can upgrade.)
    with app.app_context():
        schema.check_current()
