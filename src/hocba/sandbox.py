"""Parse one untrusted upload in a short-lived child process with a memory ceiling.

``run_limited(func, *args, within=limits)`` runs ``func`` in a child forked from a
``forkserver`` (a clean process that preloaded the readers: the web process itself, with its
threads, database connections and possibly a typst compiler, is never forked — RECIPES.md),
sets ``RLIMIT_AS`` to the child's size plus ``limits.parse_memory_bytes`` and kills it after
``limits.parse_seconds``. The parent only waits on a pipe, so the server keeps answering; a
child that runs out of memory (calamine aborts on a failed allocation) or time costs nothing
but itself, and the caller gets ``ParseAborted`` with a Vietnamese message.

The checks of ``hocba.ingest.guard`` and ``hocba.signing.document`` already bound the known
costs before the expensive step; the ceiling is for what they cannot foresee (a reader's bug,
a compressed object stream inside a PDF that pyHanko inflates whole). Cost, measured on the
shared 2-core test machine: the first call starts the forkserver (~1–2 s: it imports the
readers); each later call ~35 ms, plus pickling the result — a 40-student class workbook
0.16 s instead of 0.07 s in-process; a child's peak RSS is ~60 MB (the preloaded readers).
Six hostile PDFs verified at once under ``hocba serve``: the server's peak RSS stayed at
134 MB and other pages answered within 0.25 s (the live-server tests of
tests/security/test_hostile_files.py check the same with a threaded server).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import time
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

from hocba.errors import HocbaError
from hocba.limits import FileLimits, default_limits, vn_bytes

log = logging.getLogger(__name__)
T = TypeVar("T")
PRELOAD = ["hocba.ingest.read", "hocba.verify"]
_context: Any = None


class ParseAborted(HocbaError):
    """The child parsing an upload ran out of its memory or time allowance."""

    code = "file.too_costly"


def _ctx() -> Any:
    global _context
    if _context is None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        _context = ctx
    return _context


def _vm_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _child(
    conn: Connection, func: Callable[..., Any], args: tuple, kwargs: dict, extra: int
) -> None:
    ceiling = _vm_bytes() + extra
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    try:
        result = func(*args, **kwargs)
        reply: tuple = ("ok", result)
    except HocbaError as err:
        reply = ("error", type(err), err.message_vi, err.detail, err.code)
    except MemoryError:
        reply = ("memory",)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    conn.send((*reply[:1], peak_kib, *reply[1:]))
    conn.close()


def run_limited(
    func: Callable[..., T], *args: Any, within: FileLimits | None = None, **kwargs: Any
) -> T:
    """``func(*args, **kwargs)`` in a memory- and time-limited child; its ``HocbaError`` is
    raised here again, anything else that stops it raises ``ParseAborted``. With
    ``parse_memory_bytes == 0`` it runs in this process."""
    limits = within or default_limits()
    if limits.parse_memory_bytes == 0 or not os.path.exists("/proc/self/status"):
        return func(*args, **kwargs)
    ctx = _ctx()
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(
        target=_child, args=(sender, func, args, kwargs, limits.parse_memory_bytes), daemon=True
    )
    started = time.monotonic()
    child.start()
    sender.close()
    reply: tuple | None = None
    try:
        deadline = started + limits.parse_seconds
        while reply is None and (left := deadline - time.monotonic()) > 0:
            ready = wait([receiver, child.sentinel], timeout=left)
            if receiver in ready:
                try:
                    reply = receiver.recv()
                except EOFError:
                    break
            elif ready:  # the child ended without a word (killed, aborted)
                break
    finally:
        if child.is_alive():
            child.kill()
        child.join(5)
        receiver.close()
    if reply is not None:
        log.info(
            "parse child %s: peak RSS %d KiB in %.2f s",
            getattr(func, "__name__", "?"),
            reply[1],
            time.monotonic() - started,
        )
    if reply is not None and reply[0] == "ok":
        return reply[2]  # type: ignore[no-any-return]
    if reply is not None and reply[0] == "error":
        error_type, message_vi, detail, code = reply[2:]
        err = error_type.__new__(error_type)  # whatever its __init__, it is a HocbaError
        HocbaError.__init__(err, message_vi, detail=detail, code=code)
        raise err
    timed_out = time.monotonic() - started >= limits.parse_seconds
    why = "ran out of memory" if reply else "timed out" if timed_out else "died"
    raise ParseAborted(
        "Tệp cần quá nhiều bộ nhớ hoặc thời gian để đọc (giới hạn "
        f"{vn_bytes(limits.parse_memory_bytes)}, {limits.parse_seconds} giây) nên bị từ chối.",
        detail=f"parse child {why} "
        f"(exit code {child.exitcode}, memory {limits.parse_memory_bytes}, "
        f"time {limits.parse_seconds}s)",
    )
