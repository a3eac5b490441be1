"""The shapes the driver's verification reads the read models' tables by
(projections.read_model_rows, decision 0209) are the projections' own tables."""

from __future__ import annotations

import sqlalchemy as sa

from events.memory import InMemoryEventStore
from projections import runner
from projections.read_model_rows import REBUILD_BATCH, TABLES
from projections.registry import all_projections


def test_each_shape_is_its_projections_table() -> None:
    projections = all_projections(InMemoryEventStore())
    assert [p.name for p in projections] == list(TABLES)
    for projection in projections:
        shapes = TABLES[projection.name]
        assert [s.name for s in shapes] == [t.name for t in projection.tables]
        for shape, table in zip(shapes, projection.tables, strict=True):
            assert shape.columns == tuple(c.name for c in table.c)
            assert shape.keys == tuple(c.name for c in table.primary_key.columns)
            assert shape.moments == tuple(
                c.name for c in table.c if isinstance(c.type, sa.DateTime)
            )
            assert shape.days == tuple(c.name for c in table.c if isinstance(c.type, sa.Date))


def test_the_fold_flushes_when_a_rebuild_does() -> None:
    assert REBUILD_BATCH == runner.REBUILD_BATCH


def test_the_drivers_verification_folds_every_projection() -> None:
    # A projection added to the registry without its in-memory fold would go unchecked by
    # `audit verify` through the driver (decision 0209).
    from projections.at_head import PROJECTION_VERSIONS
    from projections.folded import memory_folds
    from projections.shared_fold import ReportStates

    store = InMemoryEventStore()
    folds = [(f.name, f.version) for f in memory_folds(ReportStates(store))]
    assert folds == [(p.name, p.version) for p in all_projections(store)]
    assert dict(folds) == dict(PROJECTION_VERSIONS)
