"""Per-user secret tokens, kept only as salted hashes.

A token reads ``<token id>.<secret>``: the id names which stored hash to check, so a
check costs one hash, and so does refusing an id that does not exist. Secrets are never
stored or logged; comparison is constant-time.

The secret is 32 random bytes the server draws, never a word a person chose, so it is
hashed with HMAC-SHA-256 under the token's salt: guessing 256 random bits is out of reach
however fast each guess is, and a slow key derivation would only slow every check (see
docs/decisions/0114). Tokens issued earlier were hashed with scrypt; their records say so,
and they keep working.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Literal

from pydantic import Field

from workflow.values import Value


class KdfParams(Value):
    """scrypt cost parameters, recorded with the hash of each token issued before tokens were
    hashed with HMAC-SHA-256 (decision 0114)."""

    n: int = Field(default=2**14, ge=2)
    r: int = Field(default=8, ge=1)
    p: int = Field(default=1, ge=1)
    dklen: int = Field(default=32, ge=16)


class HmacSha256(Value):
    """A token's hash is the HMAC-SHA-256 of its secret keyed by its salt."""

    algorithm: Literal["hmac-sha256"] = "hmac-sha256"


#: How a token's secret is hashed: recorded with the hash, so older tokens keep theirs.
TokenHashing = KdfParams | HmacSha256

#: The hashing of new tokens unless a caller chooses another.
DEFAULT_KDF: TokenHashing = HmacSha256()


class TokenRecord(Value):
    """What the log keeps of a token: its id, salt, hash and how it was hashed, never the
    secret."""

    token_id: str
    salt: str
    hash: str
    # The default is what a record that names no hashing was issued with: scrypt.
    kdf: TokenHashing = KdfParams()
    revoked: bool = False


def derive_key(secret: str, salt: bytes, kdf: TokenHashing) -> bytes:
    """What a token's hash holds: ``secret`` hashed under ``salt`` as ``kdf`` says."""
    if isinstance(kdf, HmacSha256):
        return hmac.digest(salt, secret.encode(), "sha256")
    return hashlib.scrypt(
        secret.encode(),
        salt=salt,
        n=kdf.n,
        r=kdf.r,
        p=kdf.p,
        dklen=kdf.dklen,
        maxmem=128 * kdf.n * kdf.r * kdf.p + 1024 * 1024,
    )


def new_token(kdf: TokenHashing = DEFAULT_KDF) -> tuple[str, TokenRecord]:
    """A fresh token (to hand to the user once) and the record to store in its place."""
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_bytes(16)
    record = TokenRecord(
        token_id=token_id, salt=salt.hex(), hash=derive_key(secret, salt, kdf).hex(), kdf=kdf
    )
    return f"{token_id}.{secret}", record


def _decoy(records: tuple[TokenRecord, ...]) -> TokenRecord:
    """A record no secret matches (no key derives to all zero bytes), hashed as the user's
    newest token is, or as DEFAULT_KDF for a user with none (or no user at all)."""
    kdf = records[-1].kdf if records else DEFAULT_KDF
    length = kdf.dklen if isinstance(kdf, KdfParams) else hashlib.sha256().digest_size
    return TokenRecord(token_id="", salt=bytes(16).hex(), hash=bytes(length).hex(), kdf=kdf)


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
