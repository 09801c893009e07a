"""``python -m benchmarks``: the benchmark suite of design section 11, in one command.

This module owns the command line and the order of a run: for each vault shape and size, get
the generated vault (cached), measure the floors, copy the vault, measure vaultkit (cold,
warm, hook, watch, memory), the hook floor and the change classes of issue 18
(:mod:`benchmarks.changes`), run the peer once, then print the markdown report and write the
JSON.
Progress goes to stderr, the report to stdout. Nothing here reaches the network.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.changes import (
    Snapshot,
    change_classes,
    changes_made,
    measure_change,
    measure_hook_floor,
)
from benchmarks.generate import SHAPES
from benchmarks.measure import (
    WATCH_TIMEOUT,
    child_env,
    find_task,
    find_topic_tasks,
    measure_cold,
    measure_hook,
    measure_warm_cli,
    measure_warm_inprocess,
    measure_watch,
    run_child,
    topic_notes,
    warm_check,
)
from benchmarks.peer import peer_available, run_peer
from benchmarks.report import SizeResult, machine_info, markdown, to_json
from benchmarks.vaults import DEFAULT_WORK_DIR, cached_vault, working_copy

__all__ = ["main"]

DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "latest.json"
QUICK_NOTES = 60
DEFAULT_DEBOUNCE_MS = 500
"""vaultkit's default ``debounce_ms``."""


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give note counts like 1000,10000") from None
    if not sizes or any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"{text!r}: give note counts like 1000,10000")
    return sizes


def _shapes(text: str) -> list[str]:
    shapes = [part.strip() for part in text.split(",") if part.strip()]
    if text.strip() == "all":
        return list(SHAPES)
    unknown = [shape for shape in shapes if shape not in SHAPES]
    if not shapes or unknown:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give vault shapes among {', '.join(SHAPES)} (comma-separated), or all"
        )
    return list(dict.fromkeys(shapes))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure vaultkit against its floors and obsidiantools on synthetic "
        "vaults (design section 11). Example: python -m benchmarks --notes 1000,10000",
    )
    parser.add_argument("--notes", type=_sizes, help="vault sizes, comma-separated (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument(
        "--shape",
        type=_shapes,
        default=["default"],
        metavar="NAME",
        help=f"generated vault shape(s), comma-separated, or all ({', '.join(SHAPES)}; "
        "default: default)",
    )
    parser.add_argument("--runs", type=int, help="runs per figure, median reported (default 5)")
    parser.add_argument(
        "--cold-runs",
        type=int,
        help="runs of cold sync and of the parse floor (default: --runs, at most 3 from "
        "10,000 notes up)",
    )
    parser.add_argument(
        "--watch-runs", type=int, help="saves timed under vaultkit watch (default: --runs)"
    )
    parser.add_argument(
        "--debounce",
        type=int,
        default=DEFAULT_DEBOUNCE_MS,
        metavar="MS",
        help=f"vaultkit watch --debounce (default {DEFAULT_DEBOUNCE_MS})",
    )
    parser.add_argument("--no-peer", action="store_true", help="skip obsidiantools")
    parser.add_argument(
        "--no-changes",
        action="store_true",
        help="skip the change classes (edit, add, delete, rename, folder rename, date, config)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {QUICK_NOTES} notes unless --notes, 1 run each, no peer",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=DEFAULT_WORK_DIR,
        help="where generated vaults are cached and copies made (default benchmarks/.vaults)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=DEFAULT_JSON,
        metavar="PATH",
        help="where to write the JSON results (default benchmarks/results/latest.json)",
    )
    return parser


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _measure_size(
    notes: int, shape: str, args: argparse.Namespace, runs: int, today: str, peer: bool
) -> SizeResult:
    vault, stats, made = cached_vault(args.work_dir, notes, args.seed, shape)
    _say(
        f"[{notes:,} notes, {shape} shape] vault {vault} ({'generated' if made else 'cached'}; "
        f"{stats.bytes / 1e6:.1f} MB)"
    )
    started = time.perf_counter()
    cold_runs = args.cold_runs or (min(runs, 3) if notes >= 10_000 else runs)
    watch_runs = args.watch_runs or runs
    result = SizeResult(seed=args.seed, stats=stats, debounce_ms=args.debounce)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(prefix=f"run-n{notes}-", dir=args.work_dir))
    try:
        scratch_env = child_env(run_dir / "cache-floors", today)
        floors = run_child("floors", vault, scratch_env, "--runs", str(runs), "--parse-runs", "0")
        result.read_all.samples = list(floors["read_all"])
        _say(f"  floors: read {result.read_all.median:.3f} s ({floors['notes']} notes)")

        def parse_floor() -> None:
            # One bare parse right before each cold sync: the two alternate, and each cold
            # sync is judged against the parse beside it (SizeResult.cold_over_parse).
            parsed = run_child("floors", vault, scratch_env, "--runs", "0", "--parse-runs", "1")
            result.parse.samples.extend(parsed["parse"])
            _say(f"  markdown-it parse {parsed['parse'][0]:.2f} s")

        copy = working_copy(vault, run_dir)
        result.cold, cache = measure_cold(
            copy, run_dir, today, cold_runs, result.notes, floor=parse_floor
        )
        env = child_env(cache, today)
        warm_check(copy, env, result.notes)
        result.warm_command, result.walk_command, result.warm_full = measure_warm_cli(
            copy, env, runs, result.notes
        )
        result.warm_inprocess, result.walk_inprocess = measure_warm_inprocess(
            copy, env, runs, result.notes
        )
        toggle = find_task(copy, env)
        _say(f"  ticking {toggle.path.relative_to(copy)}:{toggle.line + 1}")
        result.hook, result.hook_unchanged = measure_hook(copy, env, toggle, runs, result.notes)
        reading = find_task(copy, env, reading_list=True)
        _say(f"  ticking reading-list entry {reading.path.relative_to(copy)}:{reading.line + 1}")
        result.hook_reading, _ = measure_hook(copy, env, reading, runs, result.notes)
        # A slow vaultkit on a big vault must not be mistaken for a watcher that never syncs.
        timeout = max(WATCH_TIMEOUT, 20 * result.warm_command.median)
        result.watch = measure_watch(
            copy, env, toggle, args.debounce, watch_runs, result.notes, timeout
        )
        result.hook_floor = measure_hook_floor(env, runs, result.notes)
        if not args.no_changes:
            shown = topic_notes(copy, env)
            topics = find_topic_tasks(copy, env, max(runs, watch_runs), shown)
            # Each run of a deletion deletes another note.
            deletions = changes_made(runs, watch_runs)
            if len(shown) < deletions:
                _say(
                    f"  {len(shown)} topic notes, fewer than the {deletions} deletions: "
                    "no 'delete a note the Topics table shows' row"
                )
            if not topics:
                _say("  no topic note holds a task: no 'edit a task in a topic note' row")
            for topic in topics:
                _say(f"  ticking topic note {topic.path.relative_to(copy)}:{topic.line + 1}")
            _say("  change classes, each on a fresh copy of the synced vault…")
            snapshot = Snapshot(copy, cache, run_dir / "snapshot")
            classes = change_classes(
                toggle, topics, shown, today, delete_topics=len(shown) >= deletions
            )
            for change in classes:
                result.changes.append(
                    measure_change(
                        change,
                        snapshot,
                        env,
                        runs,
                        watch_runs,
                        args.debounce,
                        timeout,
                        result.notes,
                    )
                )
        if peer:
            _say("  obsidiantools (once; slow)…")
            result.peer = run_peer(vault, scratch_env)
            _say(f"  obsidiantools: {result.peer.seconds:.1f} s")
            if result.peer.notes != stats.notes:
                result.notes.append(
                    f"obsidiantools found {result.peer.notes} notes of {stats.notes}"
                )
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    return result


