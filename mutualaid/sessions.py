"""Database sessions stored under a hash of their key, so a dump holds no session to replay.

Django's database store keeps each session's key, the very value of the `sessionid` cookie,
in `django_session.session_key`: whoever holds a dump or a backup can paste any row's key
into a browser and be that volunteer. Here the cookie still carries the key, but the row is
stored and found under `sha256(key)`, so no value in the table opens a session (issue 10;
tests/mutualaid/test_credentials_at_rest.py tries every one).

Why a plain hash and not a keyed one: a session key is 32 characters drawn by `secrets` from
36 (about 165 bits), so its hash can be neither inverted nor guessed at; a key would add
nothing and would end every session whenever SECRET_KEY rotates.

Why not Redis (the cache store, where a dump of PostgreSQL holds nothing): Redis is never on
the critical path of a login (DESIGN.md), and a Redis restart would sign out every driver
mid-route. Sessions stay in the database, which every login needs anyway.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.sessions.base_session import AbstractBaseSession

# `django_session.session_key` holds 40 characters: 160 bits of the digest, in hex.
STORED_KEY_LENGTH = 40


def stored_key(session_key: str) -> str:
    """What the database holds for the cookie's key."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:STORED_KEY_LENGTH]


class SessionStore(DatabaseSessionStore):
    """Django's database store, with every lookup and write by `stored_key(key)`."""

    def _get_session_from_db(self) -> AbstractBaseSession | None:
        if self.session_key is None:
            return None
        try:
            return self.model.objects.get(
                session_key=stored_key(self.session_key), expire_date__gt=timezone.now()
            )
        except self.model.DoesNotExist:
            self._session_key = None
            return None

    async def _aget_session_from_db(self) -> AbstractBaseSession | None:
        if self.session_key is None:
            return None
        try:
            return await self.model.objects.aget(
                session_key=stored_key(self.session_key), expire_date__gt=timezone.now()
            )
        except self.model.DoesNotExist:
            self._session_key = None
            return None

    def exists(self, session_key: str) -> bool:
        return self.model.objects.filter(session_key=stored_key(session_key)).exists()

    async def aexists(self, session_key: str) -> bool:
        return await self.model.objects.filter(session_key=stored_key(session_key)).aexists()

    def create_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        instance = super().create_model_instance(data)
        instance.session_key = stored_key(instance.session_key)
        return instance

    async def acreate_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        instance = await super().acreate_model_instance(data)
        instance.session_key = stored_key(instance.session_key)
        return instance

    def delete(self, session_key: str | None = None) -> None:
        key = self.session_key if session_key is None else session_key
        if key is not None:
            self.model.objects.filter(session_key=stored_key(key)).delete()

    async def adelete(self, session_key: str | None = None) -> None:
        key = self.session_key if session_key is None else session_key
        if key is not None:
            await self.model.objects.filter(session_key=stored_key(key)).adelete()


# --- Ending one member's sessions (issue 12: a reset or a deactivation) ---------------------
# Rows are stored under a hash of their key and hold no user column, so a member's sessions
# are found by decoding each live row. A reset or a deactivation is rare and live sessions
# are few (12 h each), so one scan beats a per-login index table that every login would
# write. The password change that comes with either also voids every session's auth hash
# (Django checks it on each request); deleting the rows makes the end immediate and visible.


def sessions_end_for_user(user_id: int) -> int:
    """Delete every live session signed in as `user_id`; answers how many."""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    store = SessionStore()
    ended = [
        row.pk
        for row in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(store.decode(row.session_data).get(SESSION_KEY)) == str(user_id)
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)
