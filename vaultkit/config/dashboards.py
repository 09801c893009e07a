"""The ``[dashboards.*]`` part of the config: which dashboards are generated, and where.

Each dashboard's target is checked here (design section 8 item 6): it must be a vault-relative
``.md`` file or a region in one, stay in the vault when followed on disk, and be no other
enabled dashboard's target. This part keeps its own shape (not the schema's field table):
its tables are named by the user, one per dashboard.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import NamedTuple, Protocol

from vaultkit.config.reader import Reader, show


class Builtin(Protocol):
    """What the config needs to know of a built-in dashboard (an entry of the dashboard
    registry, :data:`vaultkit.dashboards.registry.BUILTINS`, which the entry points pass in:
    the registry sits above the config among the stages)."""

    @property
    def name(self) -> str: ...
    @property
    def template(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def doc(self) -> str: ...


Builtins = Sequence[Builtin]
"""The built-in dashboards, in the order they are listed."""

_NAME_RE = re.compile(r"[A-Za-z0-9_-]+")
"""Dashboard and region names: they end up in file names and ``%% vaultkit:… %%`` markers."""


class Dashboard(NamedTuple):
    """One generated dashboard and where it goes."""

    name: str
    """The name under ``[dashboards.NAME]``; also the region marker name for a whole file."""
    enabled: bool
    """False: the dashboard is not rendered and its target is left alone."""
    target_path: str
    """Vault-relative POSIX path of the file written (or holding the region), NFC."""
    region: str | None
    """Name of the region inside :attr:`target_path`; None = vaultkit owns the whole file."""
    template: str
    """Template file name: the built-in ``<name>.md.j2`` unless the config names another."""


def default_dashboards(builtins: Builtins) -> tuple[Dashboard, ...]:
    """Every built-in dashboard, enabled, at its default target with its built-in template."""
    return tuple(Dashboard(b.name, True, b.target, None, b.template) for b in builtins)


def read_dashboards(
    r: Reader, table: dict[str, object], vault: Path, builtins: Builtins
) -> tuple[Dashboard, ...]:
    """``[dashboards.*]``: built-ins in a fixed order, then custom dashboards in file order."""
    known = {b.name: b for b in builtins}
    given = {name: r.table(table, ("dashboards", name)) for name in table}
    names = [*known, *(name for name in given if name not in known)]
    dashboards: list[Dashboard] = []
    well_formed: list[Dashboard] = []
    for name in names:
        dashboard, ok = _dashboard(r, name, given.get(name, {}), known)
        dashboards.append(dashboard)
        if ok:
            well_formed.append(dashboard)
    _check_targets(r, well_formed, vault)
    return tuple(dashboards)


def _dashboard(
    r: Reader, name: str, table: dict[str, object], known: Mapping[str, Builtin]
) -> tuple[Dashboard, bool]:
    """The dashboard, and whether its target is well-formed (worth resolving on disk)."""
    key = ("dashboards", name)
    r.known(table, key, ("enabled", "target", "template"))
    builtin = known.get(name)
    if not _NAME_RE.fullmatch(name):
        r.add(key, "a dashboard name may use only letters, digits, '-' and '_'")
    enabled = r.flag(table, (*key, "enabled"), True)
    default_target = builtin.target if builtin else f"Dashboards/{name}.md"
    target = r.text(table, (*key, "target"), default_target)
    template = r.text(table, (*key, "template"), "").strip()
    if not template and builtin is None:
        hint = f" (did you mean '{name.lower()}'?)" if name.lower() in known else ""
        r.add(
            key,
            "a custom dashboard must name its 'template' (a file in .vaultkit/templates/); "
            f"the built-in dashboards are {', '.join(known)}{hint}",
        )
    elif template:
        problem = _template_problem(template)
        if problem:
            r.add((*key, "template"), problem)
    path, region, problem = split_target(target)
    if problem:
        r.add((*key, "target"), f"{show(target)} {problem}")
    dashboard = Dashboard(
        name=name,
        enabled=enabled,
        target_path=path,
        region=region,
        template=template or (builtin.template if builtin else f"{name}.md.j2"),
    )
    return dashboard, problem is None


def split_target(target: str) -> tuple[str, str | None, str | None]:
    """``(path, region, problem)`` for a target ``"Note.md"`` or ``"Note.md#region"``."""
    path, hash_sign, region_text = target.strip().partition("#")
    region = region_text if hash_sign else None
    path = _nfc(path)
    if not path:
        return path, region, "must name a vault-relative .md file"
    if region is not None and not _NAME_RE.fullmatch(region):
        return path, region, "has a region name that is not letters, digits, '-' and '_'"
    if "\\" in path:
        return path, region, "must separate folders with '/', not '\\'"
    if PurePosixPath(path).is_absolute() or PureWindowsPath(path).drive or path.startswith("~"):
        return path, region, "must be relative to the vault, not an absolute path"
    parts = path.split("/")
    if ".." in parts:
        return path, region, "must not contain '..'"
    if any(part in ("", ".") for part in parts):
        return path, region, "has an empty or '.' path segment"
    if any(part.startswith(".") for part in parts):
        # Obsidian hides dot-files and dot-folders (.obsidian, .trash): nobody would see it.
        return path, region, "must not be inside a hidden (dot) folder or be a hidden file"
    if not path.lower().endswith(".md") or len(parts[-1]) == 3:
        return path, region, 'must be a .md file, optionally followed by "#region-name"'
    return path, region, None


def _check_targets(r: Reader, dashboards: Sequence[Dashboard], vault: Path) -> None:
    """Confine enabled targets to the vault and give each its own file or region."""
    root = vault.resolve()
    owners: dict[str, list[Dashboard]] = {}
    for dashboard in dashboards:
        if not dashboard.enabled:
            continue
        key = ("dashboards", dashboard.name, "target")
        # Following symlinks of the existing folders is what a write would do. realpath, not
        # resolve(): a symlink loop at the target is the write's to report, not a crash here.
        resolved = Path(os.path.realpath(root / dashboard.target_path))
        if not resolved.is_relative_to(root):
            r.add(key, f"{show(_target(dashboard))} leads out of the vault (to {resolved})")
            continue
        # Case-folded: on macOS and Windows "status.md" and "Status.md" are the same file.
        same_file = owners.setdefault(dashboard.target_path.casefold(), [])
        for other in same_file:
            if dashboard.region is None or other.region is None:
                clash = "writes into the same file as"
            elif dashboard.region == other.region:
                clash = "has the same target as"
            else:
                continue
            r.add(
                key,
                f"{show(_target(dashboard))} {clash} dashboard '{other.name}' "
                f"({show(_target(other))}); give each dashboard its own target",
            )
            break
        same_file.append(dashboard)


def _target(dashboard: Dashboard) -> str:
    if dashboard.region is None:
        return dashboard.target_path
    return f"{dashboard.target_path}#{dashboard.region}"


def _template_problem(template: str) -> str | None:
    if "\\" in template or PurePosixPath(template).is_absolute() or PureWindowsPath(template).drive:
        return f"{show(template)} must be a file name in .vaultkit/templates/ ('/' for folders)"
    if ".." in template.split("/"):
        return f"{show(template)} must not contain '..'"
    return None


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


_INTRO = """\
# Dashboards. enabled: whether it is generated. target: a vault-relative .md file vaultkit
# writes as a whole, or "Note.md#region-name" for a region inside a note, between
# "%% vaultkit:begin region-name %%" and "%% vaultkit:end region-name %%" lines. template: a
# file in .vaultkit/templates/; "" = the built-in "<name>.md.j2" (a file of that name in
# .vaultkit/templates/ overrides the built-in).
"""

_CUSTOM = """\
# A dashboard of your own: any other name, with its template in .vaultkit/templates/.
# [dashboards.projects]
# enabled = true
# target = "Projects.md#project-list"
# template = "projects.md.j2"
"""


def default_text(builtins: Builtins) -> str:
    """The ``[dashboards.*]`` part of the commented default file that ``vaultkit init`` writes:
    one section per built-in dashboard, from the registry's entry."""
    sections = [
        f"[dashboards.{b.name}]\n"
        f"# {b.doc}\n"
        "enabled = true  # false: not generated, and its target is left alone\n"
        f'target = "{b.target}"  # a .md file, or "Note.md#region-name"\n'
        f'template = ""  # "" = the built-in {b.template}\n'
        for b in builtins
    ]
    return "\n".join([_INTRO, *sections, _CUSTOM])
