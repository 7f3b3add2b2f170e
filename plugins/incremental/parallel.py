"""Work spread over forked worker processes, for the steps of a build that handle every page."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .settings import options

Item = TypeVar("Item")
Result = TypeVar("Result")


def worker_count(settings: dict[str, Any]) -> int:
    """``INCREMENTAL["workers"]``, or one per core when it is 0."""
    return int(options(settings)["workers"]) or os.cpu_count() or 1


def map_in_workers(
    function: Callable[[Item], Result],
    items: Sequence[Item],
    workers: int,
    parallel_from: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
) -> list[Result]:
    """``[function(item) for item in items]``, in forked workers when there are at least ``parallel_from``
    items and more than one worker. Workers are forked, so they inherit what the build holds in memory;
    ``initializer`` runs once in each of them (or once here, when the work stays in this process)."""
    if len(items) < parallel_from or workers < 2:
        if initializer is not None:
            initializer(*initargs)
        return [function(item) for item in items]
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork")
    chunk = max(1, min(64, len(items) // (workers * 4)))
    # What the workers inherit stays out of their garbage collections: a collection in a worker would otherwise
    # write to every object the build holds and so copy each of its memory pages into the worker.
    gc.freeze()
    try:
        with ProcessPoolExecutor(workers, mp_context=context, initializer=initializer, initargs=initargs) as pool:
            return list(pool.map(function, items, chunksize=chunk))
    finally:
        gc.unfreeze()
