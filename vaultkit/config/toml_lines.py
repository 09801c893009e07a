"""Where keys are written in a TOML text: the line of every table header and ``key =``.

tomllib gives values without positions, and no library gives the lines of keys, yet a config
problem is only useful with its line. So the text is scanned once here, string- and
bracket-aware. tomllib's own error messages are reworded here too, with the line they name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

Key = tuple[str | int, ...]
"""A key path in the document; an int is an array index."""

BARE_KEY_RE = re.compile(r"[A-Za-z0-9_-]+")
_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_DOTTED_KEY = rf"{_KEY_PART}(?:[ \t]*\.[ \t]*{_KEY_PART})*"
_TOML_POSITION = r"\s*\((?:at line (\d+), column (\d+)|at end of document)\)$"


@cache
def _line_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A table header's line, a key's line. Compiled on first use (~1 ms): a run whose config
    is valid never asks where a key is."""
    return (
        re.compile(rf"[ \t]*\[\[?[ \t]*(?P<key>{_DOTTED_KEY})[ \t]*\]"),
        re.compile(rf"[ \t]*(?P<key>{_DOTTED_KEY})[ \t]*="),
    )


class KeyLines:
    """The line of every table header and ``key =`` in a TOML text (which tomllib parsed).

    Headers and keys at the start of a statement are recorded, and values are skipped string-
    and bracket-aware, so a multi-line array or string cannot be mistaken for keys. Keys
    inside inline tables and array items are not recorded; they get the line of the key
    that holds them.
    """

    def __init__(self, text: str) -> None:
        # Recorded on first use: every config load makes one, but only a setting in error
        # asks for a line, and a valid config should not pay for reading itself twice.
        self._text = text
        self._recorded: dict[tuple[str, ...], int] | None = None

    @property
    def _lines(self) -> dict[tuple[str, ...], int]:
        if self._recorded is None:
            self._recorded = _record(self._text)
        return self._recorded

    @property
    def lines(self) -> Mapping[tuple[str, ...], int]:
        """Every key and table header recorded, with its line (the first, if written twice)."""
        return MappingProxyType(self._lines)

    def find(self, key: Key) -> int | None:
        """Line of ``key``; else of the first key below it; else of the nearest table above."""
        path: tuple[str, ...] = ()
        for part in key:
            if isinstance(part, int):
                break
            path += (part,)
        if path in self._lines:
            return self._lines[path]
        below = [line for p, line in self._lines.items() if p[: len(path)] == path]
        if below:
            return min(below)
        for size in range(len(path) - 1, 0, -1):
            if path[:size] in self._lines:
                return self._lines[path[:size]]
        return None


def _record(text: str) -> dict[tuple[str, ...], int]:
    """The line of every table header and ``key =`` of ``text`` (see :class:`KeyLines`)."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    value = _ValueSkipper()
    header_line, key_line = _line_patterns()
    for number, line in enumerate(_split_lines(text), start=1):
        start = 0
        if not value.busy:
            header = header_line.match(line)
            if header:
                table = _split_key(header["key"])
                lines.setdefault(table, number)
                continue
            key = key_line.match(line)
            if key is None:
                continue
            lines.setdefault(table + _split_key(key["key"]), number)
            start = key.end()
        value.feed(line, start)
    return lines


class _ValueSkipper:
    """Tracks open brackets and multi-line strings across the lines of one TOML value."""

    def __init__(self) -> None:
        self.depth = 0
        self.deepest = 0
        """The deepest nesting seen so far."""
        self.quote: str | None = None

    @property
    def busy(self) -> bool:
        return self.depth > 0 or self.quote is not None

    def feed(self, line: str, i: int) -> None:
        while i < len(line):
            if self.quote is not None:
                if self.quote == '"""' and line[i] == "\\":
                    i += 2
                elif line.startswith(self.quote, i):
                    # Up to two quotes may precede the closing three; take the whole run.
                    while i < len(line) and line[i] == self.quote[0]:
                        i += 1
                    self.quote = None
                else:
                    i += 1
                continue
            char = line[i]
            if char == "#":
                return
            if line.startswith('"""', i) or line.startswith("'''", i):
                self.quote = line[i : i + 3]
                i += 3
            elif char == '"':
                i += 1
                while i < len(line) and line[i] != '"':
                    i += 2 if line[i] == "\\" else 1
                i += 1
            elif char == "'":
                end = line.find("'", i + 1)
                i = len(line) if end < 0 else end + 1
            else:
                if char in "[{":
                    self.depth += 1
                    self.deepest = max(self.deepest, self.depth)
                elif char in "]}":
                    self.depth -= 1
                i += 1


def deep_line(text: str, deeper_than: int) -> int | None:
    """The line where brackets first nest deeper than ``deeper_than``."""
    value = _ValueSkipper()
    for number, line in enumerate(_split_lines(text), start=1):
        value.feed(line, 0)
        if value.deepest > deeper_than:
            return number
    return None


def long_number_line(text: str) -> int | None:
    """The line of the first run of more digits than Python reads as one integer."""
    for number, line in enumerate(_split_lines(text), start=1):
        if re.search(r"[0-9_]{4301}", line):
            return number
    return None


def _split_lines(text: str) -> list[str]:
    """The lines of ``text`` as TOML counts them: only "\\n" ends one (``str.splitlines()``
    also splits at U+0085, U+2028 and U+2029, which TOML allows in strings and comments)."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def _split_key(dotted: str) -> tuple[str, ...]:
    parts: list[str] = []
    for part in re.findall(_KEY_PART, dotted):
        if part.startswith('"'):
            parts.append(_unescape(part))
        elif part.startswith("'"):
            parts.append(part[1:-1])
        else:
            parts.append(part)
    return tuple(parts)


def _unescape(quoted: str) -> str:
    """A basic-string key as tomllib returns it; as written if it is no valid string."""
    # Let tomllib undo the escapes, so the key matches what it returned exactly.
    import tomllib

    try:
        value = tomllib.loads(f"k = {quoted}")["k"]
    except tomllib.TOMLDecodeError:  # only in a text tomllib refused anyway
        return quoted
    return value if isinstance(value, str) else quoted


def toml_error(message: str, text: str) -> tuple[str, int | None]:
    """tomllib's message without its position suffix, and the line it names."""
    match = re.search(_TOML_POSITION, message)
    if match is None:
        return message, None
    head = message[: match.start()]
    if match[1] is None:
        return f"{head} (at the end of the file)", max(1, len(_split_lines(text)))
    return f"{head[:1].lower()}{head[1:]} (column {match[2]})", int(match[1])


def key_name(key: Key) -> str:
    """``vault.excludes[1]``, quoting segments that are not bare TOML keys."""
    out = ""
    for part in key:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        text = part if BARE_KEY_RE.fullmatch(part) else json.dumps(part, ensure_ascii=False)
        out += f".{text}" if out else text
    return out
