"""vaultkit's own figures, taken through its command line (and ``run_sync`` in a child).

This module owns how each vaultkit figure is produced (design section 11):

* cold sync: ``vaultkit sync COPY`` with an empty index (a fresh cache folder) and
  the dashboards deleted, process start included, with its peak memory;
* warm sync, command: ``vaultkit sync COPY`` with nothing changed, alternated with the
  ``python -c`` walk+stat floor; warm sync, in-process: ``run_sync`` in a child interpreter
  (:mod:`benchmarks.child`);
* one note changed: tick or untick a task, then ``vaultkit hook COPY --file NOTE``;
* watch: ``vaultkit watch COPY --debounce MS`` running, a task ticked, and the time until
  the Status dashboard's bytes change on disk (polled every 5 ms).

Everything runs on a copy of the generated vault (vaultkit writes its dashboards into it).
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from benchmarks.floors import WALK_SCRIPT
from benchmarks.procs import Tracked, run_tracked
from vaultkit.index.meta import STAMP_KEY

__all__ = [
    "REPO_ROOT",
    "ColdRun",
    "Stage",
    "TaskToggle",
    "child_env",
    "find_task",
    "find_topic_tasks",
    "measure_cold",
    "measure_hook",
    "measure_warm_cli",
    "measure_warm_inprocess",
    "measure_watch",
    "run_child",
    "topic_notes",
    "vaultkit_command",
    "warm_check",
]

REPO_ROOT = Path(__file__).resolve().parents[1]
STATUS_DASHBOARD = Path("Dashboards/Status.md")
"""The built-in Status dashboard (config default target): task counts change with a tick."""
POLL_SECONDS = 0.005
WATCH_TIMEOUT = 60.0
"""Give up on one watch save after this long (plus the debounce), at the least."""

_TASK_LINE = re.compile(rb"^- \[([ x])\] \S")
_FENCE = re.compile(rb"^\s*(```|~~~)")


@dataclass(slots=True)
class Stage:
    """Repeated timings of one figure, in seconds."""

    samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    def to_json(self) -> dict[str, Any]:
        return {
            "median": self.median,
            "min": min(self.samples) if self.samples else None,
            "max": max(self.samples) if self.samples else None,
            "samples": self.samples,
        }


@dataclass(frozen=True, slots=True)
class ColdRun:
    seconds: float
    tree_peak_bytes: int | None
    maxrss_bytes: int


def vaultkit_command() -> list[str]:
    """The ``vaultkit`` console script of this interpreter, else ``python -m vaultkit``."""
    script = Path(sys.executable).parent / "vaultkit"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    found = shutil.which("vaultkit")
    return [found] if found else [sys.executable, "-m", "vaultkit"]


def child_env(cache_dir: Path, today: str) -> dict[str, str]:
    """The environment for every child: its own index folder, a pinned date, and
    ``benchmarks`` importable.

    On Linux the folder is given as the user's cache folder (``XDG_CACHE_HOME``), so that
    vaultkit finds its index as it does in real use, through platformdirs (~4 ms of the
    hook's imports that ``VAULTKIT_CACHE_DIR`` would spare it); elsewhere, where the
    platform's cache folder is not an environment variable, as ``VAULTKIT_CACHE_DIR``."""
    env = dict(os.environ)
    env.pop("VAULTKIT_CACHE_DIR", None)
    if sys.platform.startswith("linux"):
        env["XDG_CACHE_HOME"] = str(cache_dir)
    else:
        env["VAULTKIT_CACHE_DIR"] = str(cache_dir)
    env["VAULTKIT_TODAY"] = today
    env.pop("VAULTKIT_DEBUG", None)
    previous = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(REPO_ROOT) + (os.pathsep + previous if previous else "")
    return env


def _index_files(env: dict[str, str]) -> list[Path]:
    """The index files of the children run with ``env`` (:func:`child_env`), where vaultkit's
    cache folder rule puts them on Linux (``XDG_CACHE_HOME/vaultkit``); none found is an
    error, not a figure measured on something else."""
    if "VAULTKIT_CACHE_DIR" in env:
        folder = Path(env["VAULTKIT_CACHE_DIR"])
    else:
        folder = Path(env["XDG_CACHE_HOME"]) / "vaultkit"
    found = sorted(folder.glob("*.sqlite3"))
    if not found:
        raise RuntimeError(f"no vaultkit index in {folder}: has its cache folder moved?")
    return found


def _checked(tracked: Tracked, what: str, notes: list[str], ok: tuple[int, ...] = (0,)) -> None:
    if tracked.returncode not in ok:
        raise RuntimeError(f"{what} exited with {tracked.returncode}:\n{tracked.stderr[-3000:]}")
    if tracked.returncode != 0:
        notes.append(f"{what} exited with {tracked.returncode}: {_first_lines(tracked)}")


_LONG_WORK_LINE = re.compile(r"vaultkit: (indexing [\d,]+ notes|sync done in )")
"""The lines a long sync writes on stderr about itself (README: "Long work")."""


def _first_lines(tracked: Tracked, count: int = 3) -> str:
    lines = [line for line in (tracked.stderr + tracked.stdout).splitlines() if line.strip()]
    return " | ".join(lines[:count])


def run_child(kind: str, vault: Path, env: dict[str, str], *extra: str) -> dict[str, Any]:
    """Run ``python -m benchmarks.child KIND VAULT ...`` and return its JSON."""
    tracked = run_tracked(
        [sys.executable, "-m", "benchmarks.child", kind, str(vault), *extra], env=env
    )
    if tracked.returncode != 0:
        raise RuntimeError(f"benchmarks.child {kind} failed:\n{tracked.stderr[-3000:]}")
    data: dict[str, Any] = json.loads(tracked.stdout.strip().splitlines()[-1])
    return data


def measure_cold(
    copy: Path,
    run_dir: Path,
    today: str,
    runs: int,
    notes: list[str],
    floor: Callable[[], None] | None = None,
) -> tuple[list[ColdRun], Path]:
    """Cold syncs; returns them and the index folder of the last (kept for the rest).
    ``floor`` runs right before each (the bare parse it is judged against), so that the
    two alternate."""
    found: list[ColdRun] = []
    cache = run_dir / "cache"
    for attempt in range(runs):
        shutil.rmtree(cache, ignore_errors=True)  # an empty index every time
        cache.mkdir(parents=True)
        shutil.rmtree(copy / STATUS_DASHBOARD.parent, ignore_errors=True)
        shutil.rmtree(copy / ".vaultkit", ignore_errors=True)
        if floor is not None:
            floor()
        tracked = run_tracked(
            [*vaultkit_command(), "sync", str(copy)],
            env=child_env(cache, today),
            sample_memory=True,
        )
        _checked(tracked, "cold vaultkit sync", notes, ok=(0, 1))
        # Long work is announced and timed on stderr (vaultkit.feedback); anything else there
        # is worth a note.
        other = [
            line
            for line in tracked.stderr.splitlines()
            if line.strip() and not _LONG_WORK_LINE.match(line)
        ]
        if attempt == 0 and other:
            notes.append(f"cold sync printed on stderr: {' | '.join(other[:3])}")
        found.append(ColdRun(tracked.seconds, tracked.tree_peak_bytes, tracked.maxrss_bytes))
        _progress(f"cold sync {attempt + 1}/{runs}: {tracked.seconds:.2f} s")
    return found, cache


def warm_check(copy: Path, env: dict[str, str], notes: list[str]) -> dict[str, Any]:
    """Settle the index, then check that a warm sync parses and writes nothing."""
    vaultkit = vaultkit_command()
    _checked(run_tracked([*vaultkit, "sync", str(copy)], env=env), "settling sync", notes, (0, 1))
    tracked = run_tracked([*vaultkit, "sync", "--json", str(copy)], env=env)
    _checked(tracked, "warm vaultkit sync --json", notes, (0, 1))
    data: dict[str, Any] = json.loads(tracked.stdout)
    written = [f["path"] for f in data["files"] if f["status"] in ("written", "created")]
    if written:
        notes.append(f"a warm sync with nothing changed wrote {', '.join(written)}")
    if data["parsed"]:
        notes.append(f"a warm sync with nothing changed re-parsed {len(data['parsed'])} notes")
    return {"written": written, "parsed": len(data["parsed"])}


STILL_SECONDS = 2.2
"""How long the vault sits still before the warm figures: vaultkit does not vouch for files
written within the last 2 s (``vaultkit.index.meta.RACY_SLACK_NS``), and a warm sync in real use
comes long after the last save, not right after the cold sync wrote the dashboards."""


def _withhold_stamp(env: dict[str, str]) -> None:
    """Delete the sync stamp from the run's index, so the next sync takes the full path."""
    for index in _index_files(env):
        with closing(sqlite3.connect(index, timeout=10)) as connection, connection:
            connection.execute("DELETE FROM meta WHERE key = ?", (STAMP_KEY,))


def measure_warm_cli(
    copy: Path, env: dict[str, str], runs: int, notes: list[str]
) -> tuple[Stage, Stage, Stage]:
    """``vaultkit sync`` and the ``python -c`` walk+stat floor, alternately; and the same
    sync with its stamp withheld (the full pipeline finding nothing to do)."""
    sync, walk, full = Stage(), Stage(), Stage()
    vaultkit = vaultkit_command()
    time.sleep(STILL_SECONDS)
    settle = run_tracked([*vaultkit, "sync", str(copy)], env=env)
    _checked(settle, "settling vaultkit sync", notes, (0, 1))
    for _ in range(runs):
        tracked = run_tracked([*vaultkit, "sync", str(copy)], env=env)
        _checked(tracked, "warm vaultkit sync", notes, (0, 1))
        sync.samples.append(tracked.seconds)
        floor = run_tracked([sys.executable, "-c", WALK_SCRIPT, str(copy)], env=env)
        _checked(floor, "walk+stat floor", notes)
        walk.samples.append(floor.seconds)
        _withhold_stamp(env)
        tracked = run_tracked([*vaultkit, "sync", str(copy)], env=env)
        _checked(tracked, "warm vaultkit sync, stamp withheld", notes, (0, 1))
        full.samples.append(tracked.seconds)
    _progress(
        f"warm sync (command): {sync.median:.3f} s; walk+stat (python -c) {walk.median:.3f} s; "
        f"full path {full.median:.3f} s"
    )
    return sync, walk, full


def measure_warm_inprocess(
    copy: Path, env: dict[str, str], runs: int, notes: list[str]
) -> tuple[Stage, Stage]:
    """``run_sync`` in a child interpreter and the in-process walk+stat floor, alternately."""
    data = run_child("warm", copy, env, "--runs", str(runs))
    if data["notes_parsed"] or data["files_written"]:
        notes.append(
            f"in-process warm syncs parsed {data['notes_parsed']} notes and wrote "
            f"{data['files_written']} files in {runs} runs (expected none)"
        )
    sync, walk = Stage(list(data["sync"])), Stage(list(data["walk"]))
    _progress(f"warm sync (in-process): {sync.median:.3f} s; walk+stat {walk.median:.4f} s")
    return sync, walk


_BLOCK_ID_END = re.compile(rb" \^[A-Za-z0-9-]+$")
_DONE_DATE_END = re.compile(rb" \xe2\x9c\x85 \d{4}-\d{2}-\d{2}(?= \^[A-Za-z0-9-]+$|$)")
"""A done date where the Tasks plugin writes it: last on the line, but for a block id."""


class TaskToggle:
    """One top-level task of one note, ticked and unticked in turn (each a real change).

    With ``done_date``, as the Tasks plugin ticks with its default settings: the tick also
    writes ``✅ <done_date>`` at the end of the line (before a block id), the untick takes
    the task's done date away (the one it came with, too)."""

    def __init__(self, path: Path, line: int, done_date: str | None = None) -> None:
        self.path = path
        self.line = line
        """0-based line number of the task."""
        self.done = f" \u2705 {done_date}".encode() if done_date else b""

    def toggle(self) -> None:
        lines = self.path.read_bytes().split(b"\n")
        text = lines[self.line]
        if text.startswith(b"- [ ] "):
            body = text[6:]
            block_id = _BLOCK_ID_END.search(body)
            at = block_id.start() if block_id else len(body)
            lines[self.line] = b"- [x] " + body[:at] + self.done + body[at:]
        elif text.startswith(b"- [x] "):
            body = text[6:]
            if self.done:
                body = _DONE_DATE_END.sub(b"", body, count=1)
            lines[self.line] = b"- [ ] " + body
        else:
            raise RuntimeError(f"{self.path}:{self.line + 1} is no longer a task: {text!r}")
        self.path.write_bytes(b"\n".join(lines))


def _candidate_lines(path: Path) -> list[int]:
    """Top-level ``- [ ]``/``- [x]`` lines outside fences, comments and front matter."""
    found: list[int] = []
    fenced = commented = False
    lines = path.read_bytes().split(b"\n")
    start = 0
    if lines and lines[0].rstrip() == b"---":
        for at in range(1, len(lines)):
            if lines[at].rstrip() == b"---":
                start = at + 1
                break
    for at in range(start, len(lines)):
        line = lines[at]
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if line.count(b"%%") % 2 == 1:
            commented = not commented
            continue
        if not fenced and not commented and b"%%" not in line and _TASK_LINE.match(line):
            found.append(at)
    return found


def _is_reading(line: bytes) -> bool:
    """Whether a task line mentions a web page (a markdown link, or a bare URL)."""
    return b"://" in line


TOPIC_NOTES_SQL = (
    "SELECT DISTINCT note FROM tags WHERE tag = 'topic' COLLATE NOCASE "
    "OR lower(substr(tag, 1, 6)) = 'topic/' ORDER BY note"
)
"""The notes the default ``[topics]`` settings make topics (tagged ``#topic`` or below it),
asked of the index through ``vaultkit query``."""


def find_task(copy: Path, env: dict[str, str], *, reading_list: bool = False) -> TaskToggle:
    """A task in a regular note that vaultkit itself lists (asked through ``vaultkit tasks``):
    with ``reading_list``, one that links an external URL (a reading-list entry, whose tick
    also moves the Resources dashboard); else one that links none (Status alone moves)."""
    found = _find_task(copy, env, reading_list=reading_list)
    if found is None:
        kind = "reading-list task" if reading_list else "task without external links"
        raise RuntimeError(f"no {kind} found to tick in the generated vault")
    return found


def topic_notes(copy: Path, env: dict[str, str]) -> list[Path]:
    """The vault's regular notes (not daily notes) that the Topics table shows, in path
    order, asked of the index through ``vaultkit query``."""
    tracked = run_tracked(
        [*vaultkit_command(), "query", "--json", "--vault", str(copy), TOPIC_NOTES_SQL], env=env
    )
    if tracked.returncode != 0:
        raise RuntimeError(f"vaultkit query failed: {tracked.stderr.strip()}")
    # Regular notes only, as the other classes' (a daily note's tick would render Habits too).
    regular = ("Projects/", "Areas/", "Resources/", "Meetings/", "Archive/")
    return [
        copy / row["note"] for row in json.loads(tracked.stdout) if row["note"].startswith(regular)
    ]


def find_topic_tasks(
    copy: Path, env: dict[str, str], count: int, topics: list[Path]
) -> list[TaskToggle]:
    """Tasks without external links in up to ``count`` of the ``topics`` (notes the Topics
    table shows, :func:`topic_notes`: a tick moves the note's progress column), one per note,
    the notes spread evenly over them: at thousands of topics each tick falls in another
    block of the table, as a user's day of ticks does. Empty when no topic note holds one (a
    small vault of the default shape may have no topic at all)."""
    found: list[TaskToggle] = []
    taken: set[Path] = set()
    for k in range(min(count, len(topics))):
        start = k * len(topics) // count
        for note in topics[start:] + topics[:start]:
            if note in taken:
                continue
            taken.add(note)
            toggle = _task_in(copy, env, note, reading_list=False)
            if toggle is not None:
                found.append(toggle)
                break
    return found


def _find_task(
    copy: Path,
    env: dict[str, str],
    *,
    reading_list: bool,
) -> TaskToggle | None:
    for folder in ("Projects", "Areas", "Resources", "Meetings", "Archive"):
        for path in sorted((copy / folder).rglob("*.md")):
            toggle = _task_in(copy, env, path, reading_list=reading_list)
            if toggle is not None:
                return toggle
    return None


def _task_in(
    copy: Path, env: dict[str, str], path: Path, *, reading_list: bool
) -> TaskToggle | None:
    """A task of the note at ``path`` that vaultkit lists as one, with a link to the web or
    without as ``reading_list`` says; None when the note has none."""
    if not path.is_file():
        return None
    text = path.read_bytes().split(b"\n")
    lines = [at for at in _candidate_lines(path) if _is_reading(text[at]) == reading_list]
    if not lines:
        return None
    rel = path.relative_to(copy).as_posix()
    tracked = run_tracked(
        [*vaultkit_command(), "tasks", "--json", "--vault", str(copy), "--note", rel], env=env
    )
    if tracked.returncode != 0:
        return None
    listed = {int(task["line"]) - 1 for task in json.loads(tracked.stdout)}
    for line in lines:
        if line in listed:
            return TaskToggle(path, line)
    return None


def measure_hook(
    copy: Path, env: dict[str, str], toggle: TaskToggle, runs: int, notes: list[str]
) -> tuple[Stage, Stage]:
    """``vaultkit hook`` after a real change, and again with nothing changed."""
    changed, unchanged = Stage(), Stage()
    command = [*vaultkit_command(), "hook", str(copy), "--file", str(toggle.path)]
    for _ in range(runs):
        toggle.toggle()
        tracked = run_tracked(command, env=env)
        _checked(tracked, "vaultkit hook", notes, (0, 1))
        if STATUS_DASHBOARD.as_posix() not in tracked.stderr:
            notes.append(
                f"vaultkit hook did not report writing the Status dashboard: "
                f"{_first_lines(tracked) or '(silent)'}"
            )
        changed.samples.append(tracked.seconds)
        tracked = run_tracked(command, env=env)
        _checked(tracked, "vaultkit hook (nothing changed)", notes, (0, 1))
        unchanged.samples.append(tracked.seconds)
    _progress(f"hook: {changed.median:.3f} s; nothing changed {unchanged.median:.3f} s")
    return changed, unchanged


def _reader(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line.rstrip("\n"))


def start_watcher(
    copy: Path, debounce_ms: int, env: dict[str, str]
) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    """A ``vaultkit watch`` process on ``copy``, and the queue its log lines arrive on (read by
    a daemon thread, so waiting for a line can time out)."""
    proc = subprocess.Popen(
        [*vaultkit_command(), "watch", str(copy), "--debounce", str(debounce_ms)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stderr is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stderr, lines), daemon=True).start()
    return proc, lines


def stop_watcher(proc: subprocess.Popen[Any]) -> None:
    """Stop a ``vaultkit watch`` process as a service manager does (SIGTERM), killing it if it
    does not exit within 30 s."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def watch_failure(seen: list[str]) -> str | None:
    """The first log line of a watcher that reports a failed sync or a conflict."""
    return next((line for line in seen if " failed" in line or "conflict" in line), None)


def _wait_line(lines: queue.Queue[str], needle: str, timeout: float, seen: list[str]) -> str:
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"vaultkit watch never logged {needle!r}; it said: {seen[-5:]}")
        try:
            line = lines.get(timeout=remaining)
        except queue.Empty:
            continue
        seen.append(line)
        if needle in line:
            return line


def measure_watch(
    copy: Path,
    env: dict[str, str],
    toggle: TaskToggle,
    debounce_ms: int,
    repeats: int,
    notes: list[str],
    timeout: float = WATCH_TIMEOUT,
) -> Stage:
    """Save-to-dashboard latency of a running ``vaultkit watch``; ``timeout`` bounds one save
    (and, ten times over, the initial sync)."""
    latencies = Stage()
    status = copy / STATUS_DASHBOARD
    debounce = debounce_ms / 1000
    proc, lines = start_watcher(copy, debounce_ms, env)
    seen: list[str] = []
    try:
        first = _wait_line(lines, "initial sync", 10 * timeout, seen)
        if "failed" in first or "error" in first:
            notes.append(f"vaultkit watch: {first}")
        time.sleep(max(0.5, 2 * debounce))  # idle: any echo of its own writes has passed
        for _ in range(repeats):
            before = status.read_bytes()
            started = time.perf_counter()
            toggle.toggle()
            while True:
                time.sleep(POLL_SECONDS)
                elapsed = time.perf_counter() - started
                try:
                    if status.read_bytes() != before:
                        break
                except FileNotFoundError:
                    continue
                if elapsed > timeout + debounce:
                    raise TimeoutError(
                        f"the Status dashboard did not change; watch said {seen[-5:]}"
                    )
            latencies.samples.append(elapsed)
            _wait_line(lines, "sync:", timeout, seen)
            time.sleep(debounce + 0.3)  # let the echo of its writes settle
    finally:
        stop_watcher(proc)
    failure = watch_failure(seen)
    if failure:
        notes.append(f"vaultkit watch logged: {failure}")
    _progress(f"watch: {latencies.median:.3f} s (debounce {debounce:.3f} s)")
    return latencies


def _progress(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)
