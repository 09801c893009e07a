"""``vaultkit adopt``: a hand-kept comparison table becomes topic notes and a region.

Each row of the table becomes a topic note (or is merged into the note of that name, where
that note lacks the row's sections); the table's lines become the ``topics`` region the Topics
dashboard fills; the config points the Topics dashboard there, with the table's own columns
first. Every file is written through the write-back's checked write (:func:`apply`): a new
note is created only where no file is, a changed note is written only if it still holds what
was read, and the table's note is backed up first. Planning reads only, so ``--dry-run``
shows exactly what a run would write.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from contextlib import closing, nullcontext
from pathlib import Path
from typing import NamedTuple

from vaultkit import markers
from vaultkit.config.edit import setting, with_settings
from vaultkit.config.schema import Config
from vaultkit.dashboards.kept_tables import KeptRow, KeptTable, is_comparison, read_kept_table
from vaultkit.errors import VaultkitError
from vaultkit.index.queries import HIDDEN_NOTES
from vaultkit.index.update import update_index
from vaultkit.model import Note, Table
from vaultkit.parse.note import parse_note
from vaultkit.sync.adopt_notes import (
    Selection,
    file_name,
    merged_note,
    new_topic_note,
    topic_columns,
    with_region,
)
from vaultkit.sync.lock import vault_lock
from vaultkit.sync.run import LOCK_TIMEOUT
from vaultkit.vaultpaths import CONFIG_PATH, VaultPaths
from vaultkit.writeback.apply import apply, remove_file
from vaultkit.writeback.plan import Planned, read_generated
from vaultkit.writeback.reading import BeingWrittenError, quiet_left, read_stable
from vaultkit.writeback.regions import BOM, WriteStatus

REGION = "topics"
"""The region the adopted table becomes: the Topics dashboard's."""


class AlreadyAdoptedError(VaultkitError):
    """The note's table was adopted before: running adopt again changes nothing (the
    command says so and exits 0)."""


class Choice(NamedTuple):
    """Which table of the note to adopt: its number (1 = the note's first table) or the
    heading it sits under; neither = the note's one comparison table."""

    number: int | None = None
    heading: str | None = None


class AdoptPlan(NamedTuple):
    note: str
    table: KeptTable
    number: int
    """The table's number among the note's tables (1-based)."""
    writes: list[Planned]
    """Every file to create or change, in the order they are written (the table's note last
    but one, the config last)."""
    reports: list[str]
    """What was skipped, kept verbatim or left alone, one sentence each."""
    retired: Planned | None = None
    """The Topics dashboard's old generated file, to remove once the region holds the table
    (only when it is intact: a file edited by hand is left and reported)."""


def choose_table(note: Note, choice: Choice) -> tuple[int, Table]:
    """The table ``choice`` names (its number and the table); VaultkitError if none does.
    Tables are numbered in the note's order, vaultkit's regions left out (as the parser
    hides them, so the Topics dashboard and ``doctor`` count the same)."""
    tables = list(note.tables)
    if choice.number is not None:
        if not 1 <= choice.number <= len(tables):
            raise VaultkitError(
                f"has {len(tables)} table(s); --table must be 1 to {len(tables)}"
                if tables
                else "has no table",
                path=note.path,
            )
        return choice.number, tables[choice.number - 1]
    if choice.heading is not None:
        wanted = " ".join(choice.heading.split()).casefold()
        under = [
            (n, t)
            for n, t in enumerate(tables, start=1)
            if t.section and t.section[-1].casefold() == wanted
        ]
        if len(under) != 1:
            found = "no table" if not under else f"{len(under)} tables"
            raise VaultkitError(
                f"has {found} under a heading {choice.heading!r}; {_listing(tables)}",
                path=note.path,
            )
        return under[0]
    candidates = [(n, t) for n, t in enumerate(tables, start=1) if is_comparison(t)]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates and any(s.kind == "region" and s.name == REGION for s in note.hidden):
        raise AlreadyAdoptedError(
            f"its table is already the Topics dashboard's region '{REGION}', which sync keeps "
            "current; nothing to adopt",
            path=note.path,
        )
    if not candidates:
        raise VaultkitError(
            "holds no comparison table (a table with a name in the first column of every "
            f"row); {_listing(tables)}",
            path=note.path,
        )
    raise VaultkitError(
        f"holds {len(candidates)} comparison tables; pick one with --table N or --heading H: "
        + "; ".join(_about(n, t) for n, t in candidates),
        path=note.path,
    )


