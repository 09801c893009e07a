"""``vaultkit render NAME``: one dashboard's text, as a sync would write it, written nowhere.

The index is brought up to date as a sync brings it (the config's excludes and cadences;
read as it is when the sync stamp shows nothing changed since the last current sync), the
dashboard is rendered by the sync's own environment and context (:mod:`vaultkit.sync.run`),
and its text is returned: a whole-file dashboard's content without vaultkit's header line, a
region's body. Nothing is written into the vault and the writer lock is not taken, so it runs
beside ``vaultkit watch``.
"""

from __future__ import annotations

from contextlib import closing

from vaultkit.cadences import Cadences
from vaultkit.config.dashboards import Dashboard
from vaultkit.config.load import load_config
from vaultkit.config.schema import Config
from vaultkit.dashboards.common import NameCounts
from vaultkit.dashboards.context import build_context
from vaultkit.dashboards.registry import BUILTINS
from vaultkit.errors import VaultkitError
from vaultkit.index.update import update_index
from vaultkit.sync.habit_log import plan_habit_log
from vaultkit.sync.run import dashboard_environment, render_dashboard, today_for_run
from vaultkit.sync.stamp import current_index
from vaultkit.vaultpaths import CONFIG_PATH, VaultPaths


class UnknownDashboardError(VaultkitError):
    """``vaultkit render`` was given a name no dashboard has."""


def dashboard_named(config: Config, name: str) -> Dashboard:
    """The configured dashboard ``name`` (enabled or not); the error lists the names there are."""
    for dashboard in config.dashboards:
        if dashboard.name == name:
            return dashboard
    names = ", ".join(dashboard.name for dashboard in config.dashboards)
    raise UnknownDashboardError(
        f"no dashboard is named {name!r}; the dashboards are: {names} (the built-ins and the "
        f"[dashboards.NAME] tables of {CONFIG_PATH.as_posix()})"
    )


def render_named(paths: VaultPaths, name: str) -> str:
    """The text dashboard ``name`` has from the current index (raises as a sync would: a broken
    config or template is a :class:`~vaultkit.errors.VaultkitError`)."""
    config = load_config(paths.root, BUILTINS)
    dashboard = dashboard_named(config, name)
    paths = paths.with_index_setting(config.vault.index)
    today = today_for_run(config)
    connection, listed = current_index(paths)
    if connection is None:
        try:
            # No scopes: as for the read commands, every scoped family moves with a change,
            # which at worst has the next sync render a dashboard again.
            connection, _ = update_index(
                paths,
                cadences=Cadences(config.status.cadences),
                excludes=config.vault.excludes,
                listed=listed,
            )
        finally:
            if listed is not None:
                listed.release()
    with closing(connection):
        # One read transaction: the template reads the index lazily, as in a sync.
        connection.execute("BEGIN")
        names = NameCounts(connection)
        env = dashboard_environment(connection, paths, config, today, names=names)
        # The Habits dashboard shows the checklists' log as the next sync would leave it.
        log = plan_habit_log(connection, paths.root, config, today)
        context = build_context(
            connection,
            config,
            today,
            paths.root.name,
            checklists=log.checklists if log is not None else None,
            names=names,
        )
        text = render_dashboard(env, dashboard, context)
    return text.strip("\n") + "\n" if dashboard.region is not None else text
