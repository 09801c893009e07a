"""Obsidian's Daily notes: its settings file, and dates read from note names in moment.js format.

Obsidian names a daily note by formatting the date with moment.js (``YYYY-MM-DD`` unless the
user chose another format in ``<config dir>/daily-notes.json``). vaultkit reads the date back
from the name with moment's own tokens, strictly, as Obsidian does; the tokens it cannot read
are named in :func:`format_problem`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from vaultkit.files import read_regular

if TYPE_CHECKING:
    import logging


def _logger() -> logging.Logger:
    # Imported when first needed: logging costs the hook's start-up ~10 ms.
    import logging

    return logging.getLogger(__name__)


DEFAULT_DAILY_FORMAT = "YYYY-MM-DD"
"""Obsidian's daily-note name format when its settings leave it empty."""


class DailyNoteSettings(NamedTuple):
    """What Obsidian's Daily notes settings say (or its defaults, when they say nothing)."""

    folder: str = ""
    """Vault-relative folder of the daily notes, without slashes at the ends; ``""`` = root."""
    format: str = DEFAULT_DAILY_FORMAT
    """moment.js format of a daily note's path below :attr:`folder`, without ``.md``."""


def read_daily_note_settings(vault: Path, config_dir: str) -> DailyNoteSettings:
    """``<config_dir>/daily-notes.json``, leniently: problems are logged and defaults used."""
    path = vault / config_dir / "daily-notes.json"
    shown = f"{config_dir}/daily-notes.json"
    try:
        data: object = json.loads(read_regular(path).decode("utf-8-sig") or "{}")
    except FileNotFoundError:
        return DailyNoteSettings()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        _logger().warning(
            "could not read %s (%s); using the default daily-note settings", shown, exc
        )
        return DailyNoteSettings()
    if not isinstance(data, dict):
        _logger().warning("%s does not hold a JSON object; using the defaults", shown)
        return DailyNoteSettings()
    folder = data.get("folder")
    fmt = data.get("format")
    if not isinstance(folder, str):
        folder = ""
    # Obsidian writes "format": "" when the user never changed it, and uses its default then.
    if not isinstance(fmt, str) or not fmt.strip():
        fmt = DEFAULT_DAILY_FORMAT
    problem = format_problem(fmt)
    if problem:
        _logger().warning("%s: daily-note format %s; no daily notes will be found", shown, problem)
    return DailyNoteSettings(folder=_nfc(folder.strip().strip("/")), format=fmt)


# moment's default locale is English; calendar.month_name would follow the machine's locale.
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
"""Monday first, like ``date.weekday()``."""

# moment.js's own tokenizer (formattingTokens), so an unsupported token is recognised as one
# instead of being read as literal text.
_MOMENT_TOKEN_RE = re.compile(
    r"\[[^\[]*\]|\\.|Mo|MM?M?M?|Do|DDDo|DD?D?D?|ddd?d?|do?|w[o|w]?|W[o|W]?|Qo?|N{1,5}"
    r"|YYYYYY|YYYYY|YYYY|YY|y{2,4}|yo?|gg(?:ggg?)?|GG(?:GGG?)?|e|E|a|A|hh?|HH?|kk?|mm?|ss?"
    r"|S{1,9}|x|X|zz?|ZZ?|.",
    re.DOTALL,
)

# Token -> (what it sets, regex). Strict parsing, as Obsidian does: MM and DD take two digits.
# [0-9], not \d: JavaScript's \d is ASCII only, Python's would also take full-width digits.
_SUPPORTED: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "YYYY": ("year", "[0-9]{4}"),
        "YY": ("yy", "[0-9]{2}"),
        "MMMM": ("month_name", "(?i:" + "|".join(MONTHS) + ")"),
        "MMM": ("month_abbr", "(?i:" + "|".join(m[:3] for m in MONTHS) + ")"),
        "MM": ("month", "[0-9]{2}"),
        "M": ("month", "[0-9]{1,2}"),
        "Do": ("day_ordinal", "[0-9]{1,2}(?i:st|nd|rd|th)"),
        "DD": ("day", "[0-9]{2}"),
        "D": ("day", "[0-9]{1,2}"),
        "dddd": ("weekday_name", "(?i:" + "|".join(_WEEKDAYS) + ")"),
        "ddd": ("weekday_abbr", "(?i:" + "|".join(d[:3] for d in _WEEKDAYS) + ")"),
    }
)