def _about(number: int, table: Table) -> str:
    heading = f" under '{table.section[-1]}'" if table.section else ""
    return f"table {number} at line {table.line}{heading}"


def _listing(tables: Sequence[Table]) -> str:
    if not tables:
        return "there is nothing to adopt"
    return "its tables: " + "; ".join(_about(n, t) for n, t in enumerate(tables, start=1))


def plan_adopt(
    paths: VaultPaths,
    connection: sqlite3.Connection,
    config: Config,
    note_path: str,
    choice: Choice,
    folder: str,
) -> AdoptPlan:
    """Everything adopting the table would write, read from the vault as it is now."""
    root = paths.root
    data, seen = read_stable(root / note_path)
    note = parse_note(data, note_path)
    number, table = choose_table(note, choice)
    kept = read_kept_table(table)
    if not kept.rows:
        raise VaultkitError(
            f"table {number} at line {table.line} has no row with a name in its first column",
            path=note_path,
        )
    _check_selection(config, folder)
    writes, reports = _row_writes(paths, connection, config, note_path, kept, folder)
    reports += _table_reports(kept)
    new = with_region(data, kept.line, kept.end_line, REGION)
    writes.append(Planned(root / note_path, data, new, WriteStatus.WRITTEN, seen=seen, note=True))
    config_write, said = _plan_config(root, config, note_path, kept)
    reports += said
    if config_write is not None:
        writes.append(config_write)
    retired, said = _plan_retire(root, config)
    reports += said
    return AdoptPlan(note_path, kept, number, writes, reports, retired)


def _row_writes(
    paths: VaultPaths,
    connection: sqlite3.Connection,
    config: Config,
    note_path: str,
    kept: KeptTable,
    folder: str,
) -> tuple[list[Planned], list[str]]:
    """One write per row (a new note or a merge), each note written at most once."""
    titles = _titles(connection)
    reports: list[str] = []
    writes: list[Planned] = []
    taken = {str(paths.root / note_path).casefold()}
    for row in kept.rows:
        planned, said = _plan_row(paths, connection, config, note_path, row, folder, titles)
        reports += said
        if planned is None:
            continue
        if str(planned.path).casefold() in taken:
            reports.append(
                f"line {row.line}: '{row.name}' names a note a row above adopts, or the table's "
                "own note; skipped"
            )
            continue
        taken.add(str(planned.path).casefold())
        writes.append(planned)
    return writes, reports


def _table_reports(kept: KeptTable) -> list[str]:
    """What of the table is not adopted as items: cells kept whole, rows skipped."""
    reports = [
        f"line {row.line}: the '{column.name}' cell of '{row.name}' is kept whole (its <br> "
        "tags are not all line breaks)"
        for row in kept.rows
        for column in row.columns
        if column.verbatim
    ]
    empty = [line for line in kept.skipped if line not in kept.unnamed]
    if empty:
        reports.append(
            f"skipped empty row(s) at line(s) {', '.join(map(str, empty))} (removed with the "
            "table; the backup keeps them)"
        )
    if kept.unnamed:
        reports.append(
            f"row(s) at line(s) {', '.join(map(str, kept.unnamed))} have no name in the first "
            "column: their cells are not adopted (the backup keeps them)"
        )
    return reports


def _plan_retire(root: Path, config: Config) -> tuple[Planned | None, list[str]]:
    """The generated file the Topics dashboard wrote until now, if it is to go."""
    current = next((d for d in config.dashboards if d.name == "topics"), None)
    if current is None or current.region is not None or not current.enabled:
        return None, []
    path = root / current.target_path
    try:
        data, seen = read_stable(path)
    except (OSError, BeingWrittenError):
        return None, []
    rest = data.removeprefix(BOM)
    generated = read_generated(rest)
    if generated is None:
        return None, []
    stored, content = generated
    if markers.hash_bytes(content) != stored:
        return None, [
            f"{current.target_path} was edited since vaultkit wrote it; the Topics dashboard "
            "no longer goes there, so move your text out and delete it"
        ]
    return Planned(path, data, None, WriteStatus.UNCHANGED, seen=seen), []


