"""Tests for vaultkit.config.toml_lines: the line of every key, fuzzed against tomllib.

Documents are generated with the line of each key known by construction, then parsed by
tomllib (which must see every one of those keys) and scanned by :class:`KeyLines` (which must
report exactly those keys, at exactly those lines). Arbitrary text must never crash it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaultkit.config.toml_lines import KeyLines, deep_line, key_name, long_number_line, toml_error

Path_ = tuple[str, ...]

# Characters that trip a line scanner: brackets, quotes, escapes, comment signs, and the
# line separators Python's str.splitlines() knows but TOML does not (U+0085, U+2028, U+2029).
_TRICKY = "ab_-.= #[]{}\"'\\\té\u0085\u2028\u2029,:"
_BARE_RE = re.compile(r"[A-Za-z0-9_-]+")


def _control(char: str) -> bool:
    return (ord(char) < 0x20 and char != "\t") or ord(char) == 0x7F


def _escaped(text: str) -> str:
    """``text`` inside a TOML basic string."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif _control(char):
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


def _literal_ok(text: str) -> bool:
    return "'" not in text and not any(
        (ord(c) < 0x20 and c != "\t") or ord(c) == 0x7F for c in text
    )


names = st.one_of(
    st.from_regex(r"[A-Za-z0-9_-]{1,6}", fullmatch=True),
    st.text(st.sampled_from(_TRICKY), max_size=6),
)


@st.composite
def key_texts(draw: st.DrawFn, name: str) -> str:
    """One key part as it may be written: bare, basic-quoted or literal-quoted."""
    forms = [f'"{_escaped(name)}"']
    if _BARE_RE.fullmatch(name):
        forms.append(name)
    if _literal_ok(name):
        forms.append(f"'{name}'")
    return draw(st.sampled_from(forms))


@st.composite
def dotted(draw: st.DrawFn, path: Path_) -> str:
    parts = [draw(key_texts(part)) for part in path]
    return draw(st.sampled_from([".", " . ", "\t.", ". "])).join(parts)


comments = st.text(st.sampled_from(_TRICKY + "k=1\"\"\"'''[[x]]"), max_size=12).map(
    lambda text: "# " + text
)
_ML_LINES = [
    "key = 1",
    "[table]",
    "[[tables]]",
    "# not a comment",
    "'''",
    '\\"""',
    '""',
    "a\u2028b",
    "c\u0085d",
    "tail \\",
    "{ x = [",
]


@st.composite
def values(draw: st.DrawFn, depth: int = 0) -> tuple[str, list[str]]:
    """A TOML value, and the keys of its inline table (if it is one)."""
    kinds = ["int", "float", "bool", "date", "basic", "literal", "ml_basic", "ml_literal"]
    if depth < 2:
        kinds += ["array", "inline"]
    kind = draw(st.sampled_from(kinds))
    if kind == "int":
        return str(draw(st.integers(-(10**6), 10**6))), []
    if kind == "float":
        return draw(st.sampled_from(["1.5", "inf", "-nan", "1e10", "6.626e-34", "-0.0"])), []
    if kind == "bool":
        return draw(st.sampled_from(["true", "false"])), []
    if kind == "date":
        return draw(st.sampled_from(["1979-05-27T07:32:00Z", "1979-05-27", "07:32:00"])), []
    text = draw(st.text(st.sampled_from(_TRICKY), max_size=10))
    if kind == "basic":
        return f'"{_escaped(text)}"', []
    if kind == "literal":
        return (f"'{text}'" if _literal_ok(text) else f'"{_escaped(text)}"'), []
    if kind in ("ml_basic", "ml_literal"):
        return draw(_multiline(kind)), []
    if kind == "array":
        return draw(_array(depth))
    return draw(_inline_table(depth))


