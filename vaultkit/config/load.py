"""Reading ``<vault>/.vaultkit/config.toml`` against the schema (design section 10).

Settings are layered defaults → Obsidian's Daily notes settings → the file. Every problem in
the file (unknown key, wrong type, bad value, a dashboard target that could write outside the
vault, design section 8 item 6) is collected and reported at once with its key and line, so
the user fixes the file in one pass. A vault without a config file gets the defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vaultkit.config.checks import Context
from vaultkit.config.dashboards import Builtins, read_dashboards
from vaultkit.config.reader import SHOWN, Reader, show, strings
from vaultkit.config.schema import (
    MIB,
    TOP_LEVEL,
    Config,
    DailyNotes,
    HabitSettings,
    Kind,
    Section,
    Setting,
    sections,
)
from vaultkit.config.toml_lines import Key, KeyLines, deep_line, long_number_line, toml_error
from vaultkit.errors import ConfigError
from vaultkit.files import read_regular
from vaultkit.obsidian.daily_notes import DailyNoteSettings, read_daily_note_settings
from vaultkit.obsidian.settings import DEFAULT_CONFIG_DIR
from vaultkit.vaultpaths import CONFIG_PATH

MAX_CONFIG_BYTES = 1 * MIB
"""A config larger than this is refused unread: the commented default is about 6 KB."""
MAX_NESTING = 50
"""Brackets nested deeper than this are reported as such when tomllib gives up."""


def load_config(vault: Path, builtins: Builtins) -> Config:
    """The vault's settings: defaults, then ``.obsidian/daily-notes.json``, then the file.

    ``builtins`` are the built-in dashboards: the dashboard registry's
    (:data:`vaultkit.dashboards.registry.BUILTINS`), which every entry point passes in.
    """
    daily = read_daily_note_settings(vault, DEFAULT_CONFIG_DIR)
    text = _read_text(vault / CONFIG_PATH)
    data = _parse(text)
    reader = Reader(KeyLines(text))
    config = _build(reader, data, daily, vault, builtins)
    reader.raise_if_any()
    return config


def _read_text(path: Path) -> str:
    try:
        raw = read_regular(path, MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raw = b""
    except OSError as exc:
        raise ConfigError(f"cannot be read: {exc.strerror or exc}", path=SHOWN) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"is larger than {MAX_CONFIG_BYTES // MIB} MiB, which no vaultkit config needs "
            "(the commented default is about 6 KB); check what the file holds",
            path=SHOWN,
        )
    try:
        # utf-8-sig: Windows editors like to add a BOM, which TOML itself does not allow.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad_line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError("is not UTF-8 text", path=SHOWN, line=bad_line) from None


def _parse(text: str) -> dict[str, object]:
    if not text.strip():
        return {}  # no file (the usual case): spare the hook tomllib's import
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message, line = toml_error(str(exc), text)
        raise ConfigError(f"invalid TOML: {message}", path=SHOWN, line=line) from None
    except RecursionError:
        raise ConfigError(
            f"has arrays or tables nested too deeply (more than {MAX_NESTING} levels); "
            "no vaultkit setting nests",
            path=SHOWN,
            line=deep_line(text, MAX_NESTING),
        ) from None
    except ValueError:
        # Python refuses to read integers of more than 4300 digits (tomllib lets it raise).
        raise ConfigError(
            "has a number with thousands of digits; no vaultkit setting needs one",
            path=SHOWN,
            line=long_number_line(text),
        ) from None


def _build(
    r: Reader, data: dict[str, object], daily: DailyNoteSettings, vault: Path, builtins: Builtins
) -> Config:
    r.known(data, (), TOP_LEVEL)
    # Obsidian's own Daily notes settings are the defaults the file overrides key by key.
    defaults = {"daily_notes": DailyNotes(folder=daily.folder, format=daily.format)}
    values = {
        part.name: _section(r, data, part, defaults.get(part.name, part.defaults), vault)
        for part in sections()
    }
    dashboards = read_dashboards(r, r.table(data, ("dashboards",)), vault, builtins)
    habits = values["habits"]
    assert isinstance(habits, HabitSettings)
    if "checklists" in habits.sources:
        for dashboard in dashboards:
            # Case-folded: on macOS and Windows "log.md" and "Log.md" are the same file.
            if dashboard.enabled and dashboard.target_path.casefold() == habits.log.casefold():
                r.add(
                    ("habits", "log"),
                    f"{show(habits.log)} is the target of dashboard '{dashboard.name}'; give "
                    "the habits log a note of its own",
                )
    return Config(**values, dashboards=dashboards)


def _section(r: Reader, data: dict[str, object], part: Section, defaults: Any, vault: Path) -> Any:
    """One ``[section]``: each setting read by its kind, checked, cleaned."""
    key = (part.name,)
    table = r.table(data, key)
    r.known(table, key, [name for name, _ in part.settings])
    values: dict[str, object] = {}
    for name, setting in part.settings:
        setting_key = (*key, name)
        value = _read(r, table, setting_key, setting, getattr(defaults, name))
        raw = table.get(name)
        if raw is not None and setting.check is not None:
            # An array's check gets its strings with their positions, for the keys it names.
            given = strings(raw) if setting.kind is Kind.TEXTS else value
            for below, message in setting.check(given, Context(vault, values)):
                r.add((*setting_key, *below), message)
        values[name] = value if setting.clean is None else setting.clean(value)
    return defaults._replace(**values)


def _read(r: Reader, table: dict[str, object], key: Key, setting: Setting, default: Any) -> Any:
    if setting.kind is Kind.TEXT:
        return r.text(table, key, default)
    if setting.kind is Kind.TEXTS:
        return r.texts(table, key, default)
    if setting.kind is Kind.FLAG:
        return r.flag(table, key, default)
    if setting.kind is Kind.INTEGER:
        minimum, at_most = int(setting.minimum), int(setting.at_most)
        return r.integer(table, key, default, minimum=minimum, at_most=at_most)
    if setting.kind is Kind.NUMBER:
        return r.number(
            table,
            key,
            default,
            minimum=setting.minimum,
            maximum=setting.maximum,
            at_most=setting.at_most,
        )
    if setting.kind is Kind.TEXT_TABLE:
        return r.text_table(table, key, default)
    return r.numbers(
        table, key, minimum=setting.minimum, maximum=setting.maximum, same=setting.same
    )
