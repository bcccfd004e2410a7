"""Preconditions: ``If-Match`` with a row's ``versao`` as its entity-tag, against lost updates
(orders, customers)."""

import re

from flask import request

from .contract import RequestHeader
from .errors import ApiError

# One member of If-Match's list (RFC 9110, section 13.1.1): an entity-tag, strong ("3") or weak
# (W/"3"), or, as a convenience, the bare version (3); then a comma or the end.
IF_MATCH_MEMBER = re.compile(r'[ \t]*(?:(W/)?"([\x21\x23-\x7e\x80-\xff]*)"|([0-9]{1,9}))[ \t]*(?:,|\Z)')
IF_MATCH = RequestHeader(
    "If-Match",
    {
        "type": "string",
        "pattern": r'^(\*|(W/)?"[\x21\x23-\x7e]*"|[0-9]{1,9})([ \t]*,[ \t]*((W/)?"[\x21\x23-\x7e]*"|[0-9]{1,9}))*$',
    },
    'The versao as its ETag ("3"), a list ("3", "4"), or * for any (RFC 9110; the bare 3 is taken too); '
    "weak tags never match. 412 if none matches, 400 if malformed",
)


def if_match() -> frozenset[int] | None:
    """The versions ``If-Match`` accepts, or ``None`` when it is absent or ``*``; 400 when malformed.

    A list matches when any of its tags does (``"6", "7"``). As RFC 9110 asks, tags are compared
    strongly: a weak one (``W/"3"``) or one that is not a version matches nothing (412). ``*``
    matches any current representation: the order must exist.
    """
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    versions, position = set(), 0
    while position < len(raw) or not position:
        member = IF_MATCH_MEMBER.match(raw, position)
        if member is None or member.end() == position:
            raise ApiError(400, 'If-Match deve conter versões entre aspas, como "3" ou "3", "4", ou *')
        weak, tag, bare = member.groups()
        tag = bare if tag is None else tag
        if not weak and tag.isascii() and tag.isdigit() and len(tag) <= 9:
            versions.add(int(tag))
        position = member.end()
    return frozenset(versions)
