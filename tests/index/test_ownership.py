"""The index is only ever vaultkit's (issue 13; design sections 6 and 8 item 12).

Where the index lives is decided in one place (``vaultkit.vaultpaths``), and a file is deleted
or rebuilt only when it is provably vaultkit's index (``vaultkit.index.ownership.index_owner``).
Most tests run the installed ``vaultkit`` script on a temporary vault, as a user would, and
check that whatever the config or ``--index`` pointed at is byte for byte as it was.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from tests.support.cli import installed, vaultkit_executable
from vaultkit.config.load import load_config
from vaultkit.dashboards.registry import BUILTINS
from vaultkit.errors import ConfigError, VaultkitError
from vaultkit.index.ownership import APPLICATION_ID, NotAnIndexError, index_owner, remove_index
from vaultkit.index.store import open_index
from vaultkit.index.update import update_index
from vaultkit.vaultpaths import VaultPaths, default_index_path, resolve_index


@pytest.fixture(autouse=True)
def home_note(vault: Path) -> None:
    """A note of the user's own, so that the index has something that is not the example's."""
    (vault / "Home.md").write_text("# Home\n\nMy own note.\n- [ ] water the plants\n", "utf-8")


def set_index(vault: Path, value: str) -> None:
    """Append ``[vault] index`` to the example's config (which has a [vault] table)."""
    config = vault / ".vaultkit" / "config.toml"
    text = config.read_text("utf-8")
    assert "[vault]\n" in text and "index" not in text
    config.write_text(text.replace("[vault]\n", f"[vault]\nindex = {value!r}\n", 1), "utf-8")


def run(
    *args: str,
    cwd: Path | None = None,
    preexec: Callable[[], None] | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    return installed(*args, cwd=cwd, env=env, preexec=preexec)


def refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 2 with one clear line on stderr (no traceback) that says all of ``words``."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("vaultkit: ") and result.stderr.count("\n") == 1
    for word in words:
        assert word in result.stderr, (word, result.stderr)


def snapshot(path: Path) -> tuple[bytes, int, int]:
    info = path.stat()
    return path.read_bytes(), info.st_mtime_ns, info.st_ino


def companions(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.glob(path.name + "-*"))


def foreign_database(path: Path, *, application_id: int = 0) -> None:
    with closing(sqlite3.connect(path)) as connection, connection:
        if application_id:
            connection.execute(f"PRAGMA application_id = {application_id}")
        connection.execute("CREATE TABLE people (name TEXT)")
        connection.execute("INSERT INTO people VALUES ('Ada')")


# --- a configured index that is not vaultkit's -------------------------------------------------


def test_an_index_key_naming_a_note_is_a_config_error_and_the_note_is_kept(vault: Path) -> None:
    home = vault / "Home.md"
    before = snapshot(home)
    for value in ("../Home.md", str(home), "../.vaultkit/../Home.md"):
        config = vault / ".vaultkit" / "config.toml"
        original = config.read_text("utf-8")
        set_index(vault, value)
        for command in (("sync", str(vault)), ("tasks", "--vault", str(vault))):
            refused(
                run(*command),
                ".vaultkit/config.toml:5: key 'vault.index'",
                "lies in the vault, outside .vaultkit/",
            )
        config.write_text(original, "utf-8")
    assert snapshot(home) == before
    assert companions(home) == []


def test_index_home_md_in_the_config_is_relative_to_vaultkit_folder(vault: Path) -> None:
    # The example: relative to the current folder, this used to replace the note.
    home = vault / "Home.md"
    before = snapshot(home)
    set_index(vault, "Home.md")
    result = run("sync", str(vault), cwd=vault)
    assert result.returncode == 0, result.stderr
    assert snapshot(home) == before
    assert index_owner(vault / ".vaultkit" / "Home.md") == "ours"


def test_index_option_naming_a_note_from_the_vault_folder_is_refused(vault: Path) -> None:
    home = vault / "Home.md"
    before = snapshot(home)
    for command in ("tasks", "links", "doctor"):
        refused(
            run(command, "--index", "Home.md", cwd=vault), "--index: 'Home.md' lies in the vault"
        )
    refused(run("sync", "--index", "Home.md", cwd=vault), "--index")
    assert snapshot(home) == before


def test_vaultkit_own_files_are_no_place_for_the_index(vault: Path) -> None:
    config = vault / ".vaultkit" / "config.toml"
    original = config.read_bytes()
    for value in ("config.toml", "lock", "templates/x.sqlite3", "backups/x.sqlite3"):
        config.write_bytes(original)
        set_index(vault, value)
        refused(run("sync", str(vault)), "key 'vault.index'", "is vaultkit's own")
    refused(run("tasks", "--index", str(config), "--vault", str(vault)), "is vaultkit's own")


def test_a_file_outside_the_vault_that_is_not_an_index_is_kept(vault: Path) -> None:
    diary = vault.parent / "diary.txt"
    diary.write_text("Dear diary, today I configured vaultkit.\n" * 50, "utf-8")
    before = snapshot(diary)
    set_index(vault, str(diary))
    for command in (("sync", str(vault)), ("tasks", "--vault", str(vault))):
        refused(run(*command), str(diary), "is not a vaultkit index", "never deletes")
    refused(run("links", "--vault", str(vault), "--index", str(diary)), "is not a vaultkit index")
    assert snapshot(diary) == before
    assert companions(diary) == []


@pytest.mark.parametrize("application_id", [0, 0x0F0F0F0F])
def test_another_programs_database_is_never_touched(vault: Path, application_id: int) -> None:
    other = vault.parent / "other-app.db"
    foreign_database(other, application_id=application_id)
    before = snapshot(other)
    set_index(vault, str(other))
    for command in (("sync", str(vault)), ("tasks", "--vault", str(vault)), ("doctor",)):
        result = run(*command, cwd=vault)
        refused(result, str(other), "another program's database")
    assert snapshot(other) == before
    assert companions(other) == []
    with closing(sqlite3.connect(other)) as connection:
        assert connection.execute("SELECT name FROM people").fetchall() == [("Ada",)]


def test_an_index_set_to_a_folder_is_an_error(vault: Path) -> None:
    folder = vault.parent / "a folder"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine", "utf-8")
    set_index(vault, str(folder))
    for command in (("sync", str(vault)), ("tasks", "--vault", str(vault))):
        refused(run(*command), str(folder), "is a folder, not an index file")
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]


