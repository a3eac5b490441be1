"""Authentication: per-user tokens, stored only as salted hashes, checked first."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from tests.workflow.report_builders import KEY
from tests.workflow.world import World
from workflow import tokens
from workflow.commands import RecordIndicatorActual, SetInitialBudget
from workflow.errors import AuthenticationFailed
from workflow.service import Credentials, authenticate, execute, issue_token, revoke_token
from workflow.tokens import (
    DEFAULT_KDF,
    HmacSha256,
    KdfParams,
    TokenHashing,
    TokenRecord,
    new_token,
    verify,
)


def _refused(world: World, credentials: Credentials, command=None) -> None:
    before = len(world.store.rows)
    command = command or SetInitialBudget(**KEY, line="total", amount="1")
    with pytest.raises(AuthenticationFailed) as caught:
        execute(world.store, credentials, command)
    assert str(caught.value) == (
        f"user {credentials.user_id!r}: unknown user or token, expected a current token "
        "issued to this user"
    )
    assert len(world.store.rows) == before


def test_a_wrong_token_is_refused_before_any_rule_runs(seeded: World) -> None:
    # The command itself is bad ('100&'); the token is checked first, so that is what fails.
    forged = Credentials("zhang.san", seeded.preparer.token[:-1] + "x")
    _refused(seeded, forged, RecordIndicatorActual(**KEY, indicator="b04", actual="100&"))


@pytest.mark.parametrize(
    "credentials",
    [
        Credentials("nobody", "abc.def"),
        Credentials("zhang.san", "no-dot-in-it"),
        Credentials("zhang.san", ""),
        Credentials("Robert'); DROP", "x.y"),
    ],
)
def test_unknown_users_and_malformed_tokens(world: World, credentials: Credentials) -> None:
    _refused(world, credentials)


def test_another_users_token_does_not_work(world: World) -> None:
    _refused(world, Credentials("zhang.san", world.head.token))


def test_revoked_tokens_stop_working_and_new_ones_work(world: World) -> None:
    token_id = world.preparer.token.partition(".")[0]
    revoke_token(world.store, world.admin, "zhang.san", token_id)
    _refused(world, world.preparer)
    fresh = Credentials("zhang.san", issue_token(world.store, world.admin, "zhang.san"))
    assert authenticate(world.store, fresh).user_id == "zhang.san"


def test_tokens_are_never_stored_in_plain_text(world: World) -> None:
    everything = "\n".join(row.payload for row in world.store.rows)
    for credentials in (world.admin, world.preparer, world.head, world.finance, world.auditor):
        token_id, _, secret = credentials.token.partition(".")
        assert secret not in everything
        assert token_id in everything  # the id names the hash, it is not a secret
    issued = [
        r.event for r in world.store.read_stream("user:zhang.san") if r.event_type == "TokenIssued"
    ]
    record = issued[0].token  # type: ignore[attr-defined]
    assert len(bytes.fromhex(record.hash)) == 32 and len(bytes.fromhex(record.salt)) == 16
    assert "token=" not in repr(world.preparer) and world.preparer.token not in repr(world.preparer)


def test_salts_differ_and_the_default_hash_is_hmac_sha256_keyed_by_the_salt() -> None:
    token_a, record_a = new_token()
    _, record_b = new_token()
    assert record_a.salt != record_b.salt
    assert record_a.kdf == DEFAULT_KDF == HmacSha256()
    secret = token_a.partition(".")[2]
    expected = hmac.new(bytes.fromhex(record_a.salt), secret.encode(), hashlib.sha256)
    assert record_a.hash == expected.hexdigest()
    assert verify(token_a, (record_a,))
    assert not verify(token_a, (record_b,))
    assert not verify(token_a, (record_a.model_copy(update={"revoked": True}),))


def test_tokens_hashed_with_scrypt_keep_working() -> None:
    # Tokens issued before decision 0114 carry their scrypt parameters in the log.
    token, record = new_token(KdfParams(n=16, r=1, p=1))
    secret = token.partition(".")[2]
    derived = hashlib.scrypt(
        secret.encode(), salt=bytes.fromhex(record.salt), n=16, r=1, p=1, dklen=32
    )
    assert record.hash == derived.hex()
    assert verify(token, (record,))
    assert not verify(f"{token}x", (record,))


@pytest.mark.parametrize(
    ("stored", "hashing"),
    [
        ({"n": 16384, "r": 8, "p": 1, "dklen": 32}, KdfParams()),
        ({"n": 16, "r": 1, "p": 1, "dklen": 32}, KdfParams(n=16, r=1, p=1)),
        ({"algorithm": "hmac-sha256"}, HmacSha256()),
    ],
)
def test_a_stored_record_reads_back_with_the_hashing_it_names(
    stored: dict[str, object], hashing: TokenHashing
) -> None:
    record = {"token_id": "ab", "salt": "00" * 16, "hash": "00" * 32, "kdf": stored}
    assert TokenRecord.model_validate(record).kdf == hashing
    assert TokenRecord.model_validate_json(TokenRecord(**record).model_dump_json()).kdf == hashing


def test_a_record_that_names_no_hashing_is_a_scrypt_one() -> None:
    assert TokenRecord(token_id="ab", salt="00" * 16, hash="00" * 32).kdf == KdfParams()


def test_a_user_holding_a_scrypt_token_signs_in_with_it(world: World) -> None:
    older = issue_token(world.store, world.admin, "zhang.san", kdf=KdfParams(n=16, r=1, p=1))
    assert authenticate(world.store, Credentials("zhang.san", older)).user_id == "zhang.san"


class CountingKdf:
    """A key derivation that records the cost parameters of every call and derives for real."""

    def __init__(self) -> None:
        self.calls: list[TokenHashing] = []
        self.derive = tokens.derive_key

    def __call__(self, secret: str, salt: bytes, kdf: TokenHashing) -> bytes:
        self.calls.append(kdf)
        return self.derive(secret, salt, kdf)


@pytest.fixture
def kdf(monkeypatch: pytest.MonkeyPatch) -> CountingKdf:
    counting = CountingKdf()
    monkeypatch.setattr(tokens, "derive_key", counting)
    return counting


@pytest.mark.parametrize("cheap", [KdfParams(n=16, r=1, p=1), HmacSha256()])
def test_every_check_costs_one_key_derivation_at_the_users_cost(
    kdf: CountingKdf, cheap: TokenHashing
) -> None:
    # Telling unknown token ids apart from known ones by how long a refusal takes must not
    # work: whatever is wrong, exactly one derivation runs, with the same parameters.
    token, record = new_token(cheap)
    token_id, _, secret = token.partition(".")
    other_token, other = new_token(cheap)
    revoked = record.model_copy(update={"revoked": True})
    kdf.calls.clear()
    cases = {
        token: True,
        f"{token_id}.{secret[:-1]}x": False,  # known id, wrong secret
        f"ffffffffffff.{secret}": False,  # unknown id
        other_token: False,  # another user's token
        token_id: False,  # no secret at all
        "": False,
    }
    for candidate, expected in cases.items():
        before = len(kdf.calls)
        assert verify(candidate, (record,)) is expected, candidate
        assert kdf.calls[before:] == [cheap], candidate
    assert verify(token, (revoked,)) is False and kdf.calls[-1] == cheap
    assert verify(token, (other, record)) is True and kdf.calls[-1] == cheap
    # No token at all (an unknown user): hashed as a new token is.
    assert verify(token, ()) is False and kdf.calls[-1] == DEFAULT_KDF


def test_refusing_an_unknown_user_or_token_costs_what_refusing_a_wrong_token_does(
    world: World, kdf: CountingKdf
) -> None:
    token_id, _, secret = world.preparer.token.partition(".")
    refusals = [
        Credentials("zhang.san", f"{token_id}.{secret[:-1]}x"),  # wrong secret
        Credentials("zhang.san", f"000000000000.{secret}"),  # unknown token id
        Credentials("zhang.san", world.head.token),  # another user's token
        Credentials("nobody", world.preparer.token),  # unknown user
    ]
    for credentials in refusals:
        kdf.calls.clear()
        _refused(world, credentials)
        assert len(kdf.calls) == 1, credentials.user_id
    kdf.calls.clear()
    assert authenticate(world.store, world.preparer).user_id == "zhang.san"
    assert len(kdf.calls) == 1