class _Format(NamedTuple):
    pattern: re.Pattern[str] | None
    fields: tuple[str, ...]
    """What group ``g<i>`` of :attr:`pattern` sets."""
    problem: str | None


@lru_cache(maxsize=64)
def _compile_format(fmt: str) -> _Format:
    parts: list[str] = []
    fields: list[str] = []
    for token in _MOMENT_TOKEN_RE.findall(fmt):
        if token.startswith("[") and token.endswith("]") and len(token) >= 2:
            parts.append(re.escape(token[1:-1]))
        elif token.startswith("\\"):
            parts.append(re.escape(token[1:]))
        elif token in _SUPPORTED:
            kind, regex = _SUPPORTED[token]
            parts.append(f"(?P<g{len(fields)}>{regex})")
            fields.append(kind)
        elif len(token) == 1 and not token.isalpha():
            parts.append(re.escape(token))
        else:
            supported = ", ".join(_SUPPORTED)
            problem = f"uses {token!r}, which vaultkit does not read (it reads {supported})"
            return _Format(None, (), problem)
    kinds = {kind.split("_")[0].replace("yy", "year") for kind in fields}
    if not {"year", "month", "day"} <= kinds:
        problem = f"{_quoted(fmt)} needs a year, a month and a day (e.g. YYYY-MM-DD)"
        return _Format(None, (), problem)
    return _Format(re.compile("".join(parts)), tuple(fields), None)


def format_problem(fmt: str) -> str | None:
    """Why ``fmt`` names no daily note vaultkit can read (a path below the folder), or None."""
    if not fmt.strip():
        return "must not be empty"
    if fmt.startswith("/") or ".." in fmt.split("/"):
        return f"{_quoted(fmt)} must be a path below the daily-notes folder"
    return _compile_format(fmt).problem


def daily_note_date(name: str, fmt: str) -> dt.date | None:
    """The date of a daily note, or None if ``name`` does not fit ``fmt``.

    ``name`` is the note's path below the daily-notes folder without ``.md`` (e.g.
    ``2026/01/2026-01-05`` for the format ``YYYY/MM/YYYY-MM-DD``). If the whole path does not
    fit, its file name is tried against the format's last segment, as Obsidian's daily-notes
    code does, so a daily note filed into another subfolder still counts.
    """
    day = _parse_date(_nfc(name), fmt)
    if day is None and ("/" in name or "/" in fmt):
        day = _parse_date(_nfc(name).rsplit("/", 1)[-1], fmt.rsplit("/", 1)[-1])
    return day


def _parse_date(name: str, fmt: str) -> dt.date | None:
    compiled = _compile_format(fmt)
    if compiled.pattern is None:
        return None
    match = compiled.pattern.fullmatch(name)
    if match is None:
        return None
    values: dict[str, set[int]] = {}
    for index, kind in enumerate(compiled.fields):
        text = match[f"g{index}"]
        if kind == "yy":
            # moment's two-digit years: 69-99 are 19xx, 00-68 are 20xx.
            number = int(text)
            value, kind = number + (1900 if number > 68 else 2000), "year"
        elif kind in ("month_name", "month_abbr"):
            value, kind = _prefix_index(MONTHS, text) + 1, "month"
        elif kind in ("weekday_name", "weekday_abbr"):
            value, kind = _prefix_index(_WEEKDAYS, text), "weekday"
        elif kind == "day_ordinal":
            value, kind = int(text[:-2]), "day"
        else:
            value = int(text)
        values.setdefault(kind, set()).add(value)
    # A token repeated (YYYY/YYYY-MM-DD) must agree with itself.
    if any(len(found) > 1 for found in values.values()):
        return None
    try:
        day = dt.date(values["year"].pop(), values["month"].pop(), values["day"].pop())
    except ValueError:  # 2026-02-30, month 13, year 0
        return None
    weekday = values.get("weekday")
    if weekday is not None and weekday.pop() != day.weekday():
        return None
    return day


def _prefix_index(names: Sequence[str], text: str) -> int:
    folded = text.casefold()
    return next(i for i, full in enumerate(names) if full.casefold().startswith(folded))


def _quoted(text: str) -> str:
    """``text`` as a TOML string, cut short like the config's other messages."""
    shown = json.dumps(text, ensure_ascii=False)
    return shown if len(shown) <= 60 else shown[:56] + '..."'


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
