import gc

import pytest

from apps.core.batches import cyclic_gc_paused


def test_the_cyclic_collector_is_paused_for_a_bulk_job_and_resumed_after_it_even_when_it_fails():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cyclic_gc_paused():
        assert not gc.isenabled()
        raise RuntimeError("a refused import")
    assert gc.isenabled()


def test_a_job_inside_a_paused_one_leaves_the_collector_paused_until_the_outer_one_ends():
    with cyclic_gc_paused():
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