def _check_selection(config: Config, folder: str) -> None:
    """Refuse to make notes the next sync would not take for topics."""
    settings = config.topics
    if settings.tag or settings.property:
        return
    wanted = settings.folder.strip("/")
    if not wanted:
        raise VaultkitError(
            "[topics] selects no notes (tag, folder and property are all empty); set "
            'tag = "topic" there, then run adopt again',
            path=str(CONFIG_PATH),
        )
    if folder != wanted and not folder.startswith(wanted + "/"):
        raise VaultkitError(
            f"[topics] takes the notes in {wanted!r} for topics, and --folder {folder!r} is "
            "not in it; leave --folder out or name a folder inside it",
            path=str(CONFIG_PATH),
        )


def _titles(connection: sqlite3.Connection) -> dict[str, list[str]]:
    """Note name (case-folded) -> the vault paths of the notes of that name."""
    found: dict[str, list[str]] = {}
    for path, title in connection.execute(
        f"SELECT path, title FROM notes WHERE path NOT IN ({HIDDEN_NOTES}) ORDER BY path"
    ):
        found.setdefault(title.casefold(), []).append(path)
    return found


def _plan_row(
    paths: VaultPaths,
    connection: sqlite3.Connection,
    config: Config,
    note_path: str,
    row: KeptRow,
    folder: str,
    titles: dict[str, list[str]],
) -> tuple[Planned | None, list[str]]:
    """The write for one row: a new note, or the row merged into the note it names."""
    root = paths.root
    existing: str | None = None
    if row.link is not None:
        resolved = connection.execute(
            "SELECT resolved FROM links WHERE note = ? AND line = ? AND target = ? "
            "AND resolved IS NOT NULL",
            (note_path, row.line, row.link),
        ).fetchone()
        existing = resolved[0] if resolved else None
    name = file_name(row.link.rsplit("/", 1)[-1] if row.link else row.name)
    if existing is None:
        same = titles.get(name.casefold(), [])
        in_folder = [p for p in same if p.rsplit("/", 1)[0] == folder] if folder else []
        if len(in_folder) == 1 or len(same) == 1:
            existing = (in_folder or same)[0]
        elif len(same) > 1:
            return None, [
                f"line {row.line}: several notes are named '{name}' ({', '.join(same)}); "
                "link the one to adopt in the first cell ([[Folder/Note]]) and run again"
            ]
    if existing is None:
        target = f"{folder}/{name}.md" if folder else f"{name}.md"
        text = new_topic_note(row, Selection(config.topics.tag, config.topics.property), name)
        return Planned(root / target, None, text.encode("utf-8"), WriteStatus.CREATED), []
    return _plan_merge(paths, config, existing, row)


def _plan_merge(
    paths: VaultPaths, config: Config, path: str, row: KeptRow
) -> tuple[Planned | None, list[str]]:
    data, seen = read_stable(paths.root / path)
    note = parse_note(data, path)
    reports: list[str] = []
    has_front = data.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].rstrip() == b"---"
    if (
        has_front
        and not note.properties
        and any(d.code.startswith(("yaml", "frontmatter")) for d in note.diagnostics)
    ):
        return None, [f"{path}: its front matter cannot be read; fix it and run again"]
    selection = Selection(config.topics.tag, config.topics.property)
    tags = [t.casefold() for t in note.tags]
    wanted = config.topics.tag.casefold()
    if (
        selection.tag
        and "tags" in {k.casefold() for k in note.properties}
        and not any(t == wanted or t.startswith(wanted + "/") for t in tags)
    ):
        reports.append(f"{path}: add the tag #{config.topics.tag} to its tags to make it a topic")
    new, _, kept = merged_note(
        data, (h.text for h in note.headings), dict(note.properties), has_front, row, selection
    )
    if kept:
        reports.append(
            f"{path}: has its own {', '.join(repr(k) for k in kept)} section(s); left alone"
        )
    if new == data:
        return None, reports
    return Planned(paths.root / path, data, new, WriteStatus.WRITTEN, seen=seen, note=True), reports


