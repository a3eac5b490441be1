"""The tokens the CLI issues, hashed as a deployment's are: HMAC-SHA-256 keyed by the salt.

This runs `admin init` and `admin user token` as a deployment does and recomputes each
stored hash with the algorithm written out here, so a changed default would fail it.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from events.store import EventStore
from tests.cli.conftest import CALLER_VARIABLES, TOKEN, Invoke
from workflow.tokens import HmacSha256
from workflow.users import user_stream_id


def test_admin_init_and_user_token_hash_with_hmac_sha256(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in CALLER_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    run = Invoke(tmp_path / "production.db")
    out = run("admin", "init", "--admin", "root")
    assert out.exit_code == 0, out.stderr
    run.tokens["root"] = TOKEN.search(out.stdout).group(1)  # type: ignore[union-attr]
    assert run("admin", "user", "add", "zhang.san", "张三", user="root").exit_code == 0
    out = run("admin", "user", "token", "zhang.san", user="root")
    assert out.exit_code == 0, out.stderr
    run.tokens["zhang.san"] = TOKEN.search(out.stdout).group(1)  # type: ignore[union-attr]

    store = EventStore.open(f"sqlite:///{run.db}")
    try:
        for user, token in run.tokens.items():
            (record,) = [
                recorded.event.token  # type: ignore[attr-defined]
                for recorded in store.read_stream(user_stream_id(user))
                if recorded.event_type == "TokenIssued"
            ]
            assert record.kdf == HmacSha256()
            assert len(bytes.fromhex(record.salt)) == 16
            secret = token.partition(".")[2]
            derived = hmac.new(bytes.fromhex(record.salt), secret.encode(), hashlib.sha256)
            assert derived.hexdigest() == record.hash
    finally:
        store.engine.dispose()
