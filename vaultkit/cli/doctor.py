"""``vaultkit doctor``: the one overview of a vault, its checks and their verdicts.

Each check reports what it found as one part of the JSON report (``vaultkit doctor --json``),
which :func:`vaultkit.cli.text.describe_doctor` words as one section per check: the config
(every error, with its line), the daily-note settings in force, the dashboards' templates
(compiled, not run), the dashboards a sync would write (``sync --check``'s answer), a running
watcher, the Obsidian and plugin settings read, the notes' diagnostics, links and the index.

What makes doctor exit 1 (:data:`vaultkit.errors.ExitStatus.PROBLEMS`) is listed in the
report's ``problems``: what stops a sync or needs the user (an invalid config, a template
error, a dashboard in conflict or in error, a note with an error diagnostic, a settings entry
that matches nothing, a damaged index). Stale dashboards are ``warnings``: ``vaultkit sync``
brings them up to date, and a vault with no watcher is stale after every edit.

Doctor writes nothing into the vault and takes no writer lock: it runs beside ``vaultkit
watch``. It brings the index up to date, as every command that reads it does.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vaultkit import __version__
from vaultkit.errors import VaultkitError
from vaultkit.vaultpaths import CONFIG_PATH, TEMPLATES_PATH, VaultPaths

if TYPE_CHECKING:
    from vaultkit.config.dashboards import Dashboard
    from vaultkit.config.schema import Config
    from vaultkit.obsidian.daily_notes import DailyNoteSettings

_STALE = "stale"
_CURRENT = "current"
_PROBLEM_STATES = frozenset({"conflict", "error"})


def check_vault(vault: Path, index_option: str | None) -> dict[str, Any]:
    """Every check's findings on ``vault`` (the ``--json`` report); ``index_option`` is
    ``--index``."""
    from vaultkit.cli.doctor_settings import plugin_settings, unmatched_exclude_warnings
    from vaultkit.index.queries import (
        diagnostics_by_note,
        hidden_task_comments,
        index_health,
        link_health,
        skipped_files,
    )
    from vaultkit.index.update import update_index
    from vaultkit.obsidian.settings import read_obsidian_settings

    _, settings_warnings = read_obsidian_settings(vault)
    config, config_report = _check_config(vault)
    # One record of the vault's paths for every check: its index is decided once.
    paths = VaultPaths(
        vault, index=index_option, configured=config.vault.index if config is not None else None
    )
    excludes = config.vault.excludes if config is not None else ()
    # The config's excludes, as a sync applies them: else reading the index re-adds them.
    connection, update = update_index(paths, excludes=excludes)
    with closing(connection):
        settings_warnings += unmatched_exclude_warnings(vault, connection, excludes)
        plugins, plugin_warnings = plugin_settings(vault, _daily_notes(vault, config))
        if config is None and "daily_notes" in plugins:
            plugins["daily_notes"]["config_unread"] = True
        settings_warnings += plugin_warnings
        found: dict[str, Any] = {
            "version": __version__,
            "vault": str(vault),
            "config": config_report,
            "settings_warnings": list(settings_warnings),
            "settings_read": plugins,
            "diagnostics": diagnostics_by_note(connection),
            "hidden_tasks": hidden_task_comments(connection),
            "links": link_health(connection),
            "skipped": skipped_files(connection),
            "index": {**index_health(connection, update.index_path), "rebuilt": update.rebuilt},
            "comparison_tables": _tables_to_adopt(vault, connection, config),
        }
    found["templates"] = _check_templates(paths, config)
    template_errors = sum(len(t["errors"]) for t in found["templates"])
    found["dashboards"] = _check_dashboards(paths, config, template_errors)
    found["watcher"], found["lock_holder"] = _check_watcher(paths)
    found["problems"], found["warnings"] = _verdicts(found)
    return found


def _check_config(vault: Path) -> tuple[Config | None, dict[str, Any]]:
    """The config as a sync reads it, and every error it has (with file and line)."""
    from vaultkit.config.load import load_config
    from vaultkit.dashboards.registry import BUILTINS
    from vaultkit.errors import ConfigError

    report: dict[str, Any] = {
        "file": CONFIG_PATH.as_posix(),
        "exists": (vault / CONFIG_PATH).is_file(),
        "valid": True,
        "errors": [],
        "complete": True,
    }
    try:
        return load_config(vault, BUILTINS), report
    except ConfigError as exc:
        problems = exc.problems
        # A problem standing for itself stopped the reading (a TOML syntax error, a file that
        # cannot be read): there may be more behind it.
        report["complete"] = problems[0] is not exc
    except VaultkitError as exc:
        problems, report["complete"] = (exc,), False
    report["valid"] = False
    report["errors"] = [_error_json(problem) for problem in problems]
    return None, report


def _error_json(error: VaultkitError, vault: Path | None = None) -> dict[str, Any]:
    """An error's file (vault-relative when in ``vault``), line and message, and the line
    doctor shows for it."""
    path = error.path
    if path is not None and vault is not None and Path(path).is_absolute():
        with suppress(ValueError):
            path = Path(path).relative_to(vault).as_posix()
    where = "" if path is None else (path if error.line is None else f"{path}:{error.line}")
    text = " ".join(error.message.split("\n"))
    return {
        "file": path,
        "line": error.line,
        "message": error.message,
        "text": f"{where}: {text}" if where else text,
    }


def _daily_notes(vault: Path, config: Config | None) -> DailyNoteSettings:
    """The daily-note settings in force, and the file they come from (Obsidian's, when the
    config cannot be read: a sync would refuse to run until it is fixed)."""
    from vaultkit.obsidian.daily_notes import DailyNoteSettings, read_daily_note_settings
    from vaultkit.vault import CONFIG_DIR

    obsidian = read_daily_note_settings(vault, CONFIG_DIR)
    if config is None:
        return obsidian
    wanted = (config.daily_notes.folder.strip("/"), config.daily_notes.format)
    if wanted == (obsidian.folder, obsidian.format):
        return obsidian
    return DailyNoteSettings(*wanted, source=CONFIG_PATH.as_posix())


def _tables_to_adopt(
    vault: Path, connection: sqlite3.Connection, config: Config | None
) -> list[dict[str, Any]]:
    """With no topic notes, the comparison tables ``vaultkit adopt`` could make them from."""
    import shlex

    from vaultkit.dashboards.kept_tables import comparison_tables
    from vaultkit.dashboards.topics import has_topics

    if config is None or has_topics(connection, config.topics):
        return []
    tables = comparison_tables(connection)
    for table in tables:
        table["command"] += f" --vault {shlex.quote(str(vault))}"
    return tables


def _enabled(config: Config | None) -> list[Dashboard]:
    """The enabled dashboards; the built-ins when the config cannot be read."""
    from vaultkit.config.dashboards import default_dashboards
    from vaultkit.dashboards.registry import BUILTINS

    dashboards = config.dashboards if config is not None else default_dashboards(BUILTINS)
    return [dashboard for dashboard in dashboards if dashboard.enabled]


def _check_templates(paths: VaultPaths, config: Config | None) -> list[dict[str, Any]]:
    """Each enabled dashboard's template (the vault's own, else the built-in), compiled with
    what it includes; its errors with their file and line."""
    from vaultkit.dashboards.render import check_template, make_environment

    # No cache folder: doctor leaves no compiled templates behind.
    env = make_environment(paths.root, (), templates=paths.templates)
    checked = []
    for dashboard in _enabled(config):
        own = (paths.templates / dashboard.template).is_file()
        checked.append(
            {
                "dashboard": dashboard.name,
                "template": dashboard.template,
                "source": (TEMPLATES_PATH / dashboard.template).as_posix() if own else "built-in",
                "errors": [
                    _error_json(error, paths.root.resolve())
                    for error in check_template(env, dashboard.template)
                ],
            }
        )
    return checked


def _check_dashboards(
    paths: VaultPaths, config: Config | None, template_errors: int
) -> dict[str, Any]:
    """What ``vaultkit sync --check`` would find: each enabled dashboard current, stale or in
    conflict. A dry run of the sync itself, without the writer lock (it writes nothing)."""
    from vaultkit.sync.outcome import WRITTEN, sync_outcome
    from vaultkit.sync.run import run_sync

    report: dict[str, Any] = {"checked": False, "reason": "", "error": None, "files": []}
    if config is None:
        report["reason"] = "the config is invalid"
        return report
    if template_errors:
        report["reason"] = "a template has errors"
        return report
    try:
        result = run_sync(paths, dry_run=True, lock=False, progress=False)
    except VaultkitError as exc:
        report["reason"] = "a sync would stop with this error"
        report["error"] = _error_json(exc, paths.root.resolve())
        return report
    outcome = sync_outcome(result, paths.root)
    names: dict[str, list[str]] = {}
    for dashboard in _enabled(config):
        target = dashboard.target_path
        shown = f"{dashboard.name}#{dashboard.region}" if dashboard.region else dashboard.name
        names.setdefault(target, []).append(shown)
    report["checked"] = True
    for item in outcome.files:
        state = item.status
        if state in WRITTEN:
            state = _STALE
        elif state == "unchanged":
            state = _CURRENT
        report["files"].append(
            {
                "path": item.path,
                "dashboards": names.get(item.path, []),
                "state": state,
                "line": item.line,
                "message": item.message,
            }
        )
    return report


def _check_watcher(paths: VaultPaths) -> tuple[dict[str, Any], dict[str, object] | None]:
    """Whether ``vaultkit watch`` runs on the vault (its pid), from the lock holder's record;
    and the holder itself (a sync or hook while it runs)."""
    from vaultkit.sync.lock import lock_holder

    holder = lock_holder(paths)
    watching = holder is not None and holder["purpose"] == "watch"
    pid = holder["pid"] if holder is not None and watching else None
    return {"running": watching, "pid": pid}, holder


def _verdicts(found: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The problems (exit 1) and the warnings, one line each."""
    problems: list[str] = []
    warnings: list[str] = []
    config = found["config"]
    if not config["valid"]:
        problems.append(f"config: {_count(len(config['errors']), 'error')}")
    template_errors = sum(len(t["errors"]) for t in found["templates"])
    if template_errors:
        problems.append(f"templates: {_count(template_errors, 'error')}")
    dashboards = found["dashboards"]
    if dashboards["error"] is not None:
        problems.append(f"dashboards: a sync would stop ({dashboards['error']['text']})")
    states = [item["state"] for item in dashboards["files"]]
    for state in sorted(set(states) & _PROBLEM_STATES):
        problems.append(f"dashboards: {_count(states.count(state), 'file')} in {state}")
    stale = states.count(_STALE)
    if stale:
        warnings.append(f"dashboards: {_count(stale, 'file')} stale (vaultkit sync writes them)")
    if "deferred" in states:
        warnings.append(f"dashboards: {_count(states.count('deferred'), 'file')} being edited")
    if found["settings_warnings"]:
        problems.append(f"settings: {_count(len(found['settings_warnings']), 'warning')}")
    errors = sum(1 for d in found["diagnostics"] if d["severity"] == "error")
    if errors:
        problems.append(f"notes: {_count(errors, 'error diagnostic')}")
    if found["index"]["integrity"] != "ok":
        problems.append(f"index: integrity {found['index']['integrity']}")
    return problems, warnings


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"
