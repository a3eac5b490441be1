"""Who is calling: a session cookie (pages, and the API from a signed-in browser) or a bearer
token (the API), checked against the users' streams on every request.

The user's stream is consulted on every request (its version, and its events when that
moved), so grants are always current and a revoked token ends the sessions signed in with
it at their next request. Sign-ins and their
failures are logged on ``jixiao.web.signin`` (never as report events); failures, from the
sign-in page and from bearer tokens alike, count towards the throttle.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from events.protocol import EventStoreProtocol
from projections.token_uses import TokenUses
from web.errors import Refused
from web.recent import Recent
from web.sessions import Session, SessionStore, SignInThrottle
from workflow.errors import AuthenticationFailed
from workflow.roles import Actor, Role
from workflow.service import Credentials, authenticate
from workflow.users import USER_ID, UserState, fold_user, user_stream_id

log = logging.getLogger("jixiao.web.signin")

#: The roles whose holders the pages offer the audit pages.
_AUDITING = (Role.AUDITOR, Role.ADMIN)

#: How the API names its credentials: ``Authorization: Bearer USER:TOKEN``.
BEARER = "Bearer "


@dataclass(frozen=True)
class Identity:
    """An authenticated caller: the user as their stream says now, and their session if the
    request carried one (bearer requests have none)."""

    user: UserState
    session: Session | None = None

    @property
    def actor(self) -> Actor:
        """The user as the actor of commands and reads."""
        return self.user.actor()

    @property
    def user_id(self) -> str:
        """The user's id."""
        return self.user.user_id

    @property
    def audits(self) -> bool:
        """Whether the pages offer the caller the audit pages: auditors and administrators.
        Every page's navigation asks; jinja's ``selectattr`` worked its test out afresh on
        each page, a tenth of an inbox's rendering (decision 0635)."""
        return any(grant.role in _AUDITING for grant in self.user.grants)

    @property
    def shown(self) -> tuple[str, str, bool]:
        """What every page's header shows of the caller: id, name, and the audit link (a
        kept page's key holds it)."""
        return self.user.user_id, self.user.name, self.audits


def _live(user: UserState, token_id: str) -> bool:
    return user.registered and any(t.token_id == token_id and not t.revoked for t in user.tokens)


class _Verified:
    """Tokens verified recently, by the SHA-256 of ``user:token``, so that an API client
    does not pay a key derivation per request. Only the proof of the secret is remembered:
    whether the token is still live is read from the user's stream every time."""

    def __init__(self, size: int = 4096, ttl: float = 300.0) -> None:
        self.ttl = ttl
        #: When each proof stops counting, by key.
        self._seen: Recent[float] = Recent(size)

    @staticmethod
    def key(user_id: str, token: str) -> str:
        return hashlib.sha256(f"{user_id}:{token}".encode()).hexdigest()

    def __contains__(self, key: str) -> bool:
        until = self._seen.get(key)
        return until is not None and until > time.monotonic()

    def add(self, key: str) -> None:
        self._seen.put(key, time.monotonic() + self.ttl)


class _Users:
    """Each user as their stream last said, by the stream's version: a request asks the log
    one indexed question, the version, and reads and folds the stream only when it has
    moved. A grant or a revoked token is a new version, so it is seen at the next request
    as when the stream was read every time; reading and decoding it was a tenth of an
    inbox page."""

    def __init__(self, store: EventStoreProtocol, size: int = 4096) -> None:
        self.store = store
        self._kept: Recent[tuple[int, UserState]] = Recent(size)

    def get(self, user_id: str) -> UserState:
        """The user as their stream holds them now (``registered`` False for an unknown id)."""
        stream = user_stream_id(user_id)
        kept = self._kept.get(user_id)
        if kept is not None and kept[0] == self.store.stream_version(stream):
            return kept[1]
        records = self.store.read_stream(stream)
        # The events read, not the version asked first: the stream may have moved between.
        user = fold_user(r.event for r in records)
        self._kept.put(user_id, (records[-1].version if records else 0, user))
        return user


