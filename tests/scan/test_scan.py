"""Tests for vaultkit.scan (and the Obsidian settings and filters it applies): real small vaults
built on disk under tmp_path."""

from __future__ import annotations

import errno
import io
import json
import os
import sys
import tempfile
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaultkit.obsidian.filters import is_excluded
from vaultkit.obsidian.settings import ObsidianSettings, read_obsidian_settings
from vaultkit.scan.found import ScanResult, SkipReason
from vaultkit.scan.paths import scan_paths
from vaultkit.scan.walk import scan_vault


def make_vault(root: Path, files: Mapping[str, str | bytes], *, app: object = None) -> Path:
    """Create ``files`` (vault-relative path -> content) under ``root``; ``app`` is app.json."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    if app is not None:
        (root / ".obsidian").mkdir(exist_ok=True)
        text = app if isinstance(app, str) else json.dumps(app)
        (root / ".obsidian" / "app.json").write_text(text, encoding="utf-8")
    return root


def paths(result: ScanResult) -> list[str]:
    return [f.path for f in result.files]


def excluded_paths(result: ScanResult) -> list[str]:
    return [f.path for f in result.excluded]


def skipped(result: ScanResult) -> dict[str, str]:
    return {s.path: s.reason for s in result.skipped}


def symlink(target: str, link: Path, *, is_dir: bool = False) -> None:
    try:
        os.symlink(target, link, target_is_directory=is_dir)
    except (OSError, NotImplementedError) as exc:
        pytest.skip(f"symlinks are not available here: {exc}")


# --- what is listed ------------------------------------------------------------------------


def test_notes_and_attachments(tmp_path: Path) -> None:
    vault = make_vault(
        tmp_path / "v",
        {
            "Status.md": "# Status\n",
            "Loud.MD": "x",
            "Projects/Plan.md": "plan",
            "Projects/diagram.png": b"\x89PNG....",
            "board.canvas": "{}",
            "notes.md.txt": "not a note",
        },
    )
    result = scan_vault(vault)

    assert [f.path for f in result.notes] == ["Loud.MD", "Projects/Plan.md", "Status.md"]
    assert [f.path for f in result.attachments] == [
        "Projects/diagram.png",
        "board.canvas",
        "notes.md.txt",
    ]
    assert result.skipped == () and result.excluded == () and result.warnings == ()
    plan = next(f for f in result.files if f.path == "Projects/Plan.md")
    disk = (vault / "Projects" / "Plan.md").stat()
    assert plan.abs_path == vault / "Projects" / "Plan.md"
    assert plan.abs_path.is_absolute()
    assert (plan.size, plan.mtime_ns) == (4, disk.st_mtime_ns)


def test_relative_vault_path_gives_absolute_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_vault(tmp_path / "v", {"a.md": "a"})
    monkeypatch.chdir(tmp_path)
    result = scan_vault(Path("v"))
    assert result.files[0].abs_path == tmp_path / "v" / "a.md"


def test_config_trash_dot_folders_and_vaultkit_are_skipped_silently(tmp_path: Path) -> None:
    vault = make_vault(
        tmp_path / "v",
        {
            "kept.md": "",
            ".obsidian/workspace.json": "{}",
            ".obsidian/snippets/note.md": "",
            ".trash/deleted.md": "",
            ".vaultkit/config.toml": "",
            ".git/HEAD": "ref",
            ".hidden.md": "",
            ".DS_Store": "",
            "Folder/.secret/inner.md": "",
            "Folder/visible.md": "",
        },
    )
    result = scan_vault(vault)
    assert paths(result) == ["Folder/visible.md", "kept.md"]
    assert result.skipped == ()
    assert result.excluded == ()


def test_only_the_top_level_config_folder_is_special(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"config/app.json": "{}", "Sub/config/n.md": ""})
    result = scan_vault(vault, config_dir="config")
    assert paths(result) == ["Sub/config/n.md"]


def test_missing_vault_raises(tmp_path: Path) -> None:
    # An empty result would read as "every note was deleted", so this one error is raised.
    with pytest.raises(FileNotFoundError):
        scan_vault(tmp_path / "nope")


# --- Obsidian's "Excluded files" and vaultkit's excludes -----------------------------------


def test_user_ignore_filters_prefix_forms_are_excluded_not_dropped(tmp_path: Path) -> None:
    vault = make_vault(
        tmp_path / "v",
        {
            "Archive/old.md": "",
            "Archive/deep/older.md": "",
            "Archived.md": "",
            "Drafts": "a file named exactly like the filter",
            "Drafts old/x.md": "",
            "Templates/t.md": "",
            "Templates.md": "",
            "note.md": "",
        },
        app={"userIgnoreFilters": ["Archive/", "Drafts", "Templates"]},
    )
    result = scan_vault(vault)
    assert excluded_paths(result) == [
        "Archive/deep/older.md",
        "Archive/old.md",
        "Drafts",
        "Templates/t.md",
    ]
    assert paths(result) == ["Archived.md", "Drafts old/x.md", "Templates.md", "note.md"]
    assert result.skipped == ()


def test_user_ignore_filters_regex_form(tmp_path: Path) -> None:
    vault = make_vault(
        tmp_path / "v",
        {
            "Daily/2023-01-01.md": "",
            "Daily/2024-01-01.md": "",
            "scan.pdf": b"%PDF",
            "scan.pdf.md": "",
            "x.md": "",
        },
        app={"userIgnoreFilters": ["/\\.pdf$/", "/^Daily\\/2023-/"]},
    )
    result = scan_vault(vault)
    assert excluded_paths(result) == ["Daily/2023-01-01.md", "scan.pdf"]
    assert paths(result) == ["Daily/2024-01-01.md", "scan.pdf.md", "x.md"]


def test_invalid_regex_filter_matches_nothing(tmp_path: Path) -> None:
    vault = make_vault(
        tmp_path / "v", {"[x.md": "", "a.md": ""}, app={"userIgnoreFilters": ["/[/", "/(/"]}
    )
    result = scan_vault(vault)
    assert paths(result) == ["[x.md", "a.md"]
    assert result.excluded == ()


@pytest.mark.parametrize(
    ("path", "filters", "expected"),
    [
        ("Archive/x.md", ["Archive/"], True),
        ("Archive/a/b/c.md", ["Archive/"], True),
        ("Archive", ["Archive/"], False),
        ("Archive", ["Archive"], True),
        ("Archive/x.md", ["Archive"], True),
        ("Archive.md", ["Archive"], False),
        ("Archived/x.md", ["Archive"], False),
        ("Projects/Old/x.md", ["Projects/Old/"], True),
        ("Projects/Older/x.md", ["Projects/Old/"], False),
        ("Projects/Old/x.md", ["/Projects/Old"], True),
        ("a/b.pdf", ["/\\.pdf$/"], True),
        ("a/b.pdf.md", ["/\\.pdf$/"], False),
        ("x/Daily/2023-01-01.md", ["/Daily\\/2023/"], True),
        ("2023.md", ["/(?<year>\\d{4})/"], True),
        ("anything.md", ["/[/"], False),
        ("anything.md", ["/a(/", "Zzz"], False),
        ("anything.md", ["", "/", "//", "  "], False),
        ("Café/x.md", [unicodedata.normalize("NFD", "Café/")], True),
        (unicodedata.normalize("NFD", "Café/x.md"), ["Café"], True),
        ("archive/x.md", ["Archive/"], False),
    ],
)
def test_is_excluded(path: str, filters: list[str], expected: bool) -> None:
    assert is_excluded(path, filters) is expected


def test_extra_excludes_skip_and_report(tmp_path: Path) -> None:
    vault = make_vault(
        tmp_path / "v",
        {
            "node_modules/pkg/readme.md": "",
            "Build/out.md": "",
            "Build/deeper/out2.md": "",
            "keep.md": "",
            "scratch.tmp": "",
        },
        app={"userIgnoreFilters": ["Build/"]},
    )
    result = scan_vault(vault, extra_excludes=["node_modules", "Build/", "/\\.tmp$/"])
    assert paths(result) == ["keep.md"]
    # vaultkit's own excludes win over Obsidian's "Excluded files": nothing is listed there.
    assert result.excluded == ()
    # A pruned folder is reported once, not file by file.
    assert skipped(result) == {
        "Build": SkipReason.EXCLUDED,
        "node_modules": SkipReason.EXCLUDED,
        "scratch.tmp": SkipReason.EXCLUDED,
    }


def test_glob_excludes_skip_files_and_prune_folders(tmp_path: Path) -> None:
    vault = make_vault(
        tmp_path / "v",
        {
            "Art/Sketch.excalidraw.md": "",
            "Sketch.excalidraw.md": "",
            "drafts-old/a/b.md": "",
            "Templates/t.md": "",
            "Templates/keep.txt": "",
            "keep.md": "",
        },
    )
    excludes = ["*.excalidraw.md", "drafts*/", "Templates/*.md"]
    result = scan_vault(vault, extra_excludes=excludes)
    assert paths(result) == ["Templates/keep.txt", "keep.md"]
    assert skipped(result) == {
        "Art/Sketch.excalidraw.md": SkipReason.EXCLUDED,
        "Sketch.excalidraw.md": SkipReason.EXCLUDED,
        "Templates/t.md": SkipReason.EXCLUDED,
        "drafts-old": SkipReason.EXCLUDED,  # pruned once, not file by file
    }
    # The hook's few-paths scan agrees with the walk.
    asked = ["Art/Sketch.excalidraw.md", "drafts-old/a/b.md", "keep.md"]
    few = scan_paths(vault, asked, extra_excludes=excludes)
    assert few is not None
    assert paths(few) == ["keep.md"]


# --- app.json ------------------------------------------------------------------------------


def test_missing_app_json_gives_defaults_without_warning(tmp_path: Path) -> None:
    settings_, warnings = read_obsidian_settings(make_vault(tmp_path / "v", {}))
    assert settings_ == ObsidianSettings(".obsidian", (), None)
    assert warnings == []


def test_app_json_settings_are_read(tmp_path: Path) -> None:
    vault = make_vault(
        tmp_path / "v",
        {},
        app={"userIgnoreFilters": ["A/", "/b/"], "attachmentFolderPath": "./assets", "x": 1},
    )
    settings_, warnings = read_obsidian_settings(vault)
    assert settings_.ignore_filters == ("A/", "/b/")
    assert settings_.attachment_folder == "./assets"
    assert warnings == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"userIgnoreFilters": ["Archive/",]}', "not valid JSON (line 1"),
        ('\n\n{"userIgnoreFilters": [', "line 3"),
        ("[1, 2]", "does not hold a JSON object"),
        ('{"userIgnoreFilters": "Archive/"}', "userIgnoreFilters should be a list"),
        ('{"userIgnoreFilters": ["Archive/", 3]}', "not text"),
        ('{"attachmentFolderPath": 7}', "attachmentFolderPath should be text"),
    ],
)
def test_invalid_app_json_warns_and_scan_still_works(
    tmp_path: Path, text: str, fragment: str
) -> None:
    vault = make_vault(tmp_path / "v", {"Archive/a.md": "", "b.md": ""}, app=text)
    _, warnings = read_obsidian_settings(vault)
    assert len(warnings) == 1
    assert ".obsidian/app.json" in warnings[0]
    assert fragment in warnings[0]

    result = scan_vault(vault)
    assert result.warnings == tuple(warnings)
    assert sorted(paths(result) + excluded_paths(result)) == ["Archive/a.md", "b.md"]


def test_app_json_bytes_that_are_not_utf8_warn(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {".obsidian/app.json": b'{"a": "\xff"}'})
    settings_, warnings = read_obsidian_settings(vault)
    assert settings_.ignore_filters == ()
    assert len(warnings) == 1 and "not UTF-8" in warnings[0]


def test_app_json_with_bom_and_empty_file(tmp_path: Path) -> None:
    bom = make_vault(
        tmp_path / "bom",
        {".obsidian/app.json": b'\xef\xbb\xbf{"userIgnoreFilters": ["X/"]}'},
    )
    assert read_obsidian_settings(bom) == (ObsidianSettings(".obsidian", ("X/",), None), [])
    empty = make_vault(tmp_path / "empty", {".obsidian/app.json": ""})
    assert read_obsidian_settings(empty)[1] == []


def test_renamed_config_dir(tmp_path: Path) -> None:
    vault = make_vault(
        tmp_path / "v",
        {
            ".obsidian-mobile/app.json": json.dumps({"userIgnoreFilters": ["Private/"]}),
            ".obsidian-mobile/plugins/p/readme.md": "",
            # The default folder's settings must not apply to a vault configured elsewhere.
            ".obsidian/app.json": json.dumps({"userIgnoreFilters": ["Public/"]}),
            "Private/p.md": "",
            "Public/q.md": "",
        },
    )
    result = scan_vault(vault, config_dir=".obsidian-mobile")
    assert excluded_paths(result) == ["Private/p.md"]
    assert paths(result) == ["Public/q.md"]
    settings_, _ = read_obsidian_settings(vault, ".obsidian-mobile")
    assert settings_.config_dir == ".obsidian-mobile"


# --- Unicode names -------------------------------------------------------------------------


def test_nfd_names_come_out_nfc(tmp_path: Path) -> None:
    nfd_folder = unicodedata.normalize("NFD", "Café")
    nfd_file = unicodedata.normalize("NFD", "Résumé.md")
    vault = make_vault(tmp_path / "v", {f"{nfd_folder}/{nfd_file}": "x"})
    result = scan_vault(vault)
    assert paths(result) == ["Café/Résumé.md"]
    assert unicodedata.is_normalized("NFC", result.files[0].path)
    # The path on disk is kept as found, so the file can still be opened.
    assert result.files[0].abs_path.name == nfd_file
    assert result.files[0].abs_path.exists()


def test_names_that_collide_after_nfc_keep_one_and_report_the_other(tmp_path: Path) -> None:
    nfc = "Café.md"
    nfd = unicodedata.normalize("NFD", nfc)
    vault = make_vault(tmp_path / "v", {nfc: "composed", nfd: "decomposed"})
    if len(os.listdir(vault)) != 2:
        pytest.skip("this file system normalises names itself")
    result = scan_vault(vault)
    assert paths(result) == [nfc]
    # "First in sorted order of the raw names": NFD ("Cafe\u0301") sorts before NFC ("Caf\xe9").
    assert result.files[0].abs_path.name == min(nfc, nfd)
    assert skipped(result) == {nfc: SkipReason.NAME_COLLISION}


# --- symlinks ------------------------------------------------------------------------------


def test_symlink_inside_vault_is_followed(tmp_path: Path) -> None:
    vault = make_vault(
        tmp_path / "v", {"Real/a.md": "a", ".hidden-store/b.md": "bb", "Other/c.md": ""}
    )
    symlink("Real/a.md", vault / "alias.md")
    symlink(".hidden-store", vault / "Linked", is_dir=True)
    result = scan_vault(vault)
    assert paths(result) == ["Linked/b.md", "Other/c.md", "Real/a.md", "alias.md"]
    alias = next(f for f in result.files if f.path == "alias.md")
    assert alias.size == 1
    assert alias.abs_path == vault / "alias.md"
    assert result.skipped == ()


def test_symlinked_folder_already_listed_is_not_listed_twice(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"Zeta/n.md": ""})
    # "Alpha" sorts first, yet the real folder keeps its own path.
    symlink("Zeta", vault / "Alpha", is_dir=True)
    result = scan_vault(vault)
    assert paths(result) == ["Zeta/n.md"]
    assert result.skipped == ()


def test_symlink_outside_vault_is_skipped(tmp_path: Path) -> None:
    outside = make_vault(tmp_path / "elsewhere", {"secret.md": "", "dir/x.md": ""})
    vault = make_vault(tmp_path / "v", {"n.md": ""})
    symlink(str(outside / "secret.md"), vault / "secret.md")
    symlink(str(outside / "dir"), vault / "Shared", is_dir=True)
    symlink("../elsewhere", vault / "up", is_dir=True)
    result = scan_vault(vault)
    assert paths(result) == ["n.md"]
    assert skipped(result) == {
        "Shared": SkipReason.SYMLINK_OUTSIDE,
        "secret.md": SkipReason.SYMLINK_OUTSIDE,
        "up": SkipReason.SYMLINK_OUTSIDE,
    }


def test_symlink_chain_that_ends_inside_the_vault_is_inside(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"A/a.md": ""})
    symlink(str(tmp_path / "alias-of-v"), vault / "B", is_dir=True)
    symlink(str(vault / "A"), tmp_path / "alias-of-v", is_dir=True)
    result = scan_vault(vault)
    # B resolves to v/A, which is inside and already listed.
    assert paths(result) == ["A/a.md"]
    assert result.skipped == ()


def test_inside_check_compares_folders_not_spellings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On a case-insensitive file system realpath can spell the vault differently from how it
    # was given. Simulate that with a realpath that resolves only the link itself.
    vault = make_vault(tmp_path / "v", {"Real/a.md": ""})
    symlink(str(vault), tmp_path / "other-spelling", is_dir=True)
    symlink(str(tmp_path / "other-spelling" / ".store"), vault / "Linked", is_dir=True)
    (vault / ".store").mkdir()
    (vault / ".store" / "b.md").write_text("")
    real_realpath = os.path.realpath

    def shallow_realpath(path: str) -> str:
        if os.path.islink(path):
            return os.path.join(os.path.dirname(path), os.readlink(path))
        return real_realpath(path)

    monkeypatch.setattr(os.path, "realpath", shallow_realpath)
    result = scan_vault(vault)
    assert paths(result) == ["Linked/b.md", "Real/a.md"]
    assert result.skipped == ()


def test_symlink_loops_terminate(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"A/a.md": "", "B/b.md": ""})
    symlink("..", vault / "A" / "up", is_dir=True)
    symlink("../B", vault / "A" / "toB", is_dir=True)
    symlink("../A", vault / "B" / "toA", is_dir=True)
    symlink("self", vault / "self")
    result = scan_vault(vault)
    assert paths(result) == ["A/a.md", "B/b.md"]
    assert skipped(result) == {"self": SkipReason.UNREADABLE}


def test_broken_symlink_is_unreadable(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"n.md": ""})
    symlink("missing.md", vault / "gone.md")
    result = scan_vault(vault)
    assert paths(result) == ["n.md"]
    assert skipped(result) == {"gone.md": SkipReason.UNREADABLE}
    assert "gone.md" in result.skipped[0].message


# --- sync-service leftovers ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Status.sync-conflict-20240131-235959-ABCDEFG.md",
        "Status.sync-conflict-20240131-235959.md",
        "image.sync-conflict-20240131-235959-7QXZ2KL.png",
        "Status (conflicted copy 2024-01-31).md",
        "Status (Ann's conflicted copy 2024-01-31).md",
        "Status (Case Conflict).md",
        "Status (Case Conflict 1).md",
        "Status (Selective Sync Conflict).md",
    ],
)
def test_sync_conflict_copies_are_reported(tmp_path: Path, name: str) -> None:
    vault = make_vault(tmp_path / "v", {"Status.md": "", f"Sub/{name}": ""})
    result = scan_vault(vault)
    assert paths(result) == ["Status.md"]
    assert skipped(result) == {f"Sub/{name}": SkipReason.SYNC_CONFLICT}
    assert f"Sub/{name}" in result.skipped[0].message


def test_names_that_only_look_like_conflicts_are_kept(tmp_path: Path) -> None:
    names = ["Conflict resolution.md", "sync-conflict notes.md", "Conflicted copy.md"]
    vault = make_vault(tmp_path / "v", dict.fromkeys(names, ""))
    assert paths(scan_vault(vault)) == sorted(names)


def test_icloud_stub_is_reported_under_the_real_note(tmp_path: Path) -> None:
    vault = make_vault(
        tmp_path / "v",
        {
            "Plans/.Roadmap.md.icloud": b"bplist00",
            "Plans/.Here.md.icloud": b"bplist00",
            "Plans/Here.md": "downloaded",
            ".hidden.md.icloud": b"",
            "..dotnote.md.icloud": b"",
        },
    )
    result = scan_vault(vault)
    assert paths(result) == ["Plans/Here.md"]
    assert skipped(result) == {
        "Plans/Roadmap.md": SkipReason.ICLOUD_STUB,
        "hidden.md": SkipReason.ICLOUD_STUB,
    }
    assert ".Roadmap.md.icloud" in result.skipped[0].message


def test_icloud_evicted_file_is_reported_and_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = make_vault(tmp_path / "v", {"here.md": "text"})
    evicted = vault / "evicted.md"
    # A sparse file is what an evicted one looks like to stat: a size but no blocks.
    with evicted.open("wb") as handle:
        handle.truncate(4096)
    if getattr(evicted.stat(), "st_blocks", None) != 0:
        pytest.skip("no st_blocks, or this file system allocates blocks for sparse files")
    forbid_opening_files(monkeypatch)
    result = scan_vault(vault)
    assert paths(result) == ["here.md"]
    assert skipped(result) == {"evicted.md": SkipReason.ICLOUD_EVICTED}


def forbid_opening_files(monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = io.open

    def guarded_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if not str(file).endswith("app.json"):
            raise AssertionError(f"scan opened {file}")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", guarded_open)
    monkeypatch.setattr("builtins.open", guarded_open)


def test_scan_never_opens_files_but_app_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = make_vault(
        tmp_path / "v", {"a.md": "a", "b/c.png": b"png"}, app={"userIgnoreFilters": ["b/"]}
    )
    forbid_opening_files(monkeypatch)
    result = scan_vault(vault)
    assert paths(result) == ["a.md"]
    assert excluded_paths(result) == ["b/c.png"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_special_files_are_skipped(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"n.md": ""})
    os.mkfifo(vault / "pipe.md")
    result = scan_vault(vault)
    assert paths(result) == ["n.md"]
    assert skipped(result) == {"pipe.md": SkipReason.UNREADABLE}


# --- errors --------------------------------------------------------------------------------


def test_unreadable_folder_does_not_raise(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"Locked/inside.md": "", "open.md": ""})
    locked = vault / "Locked"
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("permissions are not enforced for this user (root?)")
        result = scan_vault(vault)
    finally:
        locked.chmod(0o755)
    assert paths(result) == ["open.md"]
    assert skipped(result) == {"Locked": SkipReason.UNREADABLE}


def test_folder_listing_error_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same as above by fault injection, so it also runs where chmod is not enforced.
    vault = make_vault(tmp_path / "v", {"Locked/inside.md": "", "Locked/Sub/x.md": "", "o.md": ""})
    real_scandir = os.scandir

    def failing_scandir(path: str) -> Iterator[os.DirEntry[str]]:
        if os.path.basename(path) == "Locked":
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", failing_scandir)
    result = scan_vault(vault)
    assert paths(result) == ["o.md"]
    assert skipped(result) == {"Locked": SkipReason.UNREADABLE}
    assert "Permission denied" in result.skipped[0].message


def test_undecodable_name_is_reported(tmp_path: Path) -> None:
    if sys.platform in ("darwin", "win32"):
        pytest.skip("the file system only stores valid Unicode names")
    vault = make_vault(tmp_path / "v", {"ok.md": ""})
    try:
        with open(os.path.join(os.fsencode(vault), b"bad\xff.md"), "wb"):
            pass
    except OSError:
        pytest.skip("cannot create a non-UTF-8 name here")
    result = scan_vault(vault)
    assert paths(result) == ["ok.md"]
    assert [s.reason for s in result.skipped] == [SkipReason.UNREADABLE]
    result.skipped[0].path.encode("utf-8")  # storable, unlike the raw name


def test_folder_nested_300_deep(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {})
    deep = vault.joinpath(*["d"] * 300)
    deep.mkdir(parents=True)
    (deep / "bottom.md").write_text("deep")
    limit = sys.getrecursionlimit()
    # Below the depth of the tree: a recursive walk would fail here.
    sys.setrecursionlimit(250)
    try:
        result = scan_vault(vault)
    finally:
        sys.setrecursionlimit(limit)
    assert paths(result) == ["d/" * 300 + "bottom.md"]


# --- ordering and the overall property -----------------------------------------------------


def test_output_is_sorted_by_path(tmp_path: Path) -> None:
    names = ["b.md", "A.md", "a/z.md", "a.md", "é.md", "Z/a.png", "_x.md", "10.md", "9.md"]
    conflicts = ["n.sync-conflict-20240101-000000-AAAAAAA.md", "m (conflicted copy 1).md"]
    vault = make_vault(
        tmp_path / "v",
        dict.fromkeys(names + conflicts + ["Ex/b.md", "Ex/a.md"], ""),
        app={"userIgnoreFilters": ["Ex/"]},
    )
    result = scan_vault(vault)
    assert paths(result) == sorted(names)
    assert excluded_paths(result) == ["Ex/a.md", "Ex/b.md"]
    assert [s.path for s in result.skipped] == sorted(conflicts)


_NAME = st.text(alphabet="abcxyz019 _-.éüñÅЖλ中", min_size=1, max_size=8).filter(
    lambda n: n.strip(".") != "" and n == n.strip()
)
_REL_PATHS = st.lists(st.lists(_NAME, min_size=1, max_size=3), min_size=1, max_size=12)
_FILTERS = st.sampled_from([(), ("a/",), ("b",), ("/é/",), ("/[/",), ("a", "/\\.md$/")])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rel_paths=_REL_PATHS, filters=_FILTERS, decompose=st.booleans())
def test_every_visible_file_appears_exactly_once(
    rel_paths: list[list[str]], filters: tuple[str, ...], decompose: bool
) -> None:
    wanted: dict[str, list[str]] = {}
    for segments in rel_paths:
        wanted.setdefault("/".join(segments), segments)
    # A path cannot be both a file and a folder: drop files that another path goes through.
    files = {p: s for p, s in wanted.items() if not any(q.startswith(p + "/") for q in wanted)}
    form: Literal["NFC", "NFD"] = "NFD" if decompose else "NFC"

    with tempfile.TemporaryDirectory() as tmp:
        vault = Path(tmp)
        for segments in files.values():
            target = vault.joinpath(*(unicodedata.normalize(form, s) for s in segments))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("x")
        (vault / ".obsidian").mkdir(exist_ok=True)
        (vault / ".obsidian" / "app.json").write_text(json.dumps({"userIgnoreFilters": filters}))
        result = scan_vault(vault)

    visible = sorted(p for p, s in files.items() if not any(x.startswith(".") for x in s))
    listed = [f.path for f in result.files + result.excluded]
    assert sorted(listed) == visible
    assert len(set(listed)) == len(listed)
    assert {f.path for f in result.excluded} == {p for p in visible if is_excluded(p, filters)}
    assert result.skipped == ()


# --- a few named paths (the hook) ----------------------------------------------------------


def test_scan_paths_agrees_with_the_walk_for_the_paths_it_is_given(tmp_path: Path) -> None:
    vault = make_vault(
        tmp_path / "v",
        {
            "Status.md": "",
            "Topics/Rust.md": "",
            "Archive/Old.md": "",
            "Build/out.md": "",
            ".trash/Gone.md": "",
            "Note (conflicted copy 2024-01-31).md": "",
            "image.png": b"\x89PNG",
        },
        app={"userIgnoreFilters": ["Archive/"]},
    )
    asked = [
        "Status.md",
        "Topics/Rust.md",
        "Archive/Old.md",
        "Build/out.md",
        ".trash/Gone.md",
        ".obsidian/app.json",
        "Note (conflicted copy 2024-01-31).md",
        "image.png",
        "Missing.md",
    ]
    walked = scan_vault(vault, extra_excludes=["Build/"])
    found = scan_paths(vault, asked, extra_excludes=["Build/"])
    assert found is not None
    assert found.files == tuple(f for f in walked.files if f.path in asked)
    assert found.excluded == tuple(f for f in walked.excluded if f.path in asked)
    assert paths(found) == ["Status.md", "Topics/Rust.md", "image.png"]
    assert excluded_paths(found) == ["Archive/Old.md"]


def test_scan_paths_leaves_a_symlinked_path_to_the_walk(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"Real/Note.md": ""})
    symlink("Real", vault / "Linked", is_dir=True)
    assert scan_paths(vault, ["Linked/Note.md"]) is None
    symlink("Nowhere.md", vault / "Dangling.md")
    assert scan_paths(vault, ["Dangling.md"]) is None
    assert scan_paths(vault, ["Real/Note.md"]) is not None


def test_scan_paths_resolves_a_folder_once_and_still_sees_each_link(tmp_path: Path) -> None:
    """Files of one folder share its resolved path; a link among them, or a linked folder
    above them, still leaves the paths to the walk, in whichever order they are asked for."""
    vault = make_vault(
        tmp_path / "v",
        {f"Batch/Sub/N{i}.md": "" for i in range(5)} | {"Real/Other.md": "", "Batch/A.md": ""},
    )
    asked = ["Batch/A.md", *(f"Batch/Sub/N{i}.md" for i in range(5))]
    found = scan_paths(vault, asked)
    assert found is not None
    assert found.files == tuple(f for f in scan_vault(vault).files if f.path in asked)
    symlink("../../Real/Other.md", vault / "Batch" / "Sub" / "Linked.md")
    assert (vault / "Batch" / "Sub" / "Linked.md").is_file()
    for order in (
        ["Batch/Sub/N0.md", "Batch/Sub/Linked.md"],
        ["Batch/Sub/Linked.md", "Batch/Sub/N0.md"],
    ):
        assert scan_paths(vault, order) is None
    symlink("Batch", vault / "Alias", is_dir=True)
    assert scan_paths(vault, ["Batch/Sub/N1.md", "Alias/Sub/N2.md"]) is None