@st.composite
def _multiline(draw: st.DrawFn, kind: str) -> str:
    lines = draw(st.lists(st.sampled_from(_ML_LINES), max_size=4))
    quote = '"""' if kind == "ml_basic" else "'''"
    if kind == "ml_literal":
        lines = [line for line in lines if "'''" not in line and _literal_ok(line)]
    body = "\n".join(lines)
    if kind == "ml_basic":
        body = body.replace("tail \\", "tail \\\n")  # a line-ending backslash
    start = draw(st.sampled_from(["", "\n"]))
    # Up to two quotes of the closing kind may end the content (but not after an escaped one).
    end = "" if body.endswith('"') else draw(st.sampled_from(["", quote[0], quote[:2]]))
    return f"{quote}{start}{body}{end}{quote}"


@st.composite
def _array(draw: st.DrawFn, depth: int) -> tuple[str, list[str]]:
    items = draw(st.lists(values(depth + 1), max_size=3))
    text = "["
    for item, _ in items:
        gap = draw(st.sampled_from(["", " ", "\n  ", " " + draw(comments) + "\n  "]))
        text += f"{gap}{item},"
    text += draw(st.sampled_from(["", "\n", " " + draw(comments) + "\n"])) + "]"
    return text, []


@st.composite
def _inline_table(draw: st.DrawFn, depth: int) -> tuple[str, list[str]]:
    keys = draw(st.lists(names, max_size=3, unique=True))
    pairs = [f"{draw(key_texts(name))} = {draw(values(depth + 1))[0]}" for name in keys]
    return "{ " + ", ".join(pairs) + " }", keys


class Document:
    """A TOML text being written, with the line where each key was written."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.text = ""
        self.lines: dict[Path_, int] = {}
        self.held: dict[Path_, int] = {}
        """Keys inside inline tables: they get the line of the key holding them."""

    @property
    def line(self) -> int:
        return self.text.count("\n") + 1

    def filler(self) -> None:
        for _ in range(self.draw(st.integers(0, 2))):
            self.text += self.draw(st.sampled_from(["", "   ", "\t"]))
            self.text += self.draw(st.sampled_from(["", self.draw(comments)])) + "\n"

    def pair(self, table: Path_, path: Path_) -> None:
        self.filler()
        indent = self.draw(st.sampled_from(["", "  ", "\t"]))
        key = self.draw(dotted(path))
        value, held = self.draw(values())
        line = self.line
        self.lines.setdefault(table + path, line)
        for name in held:
            self.held.setdefault((*table, *path, name), line)
        tail = self.draw(st.sampled_from(["", " " + self.draw(comments)]))
        self.text += f"{indent}{key} = {value}{tail}\n"

    def group(self, table: Path_, name: str) -> None:
        """``name = …``, or a dotted key group ``name.a = …``, ``name.b = …``."""
        subs = self.draw(st.lists(names, max_size=2, unique=True))
        paths: list[Path_] = [(name, sub) for sub in subs] or [(name,)]
        for path in paths:
            self.pair(table, path)

    def pairs(self, table: Path_, count: int) -> None:
        for name in self.draw(st.lists(names, max_size=count, unique=True)):
            self.group(table, name)

    def header(self, path: Path_, array: bool) -> None:
        self.filler()
        indent = self.draw(st.sampled_from(["", " "]))
        key = self.draw(dotted(path))
        inner = self.draw(st.sampled_from(["", " "]))
        open_, close = ("[[", "]]") if array else ("[", "]")
        tail = self.draw(st.sampled_from(["", " " + self.draw(comments)]))
        self.lines.setdefault(path, self.line)
        self.text += f"{indent}{open_}{inner}{key}{inner}{close}{tail}\n"


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, dict[Path_, int], dict[Path_, int]]:
    """A valid TOML text, the line of every key in it, and the line holding each inline key."""
    doc = Document(draw)
    roots = draw(st.lists(names, min_size=1, max_size=6, unique=True))
    split = draw(st.integers(0, len(roots)))
    for name in roots[:split]:
        doc.group((), name)
    for name in roots[split:]:
        form = draw(st.sampled_from(["table", "subtables", "array"]))
        if form == "table":
            doc.header((name,), array=False)
            doc.pairs((name,), 3)
        elif form == "subtables":
            for sub in draw(st.lists(names, min_size=1, max_size=2, unique=True)):
                doc.header((name, sub), array=False)
                doc.pairs((name, sub), 2)
        else:
            for _ in range(draw(st.integers(1, 2))):
                doc.header((name,), array=True)
                doc.pairs((name,), 2)
    doc.filler()
    text = doc.text
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text, doc.lines, doc.held


def _defined(node: object, path: Path_) -> bool:
    """Whether tomllib's result defines ``path`` (in any element of an array of tables)."""
    if not path:
        return True
    if isinstance(node, list):
        return any(_defined(item, path) for item in node if isinstance(item, dict))
    return isinstance(node, dict) and path[0] in node and _defined(node[path[0]], path[1:])


