"""Which template file each dashboard renders from, and copying a built-in template into the
vault to customise it (``vaultkit templates list`` and ``vaultkit templates copy``).

A dashboard renders the template its config names (``[dashboards.NAME] template``; by default
its built-in ``<name>.md.j2``), looked up as :func:`vaultkit.dashboards.render.make_environment`
looks it up: first in the vault's ``.vaultkit/templates/``, then among the built-ins shipped in
the package. So a same-named file in ``.vaultkit/templates/`` overrides a built-in, and copying
the built-in there is how a user starts customising it, without digging in site-packages.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from vaultkit.config.schema import Config
from vaultkit.dashboards.registry import BUILTINS
from vaultkit.dashboards.render import builtin_templates_dir
from vaultkit.errors import VaultkitError
from vaultkit.vault import leads_outside
from vaultkit.vaultpaths import TEMPLATES_PATH, VaultPaths, vaultkit_folder
from vaultkit.writeback.apply import apply
from vaultkit.writeback.plan import Planned, read_for_plan
from vaultkit.writeback.regions import WriteStatus


class TemplateUse(NamedTuple):
    """One dashboard's template, where it comes from."""

    dashboard: str
    enabled: bool
    template: str
    """The template file name the config gives the dashboard (its built-in's by default)."""
    builtin: Path | None
    """The built-in template of that name, if there is one."""
    override: str | None
    """The vault's file of that name (vault-relative), which is used instead, if it exists."""

    @property
    def source(self) -> str:
        """``vault``, ``builtin`` or ``missing``: where the render finds the template."""
        if self.override is not None:
            return "vault"
        return "builtin" if self.builtin is not None else "missing"


def template_uses(paths: VaultPaths, config: Config) -> list[TemplateUse]:
    """Every dashboard of the config (built-ins first, then the vault's own), with its
    template and where the render finds it."""
    builtins = builtin_templates_dir()
    uses = []
    for dashboard in config.dashboards:
        builtin = builtins / dashboard.template
        own = paths.templates / dashboard.template
        uses.append(
            TemplateUse(
                dashboard.name,
                dashboard.enabled,
                dashboard.template,
                builtin if builtin.is_file() else None,
                (TEMPLATES_PATH / dashboard.template).as_posix() if own.is_file() else None,
            )
        )
    return uses


class Copied(NamedTuple):
    """A built-in template copied into the vault."""

    path: Path
    """The copy, in ``.vaultkit/templates/``."""
    replaced: bool
    """An existing file was overwritten (``--force``; its backup is in ``.vaultkit/backups/``)."""
    config_lines: str | None
    """The config lines that make the dashboard use the copy, when its config names another
    template or disables it; None when the copy is used as it is."""


def copy_template(paths: VaultPaths, config: Config, name: str, *, force: bool) -> Copied:
    """Copy the built-in template of dashboard ``name`` (or the built-in template file
    ``name``) to ``.vaultkit/templates/``, through the checked write.

    An existing file there is kept (VaultkitError) unless ``force``, which first saves it under
    ``.vaultkit/backups/``. Refused, writing nothing, when ``.vaultkit/`` or its ``templates/``
    (or ``backups/``) is a link leading out of the vault.
    """
    builtin = next(
        (b for b in BUILTINS if name in (b.name, b.template, b.template.removesuffix(".j2"))),
        None,
    )
    if builtin is None:
        known = ", ".join(f"{b.name} ({b.template})" for b in BUILTINS)
        raise VaultkitError(
            f"{name!r} is no built-in dashboard or template; the built-in ones are: {known}"
        )
    source = builtin_templates_dir() / builtin.template
    try:
        text = source.read_bytes()
    except OSError as exc:
        raise VaultkitError(
            f"the built-in template cannot be read ({exc.strerror}); reinstall vaultkit",
            path=str(source),
        ) from None
    vaultkit_folder(paths.root)
    relative = (TEMPLATES_PATH / builtin.template).as_posix()
    for folder in (relative, *([paths.backups.relative_to(paths.root).as_posix()] * force)):
        outside = leads_outside(paths.root, folder)
        if outside is not None:
            raise VaultkitError(
                f"leads outside the vault (to {outside[1]}), and vaultkit writes only inside "
                "it, so nothing was written; make it a real folder or file in the vault",
                path=str(outside[0]),
            )
    target = paths.root / relative
    read = read_for_plan(target, note=False)
    if isinstance(read, Planned):
        raise VaultkitError(read.message, path=relative)
    if read is not None and not force:
        raise VaultkitError(
            "exists already, and vaultkit never overwrites your template; edit it, delete it "
            "to copy the built-in again, or pass --force (which saves it in "
            ".vaultkit/backups/ first)",
            path=relative,
        )
    old, seen = read if read is not None else (None, None)
    planned = Planned(
        target, old, text, WriteStatus.CREATED if old is None else WriteStatus.WRITTEN, seen=seen
    )
    done = apply(planned, vault=paths.root, backup_dir=paths.backups if old is not None else None)
    if done.status in (WriteStatus.CONFLICT, WriteStatus.ERROR, WriteStatus.DEFERRED):
        raise VaultkitError(f"was not written: {done.message}", path=relative)
    return Copied(target, old is not None and old != text, _config_lines(config, builtin.name))


def _config_lines(config: Config, name: str) -> str | None:
    dashboard = next(d for d in config.dashboards if d.name == name)
    builtin = next(b for b in BUILTINS if b.name == name)
    lines = []
    if dashboard.template != builtin.template:
        lines.append(f'template = "{builtin.template}"')
    if not dashboard.enabled:
        lines.append("enabled = true")
    return f"[dashboards.{name}]\n" + "\n".join(lines) if lines else None
