"""While the application serves, the objects its start left alive are frozen out of the
garbage collector's full collections; once it stops they are collectable again."""

from __future__ import annotations

import gc

from tests.web.conftest import Site


def test_the_start_is_frozen_while_serving_and_let_go_at_the_end(site: Site) -> None:
    gc.unfreeze()
    with site.client() as client:
        frozen = gc.get_freeze_count()
        # Everything alive at the start: the modules, the application, its templates.
        assert frozen > 10_000, frozen
        assert client.get("/sign-in").status_code == 200
        # A request's own objects are not frozen with them (frozen ones may be freed).
        assert gc.get_freeze_count() <= frozen
    assert gc.get_freeze_count() == 0
