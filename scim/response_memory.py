"""Free a large SCIM response's memory once it is rendered and sent, not at the next full GC.

A DRF view leaves its response in reference cycles: the view keeps `view.response`, the
response's `renderer_context` keeps the view, the DRF request and (once rendered) the
response itself, and the DRF request's `parser_context` keeps the view and the request.
Objects in a cycle are freed only by the cyclic garbage collector. A large response (a
100,000-member group is an 18 MB body; rendered in Python, about 80 MB of objects at its
peak) allocates so much while it renders that the collector promotes the whole cycle to its
oldest generation, which it seldom collects: each full GET of such a group left about
65 MB in the worker (bench/memory.py; docs/performance.md, "Memory").

`ScimView.dispatch` drops `view.response`; `response_cycles_break` cuts the rest once the
response is rendered. Reference counting then frees the response when the server drops it.

What a large response still leaves behind is held by the C allocator. The group's members
arrive as one JSON text (scim/groups.py), a few large blocks instead of 100,000 small
objects. `malloc_tune` makes glibc map blocks of 1 MiB or more on their own and unmap them
when freed; by default glibc raises that threshold to the largest block freed so far (up to
32 MiB), which left each 18 MB buffer in the heap after the first. And after a response of
`LARGE_RESPONSE_BYTES` or more the process closes the database connection that carried it
(libpq keeps its input buffer as large as the largest message it has read) and asks glibc to
give free pages back to the system (malloc_trim). A full garbage collection there, as
before, no longer freed anything measurable and doubled the GET's time (1.17 s against
2.68 s per GET under load). Figures: docs/performance.md, "Memory".
"""

import ctypes
import ctypes.util
import logging
import os
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpResponse

logger = logging.getLogger("looop.scim")

# A response body at least this large returns its connection and free heap pages once it is
# sent. Trimming costs a few milliseconds per 100 MB of heap; a 200-user page is about 0.3 MB.
LARGE_RESPONSE_BYTES = 4 * 1024 * 1024


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


_LIBC = _libc()


def _malloc_trim() -> Callable[[], Any] | None:
    """glibc's malloc_trim(0), or None where the C library has none (musl, macOS)."""
    trim = getattr(_LIBC, "malloc_trim", None)
    if trim is None:
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return lambda: trim(0)


MALLOC_TRIM = _malloc_trim()

# glibc's mallopt parameter, and the size from which blocks are mapped on their own.
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 1024 * 1024


def malloc_tune() -> bool:
    """Map blocks of MMAP_THRESHOLD_BYTES or more on their own, so that freeing them gives
    the memory back, instead of glibc's sliding threshold; False where that is not glibc,
    or when the operator set MALLOC_MMAP_THRESHOLD_ (then glibc already has their value)."""
    mallopt = getattr(_LIBC, "mallopt", None)
    if mallopt is None or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1


def response_cycles_break(response: HttpResponse) -> None:
    """Cut the cycles through a rendered DRF response, its view and its DRF request, and
    drop the data it was rendered from.

    Call it after the response is rendered, when the view and the contexts have served
    their purpose (the provisioning log is written in the view's dispatch). A response
    that is not DRF's has no context and is left as it is.
    """
    context: dict[str, Any] | None = getattr(response, "renderer_context", None)
    if not context:
        return
    response.renderer_context = None  # type: ignore[attr-defined]
    response.data = None  # type: ignore[attr-defined]  # the body holds it, rendered
    view, drf_request = context.get("view"), context.get("request")
    parser_context = getattr(drf_request, "parser_context", None)
    if isinstance(parser_context, dict):
        parser_context.clear()
    if view is not None:
        # response, request, an exception with its traceback's frames: all of it is done.
        view.__dict__.clear()
    context.clear()


def memory_release() -> None:
    """Close the database connection that carried the large result, then return free heap
    pages to the system.

    libpq keeps its input buffer as large as the largest message it has read, for the
    connection's life: after a 100,000-member group, 18 MB per connection (one per thread).
    The next request on this thread connects again, a few milliseconds.
    """
    if not connection.in_atomic_block:  # never inside a transaction (tests run in one)
        connection.close()
    if MALLOC_TRIM is not None:
        MALLOC_TRIM()


def memory_return_after(response: HttpResponse) -> None:
    """After a large response is sent, release what its request left behind."""
    if not response.streaming and len(response.content) >= LARGE_RESPONSE_BYTES:
        # Django runs these closers when the server closes the response (PEP 3333).
        response._resource_closers.append(memory_release)
