"""Line framing shared by the executor's three processes: one JSON object per line, read in linear time.

A reader never holds more than ``limit`` bytes of one unfinished line: a peer that sends more is a broken
(or hostile) peer, and ``MessageTooLarge`` says so instead of the reader growing without bound. New bytes are
searched for the line end once each (a 200 MB line costs one pass, not one per chunk).
"""

from __future__ import annotations

import json
import os
import selectors
import time

MAX_MESSAGE = 32 * 2**20  # a reply's size cap: outputs are capped far below; compared arrays fit
CHUNK = 1 << 20


class MessageTooLarge(Exception):
    pass


class LineReader:
    """Whole lines from a file descriptor; ``limit`` bounds one line."""

    def __init__(self, fd: int, limit: int = MAX_MESSAGE, read=None):
        """``read()``: one chunk from ``fd`` (default ``os.read``; ``into_buffer`` for a process that may be
        out of memory)."""
        self.fd, self.limit = fd, limit
        self._read = read or (lambda: os.read(fd, CHUNK))
        self._parts: list[bytes] = []  # the unfinished line, in pieces
        self._size = 0
        self._lines: list[bytes] = []  # finished lines not handed out yet
        self.eof = False

    def feed(self) -> None:
        """Read once (the caller knows the descriptor is readable). Sets ``eof`` when the peer closed."""
        try:
            chunk = self._read()
        except BlockingIOError:  # a stale readiness report
            return
        except OSError:  # e.g. a socket reset by a peer that died with our request unread
            chunk = b""
        if not chunk:
            self.eof = True
            return
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            self._parts.append(chunk[start:end])
            self._lines.append(b"".join(self._parts))
            self._parts, self._size = [], 0
            start = end + 1
        rest = chunk[start:]
        if rest:
            self._size += len(rest)
            if self._size > self.limit:
                raise MessageTooLarge(f"a message over {self.limit // 2**20} MB")
            self._parts.append(rest)

    def pop(self) -> bytes | None:
        return self._lines.pop(0) if self._lines else None

    def line(self, deadline: float | None) -> bytes | None:
        """The next whole line; None at EOF or when ``deadline`` (a ``time.monotonic`` value) passes."""
        with selectors.DefaultSelector() as sel:
            sel.register(self.fd, selectors.EVENT_READ)
            while not self._lines:
                if self.eof:
                    return None
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                if sel.select(remaining):
                    self.feed()
        return self.pop()


def into_buffer(sock, size: int = 64 * 1024):
    """A reader for ``sock`` that receives into one buffer allocated now: an example that has used up its
    address space leaves too little room for a fresh megabyte per read (MemoryError)."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    return lambda: bytes(view[: sock.recv_into(buffer)])


def encode(obj: dict) -> bytes:
    return json.dumps(obj).encode() + b"\n"


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
