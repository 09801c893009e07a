"""The Tasks plugin's own settings: its global filter and its statuses.

``<config dir>/plugins/obsidian-tasks-plugin/data.json`` (obsidian-tasks-group/obsidian-tasks,
``src/Config/Settings.ts``) holds, among much else:

- ``globalFilter``: when not empty, only a checklist line whose description (the text after
  ``[c]``) contains it is a task; the test is a plain substring test
  (``GlobalFilter.includedIn``, ``src/Config/GlobalFilter.ts``; docs "Global Filter").
- ``statusSettings``: ``coreStatuses`` (``' '`` Todo, ``x`` Done) and ``customStatuses``,
  each ``{symbol, name, nextStatusSymbol, availableAsCommand, type}``, ``type`` one of
  ``TODO IN_PROGRESS ON_HOLD DONE CANCELLED NON_TASK``; a type it does not know reads as
  ``TODO`` (``Status.getTypeFromStatusTypeString``; docs "Status Types").

They reach the parser as plain :class:`~vaultkit.model.TaskRules`. How a status type counts in
vaultkit's progress (:data:`STATUS_OF_TYPE`): ``ON_HOLD`` is open (the plugin's ``not done``
matches it) and reads as ``other``; ``NON_TASK`` (pro/con lists drawn as checkboxes) is
neither open nor counted, as ``cancelled`` is, because the plugin's ``done`` matches it and a
list of pros is no work to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from vaultkit.model import TaskRules, TaskStatus
from vaultkit.obsidian.plugins import TASKS_PLUGIN, read_plugin_data
from vaultkit.vault import CONFIG_DIR

STATUS_OF_TYPE: Mapping[str, TaskStatus] = MappingProxyType(
    {
        "TODO": TaskStatus.TODO,
        "IN_PROGRESS": TaskStatus.IN_PROGRESS,
        "ON_HOLD": TaskStatus.OTHER,
        "DONE": TaskStatus.DONE,
        "CANCELLED": TaskStatus.CANCELLED,
        "NON_TASK": TaskStatus.CANCELLED,
    }
)


class StatusRead(NamedTuple):
    """One status of the plugin's settings, as ``vaultkit doctor`` shows it."""

    symbol: str
    name: str
    type: str
    status: TaskStatus


class TasksPluginSettings(NamedTuple):
    """What was read of the Tasks plugin's settings."""

    shown: str
    enabled: bool
    rules: TaskRules
    statuses: tuple[StatusRead, ...] = ()
    warnings: tuple[str, ...] = ()


def read_tasks_plugin(vault: Path, config_dir: str = CONFIG_DIR) -> TasksPluginSettings:
    """The Tasks plugin's rules, leniently: what cannot be read gives the plugin's default."""
    found = read_plugin_data(vault, TASKS_PLUGIN, config_dir)
    if found.data is None:
        return TasksPluginSettings(found.shown, found.enabled, TaskRules(), (), found.warnings)
    warnings = list(found.warnings)
    global_filter = found.data.get("globalFilter", "")
    if not isinstance(global_filter, str):
        warnings.append(
            f"{found.shown}: globalFilter should be text, so every checkbox is read as a task."
        )
        global_filter = ""
    statuses = _statuses(found.data.get("statusSettings"), found.shown, warnings)
    rules = TaskRules(
        global_filter=global_filter.strip(),
        statuses=tuple((s.symbol, s.status) for s in statuses),
    )
    return TasksPluginSettings(found.shown, True, rules, statuses, tuple(warnings))


def _statuses(raw: object, shown: str, warnings: list[str]) -> tuple[StatusRead, ...]:
    """The core statuses, then the custom ones; the first status of a symbol wins, as in the
    plugin's status registry. Empty (the built-in table) when the settings hold none."""
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        warnings.append(f"{shown}: statusSettings is not an object, so it is ignored.")
        return ()
    found: dict[str, StatusRead] = {}
    for group in ("coreStatuses", "customStatuses"):
        entries = raw.get(group, [])
        if not isinstance(entries, list):
            warnings.append(f"{shown}: statusSettings.{group} is not a list, so it is ignored.")
            continue
        for entry in entries:
            status = _status(entry)
            if status is None:
                warnings.append(
                    f"{shown}: a status in statusSettings.{group} has no one-character "
                    "symbol, so it is ignored; fix it in the Tasks plugin's settings."
                )
            elif status.symbol not in found:
                found[status.symbol] = status
    return tuple(found.values())


def _status(entry: object) -> StatusRead | None:
    if not isinstance(entry, dict):
        return None
    symbol = entry.get("symbol")
    if not isinstance(symbol, str) or len(symbol) != 1:
        return None
    name = entry.get("name")
    kind = entry.get("type")
    type_name = kind if isinstance(kind, str) and kind in STATUS_OF_TYPE else "TODO"
    return StatusRead(
        symbol, name if isinstance(name, str) else "", type_name, STATUS_OF_TYPE[type_name]
    )
