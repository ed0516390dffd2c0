"""Hold Ctrl-C and SIGTERM while child processes start, so no child is started but left untracked.

Without this, an interrupt that lands inside ``subprocess.Popen`` (after the fork, before the
``Popen`` object is returned) leaves a running child that nobody will terminate.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

HELD = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def interrupts_held() -> Iterator[None]:
    """Record SIGINT/SIGTERM inside the block; on leaving it, deliver the first one to the old handler."""
    if threading.current_thread() is not threading.main_thread():
        yield  # handlers can only be set from the main thread; nothing to hold there
        return
    pending: list[tuple[int, object]] = []
    previous = {sig: signal.getsignal(sig) for sig in HELD}

    def hold(signum, frame):
        pending.append((signum, frame))

    for sig in HELD:
        signal.signal(sig, hold)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if pending:
            signum, frame = pending[0]
            handler = previous[signum]
            if callable(handler):
                handler(signum, frame)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(signum)