def _byte_compile() -> None:
    """Write vaultkit's bytecode once, as ``pip install .`` does.

    An editable install run with ``PYTHONDONTWRITEBYTECODE`` set (as some shells and CI images
    do) would otherwise compile every module again in every timed process.
    """
    import compileall

    import vaultkit

    compileall.compile_dir(Path(vaultkit.__file__).parent, quiet=1)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _byte_compile()
    sizes: list[int] = args.notes or ([QUICK_NOTES] if args.quick else [10_000])
    runs: int = args.runs or (1 if args.quick else 5)
    if args.quick and args.cold_runs is None:
        args.cold_runs = 1
    peer = not (args.no_peer or args.quick)
    if peer and not peer_available():
        _say("obsidiantools is not installed (pip install -e '.[bench]'); skipping the peer")
        peer = False
    today = dt.date.today().isoformat()  # pinned: a run crossing midnight stays comparable
    machine = machine_info()
    started = time.perf_counter()
    results = [
        _measure_size(notes, shape, args, runs, today, peer)
        for shape in args.shape
        for notes in sizes
    ]
    report = markdown(results, machine)
    sys.stdout.write(report)
    options = {
        "notes": sizes,
        "seed": args.seed,
        "shapes": args.shape,
        "changes": not args.no_changes,
        "runs": runs,
        "cold_runs": args.cold_runs,
        "watch_runs": args.watch_runs,
        "debounce_ms": args.debounce,
        "peer": peer,
        "quick": args.quick,
        "today": today,
        "seconds": time.perf_counter() - started,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    data = to_json(results, machine, options)
    data["markdown"] = report
    args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _say(f"wrote {args.json} ({options['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
