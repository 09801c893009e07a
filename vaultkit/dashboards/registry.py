"""The built-in dashboards, and every name a dashboard template can read.

One :class:`BuiltinDashboard` per built-in: its name, template, default target, a one-line
description, the context names it brings (each with its maker and the index families and config
sections it is computed from) and the scoped index families it defines. Adding a dashboard is
one module (its makers), one template in ``templates/`` and one entry in :data:`BUILTINS`; from
here come the context (:mod:`vaultkit.dashboards.context`), which dashboards a change makes
stale (:mod:`vaultkit.sync.freshness`), which scoped families a changed note moves (the sync's
``_scopes``) and the list in ``docs/templates.md`` (a test holds it to :func:`docs_table`).

Any template, a user's included, may read any name: the names are one namespace, shared by
the dashboards. This module imports no dashboard module: a maker is named by module and
function and imported when first used, so reading the table costs next to nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from types import MappingProxyType
from typing import Any, NamedTuple

# The index families (vaultkit.index.store.ALL_FAMILIES) a context name can be computed from.
_NONE: frozenset[str] = frozenset()
_META = frozenset({"meta"})
_TASKS = frozenset({"tasks"})
_LINKS = frozenset({"links"})
_RESOURCES = frozenset({"resources"})
_TOPICS = frozenset({"topics"})
_DAILY = frozenset({"daily"})

# The config sections (besides [vault]) a context name can be computed from.
_STATUS = frozenset({"status"})
_TOPIC_RULES = frozenset({"topics"})
_HABITS = frozenset({"habits", "daily_notes"})


class Maker(NamedTuple):
    """A function of a module of :mod:`vaultkit.dashboards`, imported when first resolved."""

    module: str
    """The module's name below ``vaultkit.dashboards``, e.g. ``"status"``."""
    function: str

    def resolve(self) -> Callable[..., Any]:
        found: Callable[..., Any] = getattr(
            import_module(f"vaultkit.dashboards.{self.module}"), self.function
        )
        return found


class ContextName(NamedTuple):
    """One name a template can read."""

    make: Maker | None
    """Computes the value from :class:`vaultkit.dashboards.common.Inputs`; None: the sync gives
    it per template (``dashboard``)."""
    families: frozenset[str]
    """The index families the value is computed from: a dashboard whose template reads the
    name is rendered again when one of them moves."""
    dated: bool = False
    """Whether the value depends on the run's date: a dashboard whose template reads the name
    is rendered again when the date moves, and only such a one."""
    settings: frozenset[str] = frozenset()
    """The config sections (fields of :class:`vaultkit.config.schema.Config`) the value is
    computed from, besides ``[vault]``, which every render reads: a dashboard whose template
    reads the name is rendered again when one of them changes, and only such a one."""


class Scope(NamedTuple):
    """A scoped index family (``vaultkit.index.store.SCOPED_FAMILIES``) and its notes."""

    family: str
    moves: Maker
    """``(connection, config, path, families, kept) -> bool``: whether a change to the note at
    ``path``, which moved ``families``, moves this family. ``kept`` is one dict per index
    update, where a rule may keep answers about the whole vault (whether any note is a topic)
    instead of working them out again for each changed note; only an answer that a change
    of the same update cannot make wrong unnoticed may be kept."""


class BuiltinDashboard(NamedTuple):
    """One built-in dashboard."""

    name: str
    """The name under ``[dashboards.NAME]`` in the config."""
    template: str
    """The built-in template, a file in ``templates/``."""
    target: str
    """The default target: a vault-relative ``.md`` file."""
    doc: str
    """What it shows, in one line (the config file's comment)."""
    context: Mapping[str, ContextName]
    """The context names it brings; any template may read them."""
    scopes: tuple[Scope, ...] = ()
    """The scoped index families its context names read."""


def _name(
    module: str,
    function: str,
    families: frozenset[str],
    *,
    dated: bool = False,
    settings: frozenset[str] = frozenset(),
) -> ContextName:
    return ContextName(Maker(module, function), families, dated, settings)


SHARED: Mapping[str, ContextName] = MappingProxyType(
    {
        # A visible note that comes or goes moves ``meta``: the count of notes follows.
        "vault": _name("common", "make_vault", _META),
        "today": _name("common", "make_today", _NONE, dated=True),
        "dashboard": ContextName(None, _NONE),
        "notes": _name("common", "make_notes", _META),
        "tasks": _name("common", "make_tasks", _TASKS),
    }
)
"""The names every dashboard's template can read, whichever dashboard it is."""