@given(documents())
def test_every_key_is_found_at_the_line_tomllib_reads_it_from(
    document: tuple[str, dict[Path_, int], dict[Path_, int]],
) -> None:
    text, expected, held = document
    data = tomllib.loads(text)
    for path in (*expected, *held):
        assert _defined(data, path), f"tomllib does not see {path}"
    lines = KeyLines(text)
    assert dict(lines.lines) == expected
    for path, line in expected.items():
        assert lines.find(path) == line
        assert lines.find((*path, 0)) == line  # an array item: the line of its key
    for path, line in held.items():
        assert lines.find(path) == line


def test_a_key_not_written_gets_the_first_key_below_it_or_its_table() -> None:
    lines = KeyLines("# top\na.b = 1\n[t]\nx = { y = 2 }\n[u.v]\nz = 3\n")
    assert lines.find(("a",)) == 2  # an implicit table: its first key
    assert lines.find(("t", "x", "y")) == 4  # inside an inline table: its key's line
    assert lines.find(("t", "missing")) == 3  # not written: the table's header
    assert lines.find(("u",)) == 5
    assert lines.find(("nowhere",)) is None


_SNIPPETS = ["a", "\\q", "\\u00e9", "\\u12", "\\U0011FFFF", "\\", '"', "'", ".", " ", "=", "[", "#"]
tricky_texts = st.one_of(
    st.text(),
    st.text(st.sampled_from("[]{}\"'\\#=. \t\n\r\u2028abc1"), max_size=60),
    # Lines shaped like headers and keys, with broken quotes and escapes.
    st.lists(
        st.builds(
            "".join,
            st.tuples(
                st.sampled_from(["", "[", "[[", '"', "'", "  "]),
                st.lists(st.sampled_from(_SNIPPETS), max_size=4).map("".join),
                st.sampled_from(["", " = 1", "]", '" = 1', "' = 1", ' = """', " = [", "]]"]),
            ),
        ),
        max_size=6,
    ).map("\n".join),
)


@pytest.mark.parametrize(
    "scan",
    [
        lambda text: KeyLines(text).find(("a", "b", 0)),
        lambda text: deep_line(text, 3),
        long_number_line,
        lambda text: toml_error("Invalid value (at line 2, column 3)", text),
        lambda text: toml_error("Unclosed array (at end of document)", text),
    ],
)
@given(text=tricky_texts)
def test_arbitrary_text_never_crashes_the_scanners(
    scan: Callable[[str], object], text: str
) -> None:
    scan(text)


def test_lines_are_counted_as_toml_counts_them() -> None:
    # U+2028 and U+0085 may stand in strings and comments; only "\n" ends a TOML line.
    text = '# a\u2028comment\nx = "a\u0085b"\n[t]\ny = 1\n'
    assert KeyLines(text).find(("t", "y")) == 4
    assert toml_error("Invalid value (at end of document)", text)[1] == 4
    assert long_number_line("# \u2028\n" + "1" * 4301) == 2
    assert deep_line("# \u2028\n" + "[" * 5, 3) == 2


def test_key_names_quote_what_is_not_bare() -> None:
    assert key_name(("vault", "excludes", 1)) == "vault.excludes[1]"
    assert key_name(("habits", "targets", "Read 20 pages")) == 'habits.targets."Read 20 pages"'
