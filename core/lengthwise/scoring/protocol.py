"""The frames the scorer and its math-verify workers exchange over two pipes.

A frame is a 4-byte big-endian length followed by that many bytes of ASCII JSON
(``json.dumps`` escapes every non-ASCII character, lone surrogates included, so any Python str
survives the trip). Messages:

    parent → worker   {"id": n, "answer": str, "gold": str, "timeout_s": float}
    worker → parent   {"ready": pid}                      once, after importing math-verify
                      {"fatal": "ImportError: ..."}        instead of ready; the worker exits
                      {"id": n, "verdict": bool}           math-verify's verdict on request n
                      {"id": n, "error": "Type: message"}  math-verify raised on request n

Request ids are unique within a pool; the parent credits a reply only to the request with its id,
so a late reply can never land in another call.
"""

from __future__ import annotations

import json
import os
import struct
from typing import Any

__all__ = ["encode", "FrameReader", "PATH_ENV", "read_frame", "write_frame"]

PATH_ENV = "LENGTHWISE_WORKER_SYS_PATH"  # the parent's sys.path as JSON, appended to the worker's

_HEADER = struct.Struct(">I")


def encode(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode("ascii")
    return _HEADER.pack(len(body)) + body


def write_frame(fd: int, message: dict[str, Any]) -> None:
    """Write one whole frame to ``fd`` (blocking)."""
    data = memoryview(encode(message))
    while data:
        n = os.write(fd, data)
        data = data[n:]


def _read_exactly(fd: int, n: int) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> dict[str, Any] | None:
    """Read one frame from ``fd`` (blocking); None at end of file."""
    header = _read_exactly(fd, _HEADER.size)
    if header is None:
        return None
    body = _read_exactly(fd, _HEADER.unpack(header)[0])
    return None if body is None else json.loads(body)


class FrameReader:
    """Frames from a non-blocking read side: ``feed`` what ``os.read`` returned, get whole frames."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        self._buf += data
        out = []
        while len(self._buf) >= _HEADER.size:
            (n,) = _HEADER.unpack_from(self._buf)
            if len(self._buf) < _HEADER.size + n:
                break
            body = bytes(self._buf[_HEADER.size : _HEADER.size + n])
            del self._buf[: _HEADER.size + n]
            out.append(json.loads(body))
        return out
