"""The tokens the CLI issues outside the tests' cheap setting: scrypt at the production cost.

Every other CLI test lowers the cost (tests/cli/conftest.py); this one runs `admin init` and
`admin user token` as a deployment does and recomputes each stored hash with the
production parameters written out here, so a lowered default would fail it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from events.store import EventStore
from tests.cli.conftest import CALLER_VARIABLES, TOKEN, Invoke
from workflow.tokens import KdfParams
from workflow.users import user_stream_id

#: scrypt as deployed: N = 2**14, r = 8, p = 1, a 32-byte key.
PRODUCTION = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def test_admin_init_and_user_token_hash_with_production_scrypt(
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
            assert record.kdf == KdfParams(**PRODUCTION)
            secret = token.partition(".")[2]
            derived = hashlib.scrypt(
                secret.encode(), salt=bytes.fromhex(record.salt), maxmem=64 * 2**20, **PRODUCTION
            )
            assert derived.hex() == record.hash
    finally:
        store.engine.dispose()
