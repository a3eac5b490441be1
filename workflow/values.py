"""The base of every value object the domain stores in events and state."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Value(BaseModel):
    """A frozen, validated value: serialisable to JSON (snapshots, payloads) and back."""

    model_config = ConfigDict(frozen=True, extra="forbid")
