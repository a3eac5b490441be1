"""Per-user secret tokens, kept only as salted scrypt hashes.

A token reads ``<token id>.<secret>``: the id names which stored hash to check, so a
check costs one key derivation, and so does refusing an id that does not exist. Secrets
are never stored or logged; comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from pydantic import Field

from workflow.values import Value


class KdfParams(Value):
    """scrypt cost parameters, recorded with each hash so they can be raised later."""

    n: int = Field(default=2**14, ge=2)
    r: int = Field(default=8, ge=1)
    p: int = Field(default=1, ge=1)
    dklen: int = Field(default=32, ge=16)


#: The cost used for new tokens unless a caller chooses another (tests choose a cheaper one).
DEFAULT_KDF = KdfParams()


class TokenRecord(Value):
    """What the log keeps of a token: its id, salt, hash and KDF parameters, never the secret."""

    token_id: str
    salt: str
    hash: str
    kdf: KdfParams = DEFAULT_KDF
    revoked: bool = False


def derive_key(secret: str, salt: bytes, kdf: KdfParams) -> bytes:
    """The scrypt key of ``secret`` under ``salt`` and ``kdf`` (what a token's hash holds)."""
    return hashlib.scrypt(
        secret.encode(),
        salt=salt,
        n=kdf.n,
        r=kdf.r,
        p=kdf.p,
        dklen=kdf.dklen,
        maxmem=128 * kdf.n * kdf.r * kdf.p + 1024 * 1024,
    )


def new_token(kdf: KdfParams = DEFAULT_KDF) -> tuple[str, TokenRecord]:
    """A fresh token (to hand to the user once) and the record to store in its place."""
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_bytes(16)
    record = TokenRecord(
        token_id=token_id, salt=salt.hex(), hash=derive_key(secret, salt, kdf).hex(), kdf=kdf
    )
    return f"{token_id}.{secret}", record


def _decoy(records: tuple[TokenRecord, ...]) -> TokenRecord:
    """A record no secret matches (no key derives to all zero bytes), at the cost of the
    user's newest token, or of DEFAULT_KDF for a user with none (or no user at all)."""
    kdf = records[-1].kdf if records else DEFAULT_KDF
    return TokenRecord(token_id="", salt=bytes(16).hex(), hash=bytes(kdf.dklen).hex(), kdf=kdf)


def verify(token: str, records: tuple[TokenRecord, ...]) -> bool:
    """Whether ``token`` matches one of the live ``records`` (constant-time comparison).

    Exactly one key derivation runs whatever the outcome: a malformed token, an unknown,
    revoked or another user's token id are checked against a decoy with the same cost,
    so the time a refusal takes does not tell which token ids exist.
    """
    token_id, dot, secret = token.partition(".")
    live = (r for r in records if r.token_id == token_id and not r.revoked)
    record = next(live, None) if dot and secret else None
    checked = record or _decoy(records)
    derived = derive_key(secret, bytes.fromhex(checked.salt), checked.kdf)
    matched = hmac.compare_digest(derived, bytes.fromhex(checked.hash))
    return record is not None and matched
