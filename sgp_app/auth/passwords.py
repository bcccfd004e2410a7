"""Password hashing, kept off the event loop.

Werkzeug's scrypt hashes cost tens of milliseconds of CPU each, inside C code that releases the
GIL. Under gevent that would stall every socket of the worker for as long, so the hashing runs in
gevent's pool of real threads; elsewhere (tests, ``flask run``) it runs in place.
"""

from collections.abc import Callable
from typing import TypeVar

import gevent
import gevent.monkey
from werkzeug.security import check_password_hash, generate_password_hash

T = TypeVar("T")

_dummy_hash = None


def _off_the_loop(function: Callable[..., T], *args: object) -> T:
    if gevent.monkey.is_module_patched("threading"):
        return gevent.get_hub().threadpool.apply(function, args)
    return function(*args)


def hash_password(password: str) -> str:
    """A salted hash of ``password`` (Werkzeug's default method)."""
    return _off_the_loop(generate_password_hash, password)


def check_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; with no ``password_hash`` (unknown user) spend the same time."""
    global _dummy_hash
    if password_hash is None:
        _dummy_hash = _dummy_hash or hash_password("dummy-password")
        _off_the_loop(check_password_hash, _dummy_hash, password)
        return False
    return _off_the_loop(check_password_hash, password_hash, password)
