"""The scan read from the sync stamp's walk finds what a scan of the disk finds.

A full ``vaultkit sync`` (and the hook without a file) walks the vault once to compare it with
the stamp; when it differs, the scan reads that walk's listing (:mod:`vaultkit.scan.listing`)
instead of walking again. The two scans must agree on every file, exclusion and skip, for
any vault.
"""

from __future__ import annotations

import os
import shutil
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vaultkit.scan.walk
import vaultkit.sync.stamp
from tests.scan.test_scan import make_vault
from vaultkit.scan.listing import Listing
from vaultkit.scan.walk import scan_vault
from vaultkit.sync.stamp import probe
from vaultkit.vaultpaths import VaultPaths


def listed(vault: Path) -> Listing:
    found = probe(VaultPaths(vault))
    assert found is not None and found.listing is not None
    return found.listing


def assert_same_scan(vault: Path, excludes: tuple[str, ...] = ()) -> None:
    listing = listed(vault)
    from_disk = scan_vault(vault, extra_excludes=excludes)
    from_listing = scan_vault(vault, extra_excludes=excludes, listed=listing)
    assert from_listing._replace(started_ns=0) == from_disk._replace(started_ns=0)
    # The scan is as old as the walk that listed the vault: the index keeps that time.
    assert from_listing.started_ns == listing.started_ns <= from_disk.started_ns


# Names that take every path of the scan: plain, hidden, conflict copies, iCloud placeholders,
# names NFC and NFD, the config folder, attachments.
NAMES = st.sampled_from(
    [
        "Plan.md",
        "notes.MD",
        "Café.md",
        unicodedata.normalize("NFD", "Café.md"),
        "image.png",
        ".hidden.md",
        ".Plan.md.icloud",
        ".Gone.md.icloud",
        "Plan.sync-conflict-20260101-120000-ABCDEFG.md",
        "Plan (conflicted copy 2026-01-01).md",
        "Drafts",
        "Archive",
        ".trash",
        ".obsidian",
        "Data sets",
    ]
)
TREES = st.lists(st.lists(NAMES, min_size=1, max_size=4), max_size=12)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    trees=TREES,
    ignore=st.sampled_from([[], ["Archive/"], ["Drafts"], ["/.*conflict.*/"]]),
    excludes=st.sampled_from([(), ("Archive/**",), ("*.png",)]),
)
def test_the_scan_of_the_walks_listing_is_the_scan_of_the_disk(
    tmp_path: Path, trees: list[list[str]], ignore: list[str], excludes: tuple[str, ...]
) -> None:
    vault = tmp_path / "vault"
    shutil.rmtree(vault, ignore_errors=True)
    files: dict[str, str] = {}
    for segments in trees:
        # The last name is a file; those before it, folders (a name may be both: the
        # first one made wins).
        rel = "/".join(segments)
        if rel != ".obsidian" and not any(
            rel.startswith(f"{known}/") or known.startswith(f"{rel}/") for known in files
        ):
            files[rel] = "- [ ] a task\n"
    make_vault(vault, files, app={"userIgnoreFilters": ignore})
    (vault / "Empty folder").mkdir()
    for number, rel in enumerate(files):
        # An mtime of its own (ctime stays now): no two numbers of a file agree by chance.
        os.utime(vault / rel, ns=(number * 10**9, (number + 1) * 10**9 + 7))
    assert_same_scan(vault, excludes)


def test_the_example_vault_scans_the_same_from_the_listing(vault: Path) -> None:
    assert_same_scan(vault)


def test_the_scan_of_a_listing_is_the_vault_as_walked_and_once_released_the_disk(
    tmp_path: Path,
) -> None:
    vault = make_vault(tmp_path / "v", {"A/One.md": "x", "Two.md": "y"})
    listing = listed(vault)
    (vault / "B").mkdir()
    (vault / "B" / "Three.md").write_text("z", encoding="utf-8")
    # A folder made after the walk is not in its parent's listing: the scan is the vault as
    # the walk saw it (the next sync's walk sees the folder).
    result = scan_vault(vault, listed=listing)
    assert [f.path for f in result.files] == ["A/One.md", "Two.md"]
    # A released listing holds no folder: each is listed from the disk.
    listing.release()
    assert scan_vault(vault, listed=listing) == scan_vault(vault)._replace(
        started_ns=listing.started_ns
    )


def test_a_vault_with_a_symbolic_link_gives_no_listing(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"A/One.md": "x"})
    try:
        os.symlink(vault / "A", vault / "Linked")
    except (OSError, NotImplementedError) as exc:
        pytest.skip(f"symlinks are not available here: {exc}")
    # The scan's rules for links read the disk: such a vault is walked twice, as before.
    assert probe(VaultPaths(vault)) is None


class _WithoutBlocks:
    """A folder listing whose entries' stat results have no ``st_blocks``, as on Windows."""

    def __init__(self, listing: Iterator[os.DirEntry[str]]) -> None:
        self._listing = listing

    def __enter__(self) -> _WithoutBlocks:
        return self

    def __exit__(self, *exc: object) -> None:
        self._listing.close()  # type: ignore[attr-defined]

    def __iter__(self) -> Iterator[object]:
        for entry in self._listing:
            yield _EntryWithoutBlocks(entry)


class _EntryWithoutBlocks:
    def __init__(self, entry: os.DirEntry[str]) -> None:
        self.name, self.path, self._entry = entry.name, entry.path, entry

    def is_symlink(self) -> bool:
        return self._entry.is_symlink()

    def is_dir(self, *, follow_symlinks: bool = True) -> bool:
        return self._entry.is_dir(follow_symlinks=follow_symlinks)

    def stat(self, *, follow_symlinks: bool = True) -> SimpleNamespace:
        info = self._entry.stat(follow_symlinks=follow_symlinks)
        fields = ("st_mode", "st_size", "st_mtime_ns", "st_ctime_ns", "st_ino", "st_dev")
        return SimpleNamespace(**{field: getattr(info, field) for field in fields})


def test_a_platform_without_st_blocks_scans_and_keeps_no_listing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = make_vault(tmp_path / "v", {"A/One.md": "x", "Two.md": "y"})
    expected = scan_vault(vault)
    monkeypatch.setattr(vaultkit.scan.walk, "HAS_ST_BLOCKS", False)
    monkeypatch.setattr(vaultkit.sync.stamp, "HAS_ST_BLOCKS", False)
    real = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path: _WithoutBlocks(real(path)))
    found = probe(VaultPaths(vault))
    assert found is not None and found.listing is None
    assert scan_vault(vault)._replace(started_ns=0) == expected._replace(started_ns=0)
