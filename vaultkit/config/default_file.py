"""The commented default ``config.toml`` that ``vaultkit init`` writes, generated from the schema.

Every setting appears with its default value and, above it, its doc from
:mod:`vaultkit.config.schema` as a comment; so the file cannot drift from what
:func:`~vaultkit.config.load.load_config` reads. ``docs/config.md`` shows the same text.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from pathlib import Path

from vaultkit.config import dashboards
from vaultkit.config.reader import SHOWN
from vaultkit.config.schema import Kind, Section, sections
from vaultkit.errors import VaultkitError
from vaultkit.vault import leads_outside
from vaultkit.vaultpaths import CONFIG_PATH

WIDTH = 92
"""Comments are wrapped to this many characters."""

_HEADER = """\
# vaultkit settings for this vault. Each key below is set to its default: change a value to
# override it, or delete the line to go back to the default. Unknown keys and wrong types are
# reported with their line.
"""


def init_config(vault: Path, builtins: dashboards.Builtins) -> Path:
    """Write the commented default config into the vault; never replace an existing one.

    Refused when ``.vaultkit`` leads outside the vault (a symbolic link): nothing is created.
    """
    path = vault / CONFIG_PATH
    found = leads_outside(vault, CONFIG_PATH.parent.as_posix())
    if found is not None:
        raise VaultkitError(
            f"leads outside the vault (to {found[1]}), so init wrote nothing; replace the link "
            "with a real folder and run vaultkit init again",
            path=str(found[0]),
        )
    try:
        path.parent.mkdir(exist_ok=True)
    except OSError as exc:
        raise VaultkitError(
            f"could not be created: {exc.strerror or exc}", path=CONFIG_PATH.parent.as_posix()
        ) from None
    try:
        # "x" creates the file or fails: an existing config (the user's work) is never replaced.
        with path.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(default_config_text(builtins))
    except FileExistsError:
        raise VaultkitError(
            "already exists; edit it, or delete it to start again from the defaults",
            path=SHOWN,
        ) from None
    except OSError as exc:
        raise VaultkitError(f"could not be created: {exc.strerror or exc}", path=SHOWN) from None
    return path


def default_config_text(builtins: dashboards.Builtins) -> str:
    """The default config as a commented ``config.toml`` (what ``init`` writes), with a
    section for each of the ``builtins`` dashboards."""
    sections_text = (_section_text(part) for part in sections())
    parts = [_HEADER, *sections_text, dashboards.default_text(builtins)]
    return "\n".join(parts)


def _section_text(part: Section) -> str:
    keys = [(name, s) for name, s in part.settings if s.kind is not Kind.TEXT_TABLE]
    # A table setting is a table of its own, one entry a line, after the section's keys.
    tables = [(name, s) for name, s in part.settings if s.kind is Kind.TEXT_TABLE]
    lines = [f"[{part.name}]"] if keys or not tables else []
    if part.doc:
        lines.append(comment(part.doc))
    for name, setting in keys:
        lines.append(comment(setting.doc))
        assignment = f"{name} = {toml_value(getattr(part.defaults, name))}"
        lines.append(f"# {assignment}" if part.commented else assignment)
    for name, setting in tables:
        lines.extend([*([""] if lines else []), f"[{part.name}.{name}]", comment(setting.doc)])
        for key, value in getattr(part.defaults, name).items():
            assignment = f"{json.dumps(key, ensure_ascii=False)} = {toml_value(value)}"
            lines.append(f"# {assignment}" if part.commented else assignment)
    return "\n".join(lines) + "\n"


def comment(doc: str) -> str:
    """``doc`` as ``# `` comment lines of at most :data:`WIDTH` characters."""
    return textwrap.fill(doc, WIDTH, initial_indent="# ", subsequent_indent="# ")


def toml_value(value: object) -> str:
    """A default as TOML, written the way a user would (``1_048_576``, ``[]``, ``{}``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:_}" if value >= 10_000 else str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        items = ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    raise TypeError(f"no TOML form for {value!r}")
