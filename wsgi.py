"""WSGI entry point: ``gunicorn wsgi:app``."""

from sgp_app import create_app

app = create_app()
