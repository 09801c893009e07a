"""The C types behind ``hashlib`` and ``threading``, without loading those modules.

``hashlib`` loads OpenSSL (~5 ms) and ``threading`` costs ~4 ms at the start of every command,
of the hook's fast path and of the warm-sync shortcut, for one hash or one lock. CPython's
private modules ``_blake2``, ``_sha256`` (``_sha2`` since 3.12) and ``_thread`` hold the very
same types without that cost. Being private, they may be renamed in any release, so they are
imported here and nowhere else, each with a fallback to its public module: a Python update can
cost start-up time, never start-up itself. :func:`sha256_hex` hashes through OpenSSL where that
is the faster way: when ``hashlib`` is loaded anyway, or for a megabyte or more.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the types as the public modules declare them: the very same objects
    from _thread import allocate_lock, get_ident, start_new_thread
    from hashlib import blake2b, sha256
else:
    try:
        from _blake2 import blake2b
    except ImportError:
        from hashlib import blake2b

    try:
        from _sha256 import sha256
    except ImportError:  # CPython 3.12 renamed it
        try:
            from _sha2 import sha256
        except ImportError:
            from hashlib import sha256

    try:
        from _thread import allocate_lock, get_ident, start_new_thread
    except ImportError:
        from threading import Lock as allocate_lock  # noqa: N813
        from threading import get_ident

        def start_new_thread(function, args):
            """A daemon thread running ``function(*args)``, as ``_thread`` starts one."""
            import threading

            thread = threading.Thread(target=function, args=args, daemon=True)
            thread.start()
            return thread.ident


LARGE_INPUT = 1 << 20
"""Bytes from which loading OpenSSL for one hash pays for itself: CPython's own SHA-256 takes
~3 ms a megabyte, OpenSSL's ~0.6 ms, loading it ~3–5 ms."""


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` in hex: OpenSSL's (``hashlib``) when it is loaded already (Jinja
    loads it, so every render does) or ``data`` is large, else CPython's own. Both give the
    same digest; a 1 MB dashboard written hashes twice, ~5 ms less with OpenSSL's."""
    hashlib = sys.modules.get("hashlib")
    if hashlib is None and len(data) >= LARGE_INPUT:
        import hashlib
    return (sha256 if hashlib is None else hashlib.sha256)(data).hexdigest()


__all__ = ["allocate_lock", "blake2b", "get_ident", "sha256", "sha256_hex", "start_new_thread"]
