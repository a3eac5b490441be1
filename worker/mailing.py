"""The mail relay: deliver the outbox's ``mail`` rows through the mail server, each once.

A reminder's append writes its mail row (workflow.service.reminder_message); this sends it
to the department's preparers and heads who have an e-mail address, as the log has them
when it is sent. A row is claimed before it is sent (marked delivered in one conditional
update), so two relays never both send it; if the server fails, the claim is released and
the row is tried again after a backoff, up to ``attempts`` times. A process killed between
the claim and the server's answer leaves that one message unsent rather than sent twice
(docs/decisions/0607).
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from events import EventStore
from events.protocol import OutboxMessage
from projections.inboxes import grants_table
from projections.registry import projection_runner
from worker.mail import SmtpSettings, reminder_message, send
from workflow.roles import Role
from workflow.service import MAIL_TOPIC, load_user

log = logging.getLogger(__name__)

#: Who a department's reminder is mailed to.
REMINDED_ROLES = (Role.PREPARER, Role.DEPARTMENT_HEAD)

#: Attempts at one message before the relay gives up on it (and logs an error).
MAIL_ATTEMPTS = 5

#: The relay's backoff while the mail server fails: 1 s doubling up to this.
MAX_BACKOFF = 300.0


@dataclass(frozen=True)
class Delivery:
    """What became of one mail row: ``sent``, ``no recipient``, ``failed`` (to be tried
    again) or ``given up``."""

    key: str
    status: str
    recipients: tuple[str, ...] = ()
    detail: str = ""
    payload: dict[str, Any] = field(default_factory=dict)

    def as_data(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "key": self.key,
            "status": self.status,
            "recipients": list(self.recipients),
            "detail": self.detail,
        }


def reminded_addresses(store: EventStore, department: str) -> list[str]:
    """The e-mail addresses of the department's preparers and heads, as their user streams
    hold them now (the inbox grants say who holds a role there; a caught-up read model)."""
    query = sa.select(grants_table.c.user_id).where(
        grants_table.c.department == department,
        grants_table.c.role.in_([str(r) for r in REMINDED_ROLES]),
    )
    with store.engine.connect() as connection:
        users = sorted(set(connection.execute(query).scalars()))
    addresses = []
    for user_id in users:
        user = load_user(store, user_id)
        if not (user.registered and user.email):
            continue
        if any(g.role in REMINDED_ROLES and g.department == department for g in user.grants):
            addresses.append(user.email)
    return sorted(set(addresses))


class MailRelay:
    """Delivers pending mail rows, backing off while the mail server fails."""

    def __init__(
        self,
        store: EventStore,
        smtp: SmtpSettings,
        *,
        attempts: int = MAIL_ATTEMPTS,
        max_backoff: float = MAX_BACKOFF,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.smtp = smtp
        self.attempts = attempts
        self.max_backoff = max_backoff
        self.clock = clock
        self._failures = 0
        self._paused_until = 0.0

    def deliver_pending(self, limit: int = 50) -> list[Delivery]:
        """Send the pending mail rows, oldest first; what became of each row looked at.

        Stops at the first failure of the server (the rest wait for the next pass).
        """
        pending = self.store.pending_outbox(limit, topic=MAIL_TOPIC)
        if not pending:
            return []
        # Who holds which role comes from the inbox grants: bring them up to the log.
        runner = projection_runner(self.store)
        runner.setup()
        runner.catch_up()
        deliveries = []
        for row_id, message in pending:
            delivery = self._deliver(row_id, message)
            if delivery is None:
                continue  # another relay took it
            deliveries.append(delivery)
            if delivery.status == "failed":
                break
        return deliveries

    def _deliver(self, row_id: int, message: OutboxMessage) -> Delivery | None:
        payload = message.payload
        recipients = reminded_addresses(self.store, str(payload.get("department")))
        attempt = self.store.claim(row_id, self.clock())
        if attempt is None:
            return None
        if not recipients:
            log.warning(
                "mail %s not sent: no preparer or head of %s has an e-mail address "
                "(jixiao admin user email)",
                message.key,
                payload.get("department"),
            )
            return Delivery(message.key, "no recipient", payload=payload)
        mail = reminder_message(message.key, payload, recipients, self.smtp.sender)
        try:
            refused = send(self.smtp, mail)
        except (smtplib.SMTPException, OSError) as error:
            return self._failed(row_id, message, recipients, attempt, error)
        self._server_ok()
        detail = f"refused by the server: {', '.join(sorted(refused))}" if refused else ""
        if refused:
            log.warning("mail %s: %s", message.key, detail)
        log.info("mail %s sent to %s", message.key, ", ".join(recipients))
        return Delivery(message.key, "sent", tuple(recipients), detail, payload)

    def _failed(
        self,
        row_id: int,
        message: OutboxMessage,
        recipients: list[str],
        attempt: int,
        error: Exception,
    ) -> Delivery:
        reason = f"{type(error).__name__}: {error}".strip()
        if attempt >= self.attempts:
            log.error(
                "mail %s given up after %d attempts through %s: %s",
                message.key,
                attempt,
                self.smtp.shown(),
                reason,
            )
            return Delivery(message.key, "given up", tuple(recipients), reason, message.payload)
        self.store.release(row_id)
        self._failures += 1
        backoff = min(2.0 ** (self._failures - 1), self.max_backoff)
        self._paused_until = time.monotonic() + backoff
        log.warning(
            "mail %s not sent through %s (attempt %d): %s; trying again in %.0f s",
            message.key,
            self.smtp.shown(),
            attempt,
            reason,
            backoff,
        )
        return Delivery(message.key, "failed", tuple(recipients), reason, message.payload)

    def _server_ok(self) -> None:
        if self._failures:
            log.info("mail server reachable again after %d failed attempts", self._failures)
        self._failures = 0

    def step(self) -> list[Delivery]:
        """One pass over the pending mail, unless backing off after a failure."""
        if time.monotonic() < self._paused_until:
            return []
        return self.deliver_pending()