@pytest.fixture
def null_device(tmp_path: Path) -> Path:
    """A device node like ``/dev/null`` (char 1, 3), of this test's own.

    The end-to-end runs point the index at this node rather than at the machine's
    ``/dev/null``: were the check ever lost, vaultkit run as root would delete the node it was
    given, and a test suite must not be able to delete the machine's ``/dev/null`` (an earlier
    version of this very test did, when run against the unfixed code).
    """
    node = tmp_path / "null"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (OSError, AttributeError):
        pytest.skip("cannot create a device node here (not root, or no CAP_MKNOD)")
    return node


def test_a_device_as_the_index_is_left_alone(vault: Path, null_device: Path) -> None:
    before = os.stat(null_device)
    set_index(vault, str(null_device))
    for command in (("sync", str(vault)), ("tasks", "--vault", str(vault)), ("hook", str(vault))):
        refused(run(*command), str(null_device), "is a device")
    result = run("query", "SELECT 1", "--vault", str(vault), "--index", str(null_device))
    refused(result, "is a device")
    after = os.stat(null_device)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert after.st_ino == before.st_ino


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null here")
def test_dev_null_as_the_index_is_refused_before_anything_opens_it(vault: Path) -> None:
    # The machine's /dev/null only meets the path rules, which never delete anything.
    before = os.stat("/dev/null")
    assert stat.S_ISCHR(before.st_mode)
    with pytest.raises(VaultkitError, match="/dev/null: is a device"):
        resolve_index(vault, override="/dev/null")
    set_index(vault, "/dev/null")
    with pytest.raises(VaultkitError, match="/dev/null: is a device") as caught:
        resolve_index(vault)
    assert caught.value.exit_code == 2
    after = os.stat("/dev/null")
    assert os.path.exists("/dev/null") and stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_a_vaultkit_folder_leading_out_of_the_vault_is_refused(vault: Path) -> None:
    outside = vault.parent / "elsewhere"
    (vault / ".vaultkit").rename(outside)
    (vault / ".vaultkit").symlink_to(outside, target_is_directory=True)
    (outside / "config.toml").write_text('[vault]\nindex = "index.sqlite3"\n', "utf-8")
    refused(run("sync", str(vault)), "leads outside the vault")
    assert sorted(p.name for p in outside.iterdir()) == ["config.toml"]


# --- where a configured index lands ------------------------------------------------------------


