"""Which dashboards a sync must render, and which are already current.

A dashboard's bytes are a pure function of its template, the config, the parts of the index
its template reads and, when it reads a name or filter that counts from it, today's date.
Each part is a *family* of the index (tasks, links, resources, note metadata) with a
generation counter the indexer moves when some note's rows of that family change
(``vaultkit.index.store.FAMILIES``). The template's families come from the context names it
uses (``jinja2.meta``); so does whether it reads the date (a name the registry marks
``dated``, or a filter of :data:`vaultkit.dashboards.registry.DATED_FILTERS`). The *render
key* hashes all of that; a dashboard whose key matches the one stored at its last write, and
whose target file still holds the bytes written then (the index's content hash says so), is
current and is not rendered.

That is what makes a sync with nothing changed cost a scan of the vault and no more, and a
saved note cost only the dashboards that read what it changed (design section 11). Anything
this module cannot vouch for (a template that includes another by a computed name, a context
name it does not know) counts as reading everything.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping, MutableMapping
from contextlib import suppress
from typing import NamedTuple

import jinja2
from jinja2 import meta, nodes

from vaultkit.config.dashboards import Dashboard
from vaultkit.config.schema import Config, what_renders
from vaultkit.dashboards.registry import (
    CONTEXT_FAMILIES,
    CONTEXT_SETTINGS,
    DATED_FILTERS,
    DATED_NAMES,
)
from vaultkit.errors import VaultkitError
from vaultkit.index.meta import ANALYSIS_KEY, RENDER_KEY, TARGET_KEY
from vaultkit.index.store import ALL_FAMILIES, INDEX_VERSION


class TemplateInfo(NamedTuple):
    names: frozenset[str] | None
    """Context names the template (and what it includes) reads; None: cannot tell."""
    digest: str
    """Hash of the template's source and of every template it includes."""
    filters: frozenset[str] = frozenset()
    """The filters the template (and what it includes) uses."""


def template_info(
    env: jinja2.Environment, name: str, analyses: MutableMapping[str, str] | None = None
) -> TemplateInfo:
    """What ``name`` reads, following ``include``/``import``/``extends`` by literal name.

    ``analyses`` caches the analysis of each source by its hash (kept in the index between
    runs, see :data:`ANALYSIS_KEY`): parsing the templates costs more than the rest of a
    sync that has nothing to do.
    """
    assert env.loader is not None
    sources: list[str] = []
    names: set[str] | None = set()
    filters: set[str] = set()
    pending, seen = [name], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            source, _, _ = env.loader.get_source(env, current)
            sources.append(f"{current}\0{source}")
            used, referenced, filtered = _analyse(env, source, analyses)
        except (jinja2.TemplateError, VaultkitError, RecursionError, MemoryError):
            # Missing, unreadable, broken or nested too deeply to parse: rendering will say
            # so, naming file and line.
            sources.append(f"{current}\0\0unreadable")
            names = None
            continue
        if names is not None:
            names |= used
        filters |= filtered
        for ref in referenced:
            if ref is None:
                names = None
            else:
                pending.append(ref)
    digest = hashlib.blake2b("\0\0".join(sorted(sources)).encode(), digest_size=16).hexdigest()
    return TemplateInfo(frozenset(names) if names is not None else None, digest, frozenset(filters))


def _analyse(
    env: jinja2.Environment, source: str, analyses: MutableMapping[str, str] | None
) -> tuple[frozenset[str], tuple[str | None, ...], frozenset[str]]:
    """The context names a source reads, the templates it names and the filters it uses."""
    key = hashlib.blake2b(source.encode(), digest_size=16).hexdigest()
    if analyses is not None and key in analyses:
        # An analysis kept by an earlier vaultkit lacks the filters: made again.
        with suppress(ValueError, TypeError, KeyError):
            stored = json.loads(analyses[key])
            return frozenset(stored["names"]), tuple(stored["refs"]), frozenset(stored["filters"])
    ast = env.parse(source)
    used = frozenset(meta.find_undeclared_variables(ast))
    referenced = tuple(meta.find_referenced_templates(ast))
    # ``{% filter name %}`` blocks hold a Filter node too.
    filters = frozenset(node.name for node in ast.find_all(nodes.Filter))
    if analyses is not None:
        analyses[key] = json.dumps(
            {"names": sorted(used), "refs": list(referenced), "filters": sorted(filters)}
        )
    return used, referenced, filters


