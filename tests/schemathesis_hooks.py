"""Schemathesis hooks for ``tests/test_schemathesis.py``: a fresh login for every request.

A generated ``POST /auth/logout`` revokes the token it was sent with, and a generated
``PATCH /usuarios/{id}`` may give the run's own admin a new password or disable it: so every
request logs in anew, and an admin the run has locked out is put back straight in the database.
"""

import os

import requests
import schemathesis
from sqlalchemy import create_engine, text
from werkzeug.security import generate_password_hash

BASE_URL = os.environ.get("SGP_SCHEMATHESIS_BASE_URL", "")
USER = os.environ.get("SGP_SCHEMATHESIS_USER", "")
PASSWORD = os.environ.get("SGP_SCHEMATHESIS_PASSWORD", "")


def login():
    return requests.post(BASE_URL + "/auth/login", json={"username": USER, "password": PASSWORD}, timeout=30)


def restore_admin():
    engine = create_engine(os.environ["SGP_SCHEMATHESIS_DATABASE_URL"])
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE usuarios SET password_hash = :hash, ativo = :yes, is_admin = :yes WHERE username = :name"),
            {"hash": generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"), "yes": True, "name": USER},
        )
    engine.dispose()


@schemathesis.auth(refresh_interval=None)
class FreshLogin:
    def get(self, case, context):
        answer = login()
        if answer.status_code == 401:
            restore_admin()
            answer = login()
        answer.raise_for_status()
        return answer.json()["session_token"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}
