"""Server processes freeze their start-up objects out of the garbage collector's passes."""

from __future__ import annotations

import gc
import threading

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


@pytest.fixture
def collecting():
    """The collector on as the test starts, and on again after it whatever happened."""
    gc.enable()
    yield
    gc.enable()


def test_paused_holds_the_collector_off_and_gives_it_back(collecting) -> None:
    with heap.paused():
        assert not gc.isenabled()
        with heap.paused():  # nested: the inner one gives nothing back early
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_paused_gives_the_collector_back_when_the_work_fails(collecting) -> None:
    with pytest.raises(RuntimeError), heap.paused():
        raise RuntimeError("a failed read")
    assert gc.isenabled()


def test_paused_leaves_a_collector_that_was_off_off(collecting) -> None:
    gc.disable()
    with heap.paused():
        assert not gc.isenabled()
    assert not gc.isenabled()  # someone else turned it off: not ours to turn on


def test_paused_in_overlapping_threads_gives_it_back_only_when_the_last_one_ends(
    collecting,
) -> None:
    first_in, second_in, first_out = (threading.Event() for _ in range(3))
    seen: list[bool] = []

    def first() -> None:
        with heap.paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with heap.paused():
            second_in.set()
            first_out.wait(5)
            seen.append(gc.isenabled())  # the first has left; this one still reads

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert seen == [False]
    assert gc.isenabled()
