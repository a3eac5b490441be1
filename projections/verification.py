"""The verdict of `jixiao audit verify`: the chain's, the snapshots' and the read models',
and which read models are compared. Shared by the verification through SQLAlchemy
(:mod:`projections.integrity`) and the one through the database driver alone
(:mod:`projections.folded`, docs/decisions/0209), so both report alike; no SQLAlchemy here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from events.verify import ChainReport
from projections.snapshots import snapshot_verdict


class Versioned(Protocol):
    """A read model as the choice of those to compare sees it: its name and version."""

    @property
    def name(self) -> str:
        """The checkpoint's key."""
        ...

    @property
    def version(self) -> int:
        """The version this program builds."""
        ...


P = TypeVar("P", bound=Versioned)


@dataclass
class LogVerification:
    """The chain's verdict, the snapshots' and the read models'."""

    chain: ChainReport
    snapshots_checked: int = 0
    #: The snapshots that do not match their events (see ``SnapshotCheck.mismatched``).
    bad_snapshots: list[dict[str, Any]] = field(default_factory=list)
    #: Each read model compared, with the checkpoint it was compared at.
    read_models: dict[str, int] = field(default_factory=dict)
    #: Read models not compared, each with why (one line each).
    skipped: list[str] = field(default_factory=list)
    #: The first read-model row that differs from the fold of the log (one line), if any.
    read_model_problem: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the chain holds and every snapshot and read model compared matches it."""
        return self.chain.ok and not self.bad_snapshots and self.read_model_problem is None

    def snapshot_verdict(self) -> str:
        """One line on the snapshots."""
        return snapshot_verdict(self.snapshots_checked, self.bad_snapshots)

    def as_data(
        self,
        anchors: Sequence[tuple[int, str]] = (),
        anchor_problems: Sequence[str] = (),
        *,
        chain_only: bool = False,
    ) -> dict[str, Any]:
        """The verification as `jixiao audit verify --json` prints it (and the server's API
        answers), with the ``anchors`` checked and the ``anchor_problems`` found."""
        chain = self.chain
        data: dict[str, Any] = {
            "ok": self.ok and not anchor_problems,
            "checked": chain.checked,
            "head_position": chain.head_position,
            "head_hash": chain.head_hash,
            "first_bad_position": chain.first_bad_position,
            "problem": chain.problem,
            "anchors": [{"position": position, "hash": digest} for position, digest in anchors],
            "anchor_problems": list(anchor_problems),
        }
        if not chain_only:
            data["snapshots"] = {
                "checked": self.snapshots_checked,
                "mismatched": self.bad_snapshots,
            }
            data["read_models"] = {
                "compared": self.read_models,
                "skipped": self.skipped,
                "problem": self.read_model_problem,
            }
        return data

    def read_model_verdict(self) -> str:
        """One line on the read models."""
        if self.read_model_problem is not None:
            return self.read_model_problem
        if not self.read_models:
            if not self.skipped:
                return (
                    "read models: none kept in this database yet (the first command that "
                    "reads one builds them)"
                )
            return "read models: none compared"
        positions = sorted(set(self.read_models.values()))
        at = ", ".join(str(p) for p in positions)
        return (
            f"read models: {len(self.read_models)} compared ({', '.join(self.read_models)}) "
            f"at position {at}, each matches a fold of the log"
        )


def chosen_projections(
    projections: Sequence[P], stored: Mapping[str, tuple[int, int]], skipped: list[str]
) -> dict[str, tuple[P, int]]:
    """The projections whose tables can be compared, with their checkpoints, given each
    one's ``stored`` (version, position); why each other one is not, appended to
    ``skipped`` (none, and no reason given, in a database that keeps no read model yet)."""
    chosen: dict[str, tuple[P, int]] = {}
    if not stored:
        return chosen
    for projection in projections:
        found = stored.get(projection.name)
        if found is None:
            skipped.append(f"read model {projection.name}: not kept in this database yet")
        elif found[0] != projection.version:
            skipped.append(
                f"read model {projection.name}: version {found[0]} in the database, this "
                f"program builds version {projection.version} (it is rebuilt on next use)"
            )
        else:
            chosen[projection.name] = (projection, found[1])
    return chosen


def chain_breaks_before(chain: ChainReport, checkpoint: int) -> bool:
    """Whether a read model at ``checkpoint`` cannot be compared: the chain breaks at or
    before it, so the fold stops short of what the read model holds."""
    return not chain.ok and checkpoint >= (chain.first_bad_position or 0)


def not_compared(name: str, checkpoint: int) -> str:
    """Why the read model ``name`` at ``checkpoint`` is not compared (the chain breaks first)."""
    return (
        f"read model {name}: not compared, the chain breaks before its checkpoint "
        f"(position {checkpoint})"
    )


def row_key(row: Sequence[Any], indexes: Sequence[int]) -> tuple[Any, ...]:
    """The primary key of ``row`` (its values at ``indexes``)."""
    return tuple(row[i] for i in indexes)


def first_difference(
    table: str,
    columns: Sequence[str],
    indexes: Sequence[int],
    stored: Iterator[Sequence[Any]],
    folded: Iterator[Sequence[Any]],
) -> str | None:
    """How the first row of ``table`` (in key order) that differs between the database's
    copy ``stored`` and the fold ``folded`` differs, in a few words; None if none does.
    Both give the table's ``columns`` in key order; the key is at ``indexes``."""

    def shown(row: Sequence[Any]) -> str:
        return f"row ({', '.join(str(value) for value in row_key(row, indexes))}) of {table}"

    have, want = next(stored, None), next(folded, None)
    while have is not None or want is not None:
        if want is None or (have is not None and row_key(have, indexes) < row_key(want, indexes)):
            assert have is not None
            return f"{shown(have)} is not in a fold of the log"
        if have is None or row_key(want, indexes) < row_key(have, indexes):
            return f"{shown(want)} is missing (a fold of the log has it)"
        if tuple(have) != tuple(want):
            differing = [c for c, a, b in zip(columns, have, want, strict=True) if a != b]
            return f"{shown(have)} differs from the log ({', '.join(differing)})"
        have, want = next(stored, None), next(folded, None)
    return None
