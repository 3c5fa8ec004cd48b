"""Server processes freeze their start-up objects out of the garbage collector's passes."""

from __future__ import annotations

import gc

import pytest

from syndication import heap, serving


@pytest.fixture
def thawed():
    """Whatever a test freezes is thawed after it: the suite's own process keeps collecting."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_freeze_collects_then_keeps_what_is_alive_out_of_collections(thawed) -> None:
    kept = [{"made": "at start-up"}]
    frozen = heap.freeze()
    assert frozen == gc.get_freeze_count() > 0
    # Frozen objects are no longer in any generation the collector walks.
    assert not any(obj is kept for obj in gc.get_objects())
    made_later = [{}]
    assert any(obj is made_later for obj in gc.get_objects())


def test_each_gunicorn_process_freezes_once_its_app_is_loaded(thawed) -> None:
    serving.post_worker_init(worker=None)
    assert gc.get_freeze_count() > 0
