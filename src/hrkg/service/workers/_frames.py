"""The wire format between the service and a worker: length-prefixed pickled frames over a socket pair."""

from __future__ import annotations

import asyncio
import pickle
import socket
import struct
from typing import Any


def _frame(message: object) -> bytes:
    """A message as :class:`multiprocessing.connection.Connection` frames it (the worker reads it with one)."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    if len(data) > 0x7FFFFFFF:
        return struct.pack("!i", -1) + struct.pack("!Q", len(data)) + data
    return struct.pack("!i", len(data)) + data


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    buffer = bytearray()
    while len(buffer) < size:
        chunk = sock.recv(size - len(buffer))
        if not chunk:
            raise EOFError("the worker closed its end")
        buffer += chunk
    return bytes(buffer)


async def _read_exactly(loop: asyncio.AbstractEventLoop, sock: socket.socket, size: int) -> bytes:
    buffer = bytearray(size)
    view = memoryview(buffer)
    done = 0
    while done < size:
        got = await loop.sock_recv_into(sock, view[done:])
        if not got:
            raise EOFError("the worker closed its end")
        done += got
    return bytes(buffer)


async def _read_frame(sock: socket.socket) -> Any:
    loop = asyncio.get_running_loop()
    (size,) = struct.unpack("!i", await _read_exactly(loop, sock, 4))
    if size == -1:
        (size,) = struct.unpack("!Q", await _read_exactly(loop, sock, 8))
    return pickle.loads(await _read_exactly(loop, sock, size))  # noqa: S301 - our own worker, over a socket pair
