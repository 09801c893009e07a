"""vaultkit.speedups: CPython's private hash and lock modules, each with a public fallback.

A Python release that renames or drops a private module must cost start-up time, never
start-up itself: every name is checked here with the private modules hidden.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading

from vaultkit import speedups

HIDDEN = ("_blake2", "_sha256", "_sha2", "_thread")


def test_the_private_types_are_the_public_modules_own() -> None:
    assert speedups.blake2b(b"note", digest_size=16).hexdigest() == (
        hashlib.blake2b(b"note", digest_size=16).hexdigest()
    )
    assert speedups.sha256(b"vault").hexdigest() == hashlib.sha256(b"vault").hexdigest()
    lock = speedups.allocate_lock()
    assert isinstance(lock, type(threading.Lock()))
    assert speedups.get_ident() == threading.get_ident()


def test_every_name_falls_back_when_the_private_modules_are_gone() -> None:
    # threading is imported first: it needs _thread itself. A None in sys.modules makes an
    # import of that name fail, as a module dropped by a Python update would.
    code = (
        "import sys, threading, hashlib\n"
        f"for name in {HIDDEN!r}:\n"
        "    sys.modules[name] = None\n"
        "from vaultkit import speedups\n"
        "assert speedups.blake2b is hashlib.blake2b\n"
        "assert speedups.sha256 is hashlib.sha256\n"
        "assert speedups.allocate_lock is threading.Lock\n"
        "assert speedups.get_ident() == threading.get_ident()\n"
        "lock, seen = speedups.allocate_lock(), []\n"
        "lock.acquire()\n"
        "speedups.start_new_thread(lambda *args: (seen.append(args), lock.release()), (1, 2))\n"
        "assert lock.acquire(timeout=10) and seen == [(1, 2)]\n"
        "print(speedups.blake2b(b'x', digest_size=16).hexdigest())\n"
    )
    assert _python(code).strip() == hashlib.blake2b(b"x", digest_size=16).hexdigest()


def _python(code: str) -> str:
    """What a fresh interpreter running ``code`` prints (it must succeed)."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_no_other_module_imports_a_private_standard_library_module() -> None:
    import ast
    from pathlib import Path

    package = Path(speedups.__file__).parent
    found = []
    for path in sorted(package.rglob("*.py")):
        if path.name == "speedups.py":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            found += [f"{path.relative_to(package)}: {n}" for n in names if n in HIDDEN]
    assert found == [], "import these from vaultkit.speedups"


def test_sha256_hex_is_sha256_whichever_implementation_hashes() -> None:
    small, large = b"- [x] task\r\n", bytes(range(256)) * (speedups.LARGE_INPUT // 256 + 1)
    for data in (b"", small, large):
        assert speedups.sha256_hex(data) == hashlib.sha256(data).hexdigest()


def test_sha256_hex_loads_openssl_only_for_a_large_input() -> None:
    # The hook's fast path hashes one small note before it knows whether to sync at all:
    # loading OpenSSL there would cost more than the hash.
    code = (
        "import sys\n"
        "from vaultkit import speedups\n"
        "assert 'hashlib' not in sys.modules\n"
        "small = speedups.sha256_hex(b'note')\n"
        "loaded_for_small = 'hashlib' in sys.modules\n"
        "large = speedups.sha256_hex(b'x' * speedups.LARGE_INPUT)\n"
        "print(loaded_for_small, 'hashlib' in sys.modules, small, large)\n"
    )
    loaded_for_small, loaded_for_large, small, large = _python(code).split()
    assert (loaded_for_small, loaded_for_large) == ("False", "True")
    assert small == hashlib.sha256(b"note").hexdigest()
    assert large == hashlib.sha256(b"x" * speedups.LARGE_INPUT).hexdigest()