BUILTINS: tuple[BuiltinDashboard, ...] = (
    BuiltinDashboard(
        "status",
        "status.md.j2",
        "Dashboards/Status.md",
        "Progress, cadence groups, overdue and due-soon tasks, ready vs blocked, recently done.",
        # Overdue, due soon and recently done are counted from today.
        {"status": _name("status", "make_status", _TASKS, dated=True, settings=_STATUS)},
    ),
    BuiltinDashboard(
        "topics",
        "topics.md.j2",
        "Dashboards/Topics.md",
        "The topic comparison table (see [topics]).",
        {
            "topics": _name("topics", "make_topics", _TOPICS, settings=_TOPIC_RULES),
            # A kept table's columns are its header's.
            "topic_columns": _name("topics", "make_topic_columns", _TOPICS, settings=_TOPIC_RULES),
            "comparison_tables": _name(
                "topics", "make_comparison_tables", _TOPICS, settings=_TOPIC_RULES
            ),
        },
        (Scope("topics", Maker("topics", "moves_topics")),),
    ),
    BuiltinDashboard(
        "resources",
        "resources.md.j2",
        "Dashboards/Resources.md",
        "The reading list: every external resource, its status and where it is mentioned.",
        {"resources": _name("resources", "make_resources", _RESOURCES)},
    ),
    BuiltinDashboard(
        "habits",
        "habits.md.j2",
        "Dashboards/Habits.md",
        "Habits from daily notes, recurring tasks or the Daily checklists (see [habits] and "
        "[daily_notes]).",
        # The window ends today.
        {"habits": _name("habits", "make_habits", _DAILY, dated=True, settings=_HABITS)},
        (Scope("daily", Maker("habits", "moves_daily")),),
    ),
    BuiltinDashboard(
        "links",
        "links.md.j2",
        "Dashboards/Link health.md",
        "Link health: unresolved links, broken anchors, orphan notes, missing embeds.",
        {"links": _name("links", "make_links", _LINKS)},
    ),
)
"""The built-in dashboards, in the order they are listed (in the config and the docs)."""


def _all_names() -> Mapping[str, ContextName]:
    names = dict(SHARED)
    for dashboard in BUILTINS:
        for name, context_name in dashboard.context.items():
            if name in names:
                raise ValueError(f"context name {name!r} is registered twice")
            names[name] = context_name
    return MappingProxyType(names)


CONTEXT: Mapping[str, ContextName] = _all_names()
"""Every context name a template can read -> its maker and the families it reads."""

CONTEXT_FAMILIES: Mapping[str, frozenset[str]] = MappingProxyType(
    {name: context_name.families for name, context_name in CONTEXT.items()}
)
"""Context name -> the index families its value is computed from."""

CONTEXT_SETTINGS: Mapping[str, frozenset[str]] = MappingProxyType(
    {name: context_name.settings for name, context_name in CONTEXT.items()}
)
"""Context name -> the config sections, besides ``[vault]``, its value is computed from."""

DATED_NAMES = frozenset(name for name, context_name in CONTEXT.items() if context_name.dated)
"""The context names whose value depends on the run's date."""

DATED_FILTERS = frozenset({"days_until", "days_since"})
"""The template filters (:func:`vaultkit.dashboards.helpers.date_helpers`) that count from the
run's date: a template using one is rendered again when the date moves."""

SCOPES: tuple[Scope, ...] = tuple(scope for d in BUILTINS for scope in d.scopes)
"""Every scoped index family a built-in dashboard defines."""


def docs_table() -> str:
    """The Markdown table of the built-in dashboards that ``docs/templates.md`` shows."""
    lines = [
        "| dashboard | template | default target | context names | what it shows |",
        "|---|---|---|---|---|",
    ]
    for d in BUILTINS:
        names = ", ".join(f"`{name}`" for name in d.context)
        lines.append(f"| `{d.name}` | `{d.template}` | `{d.target}` | {names} | {d.doc} |")
    *others, last = (f"`{name}`" for name in SHARED)
    lines += [
        "",
        "The names are shared: any template, a custom one's too, may read any of them, and "
        f"also {', '.join(others)} and {last}.",
    ]
    return "\n".join(lines) + "\n"