def test_a_relative_index_lands_in_vaultkit_folder_and_every_command_uses_it(
    vault: Path, tmp_path: Path
) -> None:
    set_index(vault, "index.sqlite3")
    elsewhere = tmp_path / "somewhere else"
    elsewhere.mkdir()
    result = run("sync", str(vault), cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    index = vault / ".vaultkit" / "index.sqlite3"
    assert index_owner(index) == "ours"
    assert not (elsewhere / "index.sqlite3").exists()
    assert not default_index_path(vault).exists()
    result = run("tasks", "--vault", str(vault), "--json", cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert not default_index_path(vault).exists()
    # The warm-sync shortcut reads the configured index too: once the vault is still, a
    # sync answers from its stamp without importing the pipeline.
    old = 1_000_000_000
    for path in vault.rglob("*"):
        if path.is_file() and not path.name.startswith("index.sqlite3"):
            os.utime(path, ns=(old, old))
    assert run("sync", str(vault)).returncode == 0
    # The same console script as the syncs before it: ``python -m vaultkit`` from the checkout
    # would be other code than an installed vaultkit, and rightly miss the stamp.
    shortcut = subprocess.run(
        [vaultkit_executable(), "sync", str(vault)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"},
    )
    assert shortcut.returncode == 0, shortcut.stderr
    imported = {line.split("|")[-1].strip() for line in shortcut.stderr.splitlines()}
    assert "vaultkit.sync.run" not in imported and "jinja2" not in imported
    assert "0 notes parsed" in shortcut.stdout
    assert not default_index_path(vault).exists()


def test_tilde_in_the_index_key_is_the_home_folder(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    set_index(vault, "~/indexes/vault.sqlite3")
    location = resolve_index(vault)
    assert location.path == home / "indexes" / "vault.sqlite3"
    assert not location.default
    connection, report = update_index(VaultPaths(vault), progress=False)
    connection.close()
    assert report.index_path == home / "indexes" / "vault.sqlite3"
    assert index_owner(report.index_path) == "ours"


def test_the_config_error_names_the_line(vault: Path) -> None:
    (vault / ".vaultkit" / "config.toml").write_text(
        '# mine\n[vault]\nindex = "../Home.md"\n', "utf-8"
    )
    with pytest.raises(ConfigError, match=r"config\.toml:3: key 'vault\.index': '\.\./Home\.md'"):
        load_config(vault, BUILTINS)


def test_compiled_templates_stay_in_the_cache_folder(vault: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "my folder"
    elsewhere.mkdir()
    set_index(vault, str(elsewhere / "vault.sqlite3"))
    assert run("sync", str(vault)).returncode == 0
    assert sorted(p.name for p in elsewhere.iterdir()) == ["vault.sqlite3"]
    assert any((tmp_path / "cache" / "templates-compiled").iterdir())


def test_a_compiled_template_file_that_is_not_jinjas_is_kept(vault: Path, tmp_path: Path) -> None:
    assert run("sync", str(vault)).returncode == 0
    compiled = sorted((tmp_path / "cache" / "templates-compiled").iterdir())
    assert compiled
    for path in compiled:
        path.write_bytes(b"not jinja's")
    # Another vault with the same templates: they are compiled again and dumped.
    other = tmp_path / "other"
    shutil.copytree(vault, other)
    assert run("sync", str(other), "--force").returncode == 0
    assert all(path.read_bytes() == b"not jinja's" for path in compiled)


# --- what is rebuilt ---------------------------------------------------------------------------


def _unmark(index: Path, schema_version: str | None = None) -> None:
    """Make ``index`` look written by an earlier vaultkit: no application id."""
    with closing(sqlite3.connect(index)) as connection:
        connection.execute("PRAGMA application_id = 0")
        if schema_version is not None:
            connection.execute(
                "UPDATE meta SET value = ? WHERE key = 'schema_version'", (schema_version,)
            )
        connection.commit()
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert int.from_bytes(index.read_bytes()[68:72], "big") == 0


def test_an_old_schema_vaultkit_index_is_still_rebuilt_silently(vault: Path) -> None:
    index = vault.parent / "configured.sqlite3"
    set_index(vault, str(index))
    assert run("sync", str(vault)).returncode == 0
    _unmark(index, schema_version="6.1")
    assert index_owner(index) == "ours"
    result = run("tasks", "--vault", str(vault), "--json")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    with closing(sqlite3.connect(index)) as connection:
        assert connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert (
            connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
            != "6.1"
        )


def test_an_unmarked_index_of_this_schema_is_kept_and_marked(vault: Path, tmp_path: Path) -> None:
    index = tmp_path / "i.sqlite3"
    connection, report = update_index(VaultPaths(vault, index=index), progress=False)
    connection.close()
    assert report.rebuilt
    _unmark(index)
    connection, report = update_index(VaultPaths(vault, index=index), progress=False)
    assert not report.rebuilt
    assert connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    connection.close()


def test_a_corrupt_index_at_the_default_location_is_rebuilt_silently(vault: Path) -> None:
    index = default_index_path(vault)
    index.parent.mkdir(parents=True)
    index.write_bytes(b"\0" * 4096 + b"half a page of something")
    (index.parent / (index.name + "-wal")).write_bytes(b"junk")
    result = run("sync", str(vault))
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert index_owner(index) == "ours"


def test_a_damaged_vaultkit_index_at_a_configured_location_is_rebuilt(
    vault: Path, tmp_path: Path
) -> None:
    index = tmp_path / "i.sqlite3"
    update_index(VaultPaths(vault, index=index), progress=False)[0].close()
    data = bytearray(index.read_bytes())
    data[100:] = b"\xff" * (len(data) - 100)  # the header (and its mark) survives
    index.write_bytes(bytes(data))
    connection, report = update_index(VaultPaths(vault, index=index), progress=False)
    assert report.rebuilt
    assert connection.execute("SELECT count(*) FROM notes").fetchone()[0] > 0
    connection.close()


def test_a_corrupt_file_at_a_configured_location_is_kept(vault: Path, tmp_path: Path) -> None:
    index = tmp_path / "i.sqlite3"
    index.write_bytes(b"\0" * 8192)
    with pytest.raises(NotAnIndexError):
        update_index(VaultPaths(vault, index=index), progress=False)
    assert index.read_bytes() == b"\0" * 8192


def test_an_empty_file_becomes_the_index(vault: Path, tmp_path: Path) -> None:
    index = tmp_path / "i.sqlite3"
    index.touch()
    connection, report = update_index(VaultPaths(vault, index=index), progress=False)
    connection.close()
    assert report.rebuilt and index_owner(index) == "ours"


def test_remove_index_deletes_only_vaultkits_files_and_their_companions(tmp_path: Path) -> None:
    folder = tmp_path / "files"  # apart from the vault and cache folder of every test here
    folder.mkdir()
    other = folder / "other.db"
    foreign_database(other)
    wal = folder / "other.db-wal"
    wal.write_bytes(b"theirs")
    for default in (False, True):
        with pytest.raises(NotAnIndexError):
            remove_index(other, default=default)
    assert other.exists() and wal.read_bytes() == b"theirs"
    garbage = folder / "garbage.sqlite3"
    garbage.write_bytes(b"garbage")
    with pytest.raises(NotAnIndexError):
        remove_index(garbage)
    remove_index(garbage, default=True)  # vaultkit's own folder: a damaged file goes
    assert not garbage.exists()
    ours = folder / "ours.sqlite3"
    open_index(ours)[0].close()
    Path(str(ours) + "-journal").write_bytes(b"")
    remove_index(ours)
    assert sorted(p.name for p in folder.iterdir()) == ["other.db", "other.db-wal"]


# --- a read-only index -------------------------------------------------------------------------


def test_a_read_only_index_file_is_a_clear_error(
    vault: Path, as_a_user: Callable[[], None] | None
) -> None:
    assert run("sync", str(vault)).returncode == 0
    index = default_index_path(vault)
    (vault / "Inbox.md").write_text("- [ ] something new\n", "utf-8")
    index.chmod(0o444)
    before = snapshot(index)
    for command in (("sync", str(vault)), ("tasks", "--vault", str(vault))):
        refused(run(*command, preexec=as_a_user), str(index), "read-only", "chmod u+w")
    refused(run("hook", str(vault), "--file", "Inbox.md", preexec=as_a_user), "read-only")
    assert snapshot(index) == before


def test_an_index_in_a_read_only_folder_is_a_clear_error(
    vault: Path, tmp_path: Path, as_a_user: Callable[[], None] | None
) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir()
    set_index(vault, str(folder / "vault.sqlite3"))
    folder.chmod(0o555)
    try:
        for command in (("sync", str(vault)), ("tasks", "--vault", str(vault))):
            refused(run(*command, preexec=as_a_user), str(folder), "folder is read-only")
    finally:
        folder.chmod(0o755)
    assert list(folder.iterdir()) == []


def test_a_write_refused_mid_run_is_a_clear_error(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The file system turning read-only under a run: the backstop behind open_index's checks.
    import vaultkit.index.update

    def refuse(*args: object) -> object:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(vaultkit.index.update, "_update_index", refuse)
    with pytest.raises(VaultkitError, match="the index cannot be written") as caught:
        update_index(VaultPaths(vault, index=tmp_path / "i.sqlite3"), progress=False)
    assert caught.value.exit_code == 2


def test_a_config_that_leaves_the_index_unset_costs_the_shortcut_no_config_import(
    vault: Path,
) -> None:
    from vaultkit.config.default_file import default_config_text

    (vault / ".vaultkit" / "config.toml").write_text(default_config_text(BUILTINS), "utf-8")
    script = (
        "import sys; from pathlib import Path; from vaultkit.vaultpaths import resolve_index; "
        f"print(resolve_index(Path({str(vault)!r})).default, 'vaultkit.config.load' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.stdout.split() == ["True", "False"], result.stderr
