"""A fork pool for CPU-bound stages (validate, render) on large trees."""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator

MIN_ITEMS = 400  # below this, one process is faster than starting a pool


def workers_for(n_items: int) -> int:
    """How many processes to use for ``n_items``: 1 when a pool would not pay off or fork is unavailable."""
    if n_items < MIN_ITEMS or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def _worker_init() -> None:
    # The CLI turns SIGTERM into KeyboardInterrupt; workers must simply stop when the pool ends them.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def fork_imap(func: Callable, args: Iterable, workers: int) -> Iterator:
    """Like ``fork_map`` but yields results in order as they arrive, so the caller can use each (unpickle it,
    say) while the workers are still busy with the rest."""
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=_worker_init)
    try:
        yield from pool.imap(func, list(args))
        pool.close()
    except BaseException:  # includes GeneratorExit: a caller that stops early ends the workers
        pool.terminate()
        raise
    finally:
        pool.join()


def fork_map(func: Callable, args: Iterable, workers: int) -> list:
    """``[func(a) for a in args]`` over ``workers`` forked processes (which inherit the caller's memory)."""
    return list(fork_imap(func, args, workers))