def _read_through_names(
    info: TemplateInfo, env_globals: Iterable[str], table: Mapping[str, frozenset[str]]
) -> frozenset[str] | None:
    """The union of what ``table`` gives for each context name the template reads (the
    environment's helpers read nothing); None: everything (a template this module cannot
    read, or one that reads a name it does not know)."""
    if info.names is None:
        return None
    helpers = set(env_globals)
    wanted: set[str] = set()
    for name in info.names:
        if name in helpers:
            continue
        read = table.get(name)
        if read is None:
            return None
        wanted |= read
    return frozenset(wanted)


def families_of(info: TemplateInfo, env_globals: Iterable[str]) -> frozenset[str]:
    """The index families a template's output depends on."""
    families = _read_through_names(info, env_globals, CONTEXT_FAMILIES)
    return frozenset(ALL_FAMILIES) if families is None else families


def settings_of(info: TemplateInfo, env_globals: Iterable[str]) -> frozenset[str] | None:
    """The config sections, besides ``[vault]``, a template's output depends on; None: every
    section."""
    return _read_through_names(info, env_globals, CONTEXT_SETTINGS)


def reads_the_date(info: TemplateInfo, env_globals: Iterable[str]) -> bool:
    """Whether a template's output can change with the run's date alone: it reads a dated
    context name or uses a dated filter; a template this module cannot read, or one that
    reads a name it does not know, counts as reading the date."""
    if info.names is None or not info.filters.isdisjoint(DATED_FILTERS):
        return True
    helpers = set(env_globals)
    return any(
        name in DATED_NAMES or (name not in helpers and name not in CONTEXT_FAMILIES)
        for name in info.names
    )


def render_key(
    dashboard: Dashboard,
    info: TemplateInfo,
    families: frozenset[str],
    generations: Mapping[str, str],
    config: Config,
    today: str,
    version: str,
    sections: frozenset[str] | None = None,
) -> str:
    """The hash of everything the dashboard's bytes depend on; ``today`` is ``""`` for a
    template that does not read the date (:func:`reads_the_date`). Of the config, only what
    can change a dashboard's text counts (:func:`~vaultkit.config.schema.what_renders`): a
    raised guard rail or another debounce renders nothing again, and of the other sections
    only ``sections``, those the template's context names are computed from
    (:func:`settings_of`; None: all), so that a ``[habits]`` setting does not render the
    Topics table again."""
    parts = [
        version,
        INDEX_VERSION,
        repr(what_renders(config, sections)),
        today,
        dashboard.name,
        dashboard.target_path,
        dashboard.region or "",
        info.digest,
        *(f"{family}={generations[family]}" for family in sorted(families)),
    ]
    return hashlib.blake2b("\0".join(parts).encode(), digest_size=16).hexdigest()


class StoredState(NamedTuple):
    keys: dict[str, str]
    """Render key of each dashboard's last write, by dashboard name."""
    written: dict[str, str]
    """Content hash each target held after vaultkit's last write, by target path."""
    analyses: dict[str, str]
    """Template analyses by source hash (see :func:`template_info`)."""


def stored_state(connection: sqlite3.Connection) -> StoredState:
    state = StoredState({}, {}, {})
    prefixes = (
        (RENDER_KEY, state.keys),
        (TARGET_KEY, state.written),
        (ANALYSIS_KEY, state.analyses),
    )
    for key, value in connection.execute(
        "SELECT key, value FROM meta WHERE key LIKE ? OR key LIKE ? OR key LIKE ?",
        [prefix + "%" for prefix, _ in prefixes],
    ):
        for prefix, found in prefixes:
            if key.startswith(prefix):
                found[key[len(prefix) :]] = value
    return state


def indexed_hashes(connection: sqlite3.Connection, paths: Iterable[str]) -> dict[str, str]:
    """The index's content hash of each target file it holds."""
    found: dict[str, str] = {}
    for path in paths:
        row = connection.execute("SELECT hash FROM files WHERE path = ?", (path,)).fetchone()
        if row is not None and row[0]:
            found[path] = row[0]
    return found