class Doorman:
    """Signs people in, finds the caller of each request, and throttles failures."""

    def __init__(
        self,
        store: EventStoreProtocol,
        sessions: SessionStore,
        throttle: SignInThrottle,
        uses: TokenUses | None = None,
    ) -> None:
        self.store = store
        self.sessions = sessions
        self.throttle = throttle
        self.uses = uses
        self._verified = _Verified()
        self._users = _Users(store)

    def _used(self, user_id: str, token_id: str, via: str) -> None:
        if self.uses is not None:
            self.uses.note(user_id, token_id, via, self.sessions.clock())

    def _user(self, user_id: str) -> UserState:
        return self._users.get(user_id)

    def check_token(self, user_id: str, token: str, address: str, via: str) -> UserState:
        """The user whose current token this is; Refused 429 while throttled, 401 (logged
        and counted) for an unknown user or a wrong or revoked token."""
        shown = user_id if USER_ID.match(user_id or "") else repr((user_id or "")[:64])
        waiting = self.throttle.refusal(user_id, address)
        if waiting is not None:
            log.warning("sign-in throttled: user=%s address=%s via=%s", shown, address, via)
            raise Refused(429, waiting, field="user_id", headers={"Retry-After": "900"})
        key = _Verified.key(user_id, token)
        token_id = token.partition(".")[0]
        if key in self._verified:
            user = self._user(user_id)
            if _live(user, token_id):
                self._used(user.user_id, token_id, via)
                return user
        try:
            user = authenticate(self.store, Credentials(user_id, token))
        except AuthenticationFailed as failed:
            self.throttle.failed(user_id, address)
            log.warning("sign-in failed: user=%s address=%s via=%s", shown, address, via)
            raise Refused(401, str(failed), field="token") from None
        self._verified.add(key)
        self._used(user.user_id, token_id, via)
        return user

    def sign_in(
        self, user_id: str, token: str, address: str, *, replacing: str | None
    ) -> tuple[str, Identity]:
        """Check the token, then start a new session (ending ``replacing``); its cookie
        value and the caller."""
        user = self.check_token(user_id, token, address, "page")
        session_id, session = self.sessions.start(
            user.user_id, token.partition(".")[0], address, replacing=replacing
        )
        log.info("sign-in: user=%s address=%s via=page", user.user_id, address)
        return session_id, Identity(user, session)

    def sign_out(self, identity: Identity, address: str) -> None:
        """End the caller's session."""
        if identity.session is not None:
            self.sessions.end(identity.session.id_hash)
            log.info("sign-out: user=%s address=%s", identity.user_id, address)

    def from_session(self, session_id: str | None) -> Identity | None:
        """The caller of a session cookie; None when there is no live session (idled out,
        or its token revoked: then every session of that token ends)."""
        session = self.sessions.find(session_id)
        if session is None:
            return None
        user = self._user(session.user_id)
        if not _live(user, session.token_id):
            ended = self.sessions.end_token(session.user_id, session.token_id)
            log.info(
                "sessions ended: user=%s token=%s no longer live (%d session(s))",
                session.user_id,
                session.token_id,
                ended,
            )
            return None
        return Identity(user, session)

    def from_bearer(self, header: str, address: str) -> Identity:
        """The caller of an ``Authorization: Bearer USER:TOKEN`` header."""
        credentials = header[len(BEARER) :].strip()
        user_id, colon, token = credentials.partition(":")
        if not colon or not user_id or not token:
            raise Refused(
                401,
                "authorization: got a bearer value without USER:TOKEN, expected "
                "`Authorization: Bearer USER:TOKEN`",
                field="authorization",
                headers={"WWW-Authenticate": "Bearer"},
            )
        try:
            user = self.check_token(user_id, token, address, "api")
        except Refused as refused:
            if refused.status == 401:
                refused.headers = {"WWW-Authenticate": "Bearer"}
            raise
        log.debug("api token accepted: user=%s address=%s", user.user_id, address)
        return Identity(user)