def _plan_config(
    root: Path, config: Config, note_path: str, kept: KeptTable
) -> tuple[Planned | None, list[str]]:
    """The config's new keys: the Topics dashboard into the region, the table's columns."""
    path = root / CONFIG_PATH
    try:
        old: bytes | None = path.read_bytes()
    except FileNotFoundError:
        old = None
    except OSError as exc:
        raise VaultkitError(f"cannot be read ({exc.strerror})", path=str(CONFIG_PATH)) from None
    text = (old or b"").decode("utf-8", errors="strict") if old else ""
    target = f"{note_path}#{REGION}"
    values: list[tuple[tuple[str, ...], object]] = []
    reports: list[str] = []
    current = setting(text, ("dashboards", "topics", "target"))
    if current is None:
        values.append((("dashboards", "topics", "target"), target))
    elif current != target:
        raise VaultkitError(
            f"sets the Topics dashboard's target to {current!r}; adopting would move it to "
            f"{target!r}: change or remove that line, then run adopt again",
            path=str(CONFIG_PATH),
        )
    properties = list(dict.fromkeys(k for row in kept.rows for k, _ in row.properties))
    columns = topic_columns(kept.columns, properties)
    if setting(text, ("topics", "columns")) is None:
        values.append((("topics", "columns"), columns))
    else:
        shown = {c.casefold() for c in config.topics.columns}
        missing = [c for c in columns if c.casefold() not in shown]
        if missing:
            reports.append(
                f"{CONFIG_PATH}: [topics] columns leaves out {', '.join(map(repr, missing))}; "
                "add them to see them in the table"
            )
    if setting(text, ("topics", "sort")) is None:
        values.append((("topics", "sort"), "rank"))
    if not values:
        return None, reports
    header = (
        ""
        if old
        else "# vaultkit settings; `vaultkit init` writes a file with every key explained.\n"
    )
    new = (header + with_settings(text, values)).encode("utf-8")
    return Planned(
        path, old, new, WriteStatus.CREATED if old is None else WriteStatus.WRITTEN
    ), reports


def quiet_wait(plan: AdoptPlan, paths: VaultPaths, quiet_seconds: float) -> float:
    """Seconds until the table's note has been left alone for the quiet period (0: now)."""
    for planned in plan.writes:
        if planned.path == paths.root / plan.note and planned.seen is not None:
            return max(quiet_left(planned.seen, quiet_seconds), 0.0)
    return 0.0


def run_adopt(
    paths: VaultPaths,
    config: Config,
    note_path: str,
    choice: Choice,
    folder: str,
    *,
    preview: bool,
    on_wait: Callable[[float], None],
) -> tuple[AdoptPlan, list[Planned] | None]:
    """Plan the adoption and, unless ``preview``, carry it out under the vault's writer lock:
    ``(plan, results)``, results None for a preview. A table's note saved just now may be
    being typed in: it is written once it has been left alone for the quiet period (the wait
    announced through ``on_wait``), from what it holds then."""
    quiet = config.vault.quiet_seconds
    # A preview writes nothing into the vault: no writer lock, so it runs beside a watcher.
    with nullcontext() if preview else vault_lock(paths, "adopt", timeout=LOCK_TIMEOUT):
        plan = _plan_now(paths, config, note_path, choice, folder)
        if preview:
            return plan, None
        if (wait := quiet_wait(plan, paths, quiet)) > 0:
            on_wait(wait)
            time.sleep(wait)
            plan = _plan_now(paths, config, note_path, choice, folder)
        return plan, carry_out(plan, paths, quiet)


def _plan_now(
    paths: VaultPaths, config: Config, note_path: str, choice: Choice, folder: str
) -> AdoptPlan:
    connection, _ = update_index(paths)
    with closing(connection):
        return plan_adopt(paths, connection, config, note_path, choice, folder)


def carry_out(plan: AdoptPlan, paths: VaultPaths, quiet_seconds: float) -> list[Planned]:
    """Write the plan, new notes first and the table's note after them, so that a run
    stopped half-way leaves the table in place; the table's note is backed up first."""
    results = []
    for planned in plan.writes:
        is_table_note = planned.path == paths.root / plan.note
        done = apply(
            planned,
            vault=paths.root,
            backup_dir=paths.backups if is_table_note else None,
            quiet_seconds=quiet_seconds,
        )
        results.append(done)
        if done.status in (WriteStatus.CONFLICT, WriteStatus.ERROR, WriteStatus.DEFERRED):
            return results
    if plan.retired is not None:
        results.append(remove_file(plan.retired, vault=paths.root))
    return results
