"""Per-user secret tokens, kept only as salted scrypt hashes.

A token reads ``<token id>.<secret>``: the id names which stored hash to check, so a
check costs one key derivation. Secrets are never stored or logged; comparison is
constant-time.
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


def _derive(secret: str, salt: bytes, kdf: KdfParams) -> bytes:
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
        token_id=token_id, salt=salt.hex(), hash=_derive(secret, salt, kdf).hex(), kdf=kdf
    )
    return f"{token_id}.{secret}", record


def verify(token: str, records: tuple[TokenRecord, ...]) -> bool:
    """Whether ``token`` matches one of the live ``records`` (constant-time comparison)."""
    token_id, dot, secret = token.partition(".")
    if not dot or not secret:
        return False
    record = next((r for r in records if r.token_id == token_id and not r.revoked), None)
    if record is None:
        return False
    derived = _derive(secret, bytes.fromhex(record.salt), record.kdf)
    return hmac.compare_digest(derived, bytes.fromhex(record.hash))
