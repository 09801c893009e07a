"""The ``{% cache key %}…{% endcache %}`` tag: a template's fragment rendered once per key.

A big table whose one row changed should cost what one row costs: the built-in Topics
template wraps each row in ``{% cache %}``, keyed by everything the row's text depends on, so
a sync renders only the rows whose key is new and copies the others from the last render.
The key is the template's to give and must hold every value the body reads that can change
(the row, the columns, a link's shortest form); to it the tag adds the template's own source
and the tag's place in it, and vaultkit's version (the filters' code), so that a changed
template or vaultkit never reuses a stale fragment.

A fragment's text is a pure function of its key, so a hit gives exactly the bytes a render
would. The fragments live in the index (:mod:`vaultkit.index.fragments`) per dashboard;
after a dashboard renders something new, its fragments that render did not use are dropped,
so the store holds at most what the last such render of each dashboard used. A fragment
copied whole uses the fragments its body used when it was rendered (the rows of a block of
rows): each such fragment is stored with the list of them (under its key and
:data:`CHILDREN`), so that they stay, and the next change to a row of that block renders the
row alone, not the whole block. Without a store (``vaultkit doctor``, a template test) the
tag renders its body every time.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable, Mapping, Sequence
from hashlib import blake2b
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser

from vaultkit import __version__

Texts = Callable[[str, Sequence[str]], Mapping[str, str]]
"""(dashboard, keys) -> the stored texts of those keys it has."""
Everything = Callable[[str], Mapping[str, str]]
"""Dashboard -> every fragment stored for it (key -> text)."""

CHILDREN = ">"
"""Added to a fragment's key for the stored list of the fragments used while its body was
rendered, those nested in nested ones included (their keys, space-separated); a fragment's
own key is hex digits."""
TOP = CHILDREN
"""The key of the list of the fragments the dashboard's last render used outside any other
(the blocks of a table), in their order: what is stored is what they hold, so what a render
that no longer uses one of them drops is found from the lists, not by reading every key."""


MISSES_BEFORE_WHOLE = 32
"""Keys a render may ask of the index one by one and not find before it reads the rest of the
dashboard's store at once: a change of columns or template makes every key new."""


class FragmentStore:
    """The fragments of one sync's renders: those read, those used, and those new.

    A dashboard's fragments are read from the index as its ``{% cache %}`` tags ask for them,
    each with the list of the fragments inside it, and the last render's top fragments all
    at once: a table copied whole from its blocks reads those blocks, not its thousands of
    rows. When a block is not stored (a row of it changed), the rows the block in its place
    held last time are read together, before the block's body asks for them one by one.

    A render that made something new drops what the last one's :data:`TOP` list named and
    this one did not use, with what that held. A store without a top list (empty, or kept by
    an earlier vaultkit) is read whole at once, and so is the rest of one whose keys a render
    keeps not finding (:data:`MISSES_BEFORE_WHOLE`).
    """

    def __init__(self, texts: Texts, everything: Everything) -> None:
        self._texts = texts
        self._everything = everything
        self.read: dict[str, dict[str, str | None]] = {}
        """Per dashboard, every key asked of the index (and its list's key): its text, None
        when it is not stored."""
        self._whole: set[str] = set()
        """The dashboards whose store was read whole: a key not read is not stored."""
        self._last: dict[str, list[str]] = {}
        """Per dashboard read as asked, the last render's top list."""
        self._top_read: dict[str, str | None] = {}
        """Per dashboard, its top list as this render found it (None: there was none)."""
        self._asked: dict[str, int] = {}
        """Per dashboard, the fragments asked for outside any other so far."""
        self._misses: dict[str, int] = {}
        """Per dashboard read as asked, the keys asked of the index that were not stored."""
        self.used: dict[str, set[str]] = {}
        self.top: dict[str, dict[str, None]] = {}
        """Per dashboard, the fragments used outside any other, in their order."""
        self.new: dict[str, dict[str, str]] = {}
        self._inside: list[set[str]] = []
        """The fragments used by each body being rendered, the innermost last."""

    def get(self, dashboard: str, digest: str) -> str | None:
        read = self.read.get(dashboard)
        if read is None:
            read = self._open(dashboard, digest)
        text = self.new[dashboard].get(digest)
        if text is None:
            if dashboard in self._whole:
                text = read.get(digest)
            else:
                asked = digest not in read
                self._read(dashboard, [digest])
                text = read[digest]
                if text is None and asked:
                    self._missed(dashboard)
                if text is None and not self._inside and dashboard not in self._whole:
                    self._read_held(dashboard, self._asked[dashboard])
        if not self._inside:
            self._asked[dashboard] += 1
        if text is not None:
            self._use(dashboard, digest)
        return text

    def _open(self, dashboard: str, digest: str) -> dict[str, str | None]:
        """A dashboard's first ask: its top list is read with the key."""
        listed = digest + CHILDREN
        found = self._texts(dashboard, [digest, listed, TOP])
        last = self._top_read[dashboard] = found.get(TOP)
        read: dict[str, str | None]
        if last is None:
            read = self.read[dashboard] = dict(self._everything(dashboard))
            self._whole.add(dashboard)
        else:
            read = self.read[dashboard] = {digest: found.get(digest), listed: found.get(listed)}
            # The last render's top fragments, most of which this one asks for again, and
            # their lists: read together, not one query each (what the lists name is read
            # when a block is not stored, or the render saved).
            self._last[dashboard] = [key for key in last.split(" ") if key]
            self._read(dashboard, self._last[dashboard])
        self._asked[dashboard] = 0
        self.used[dashboard] = set()
        self.top[dashboard] = {}
        self.new[dashboard] = {}
        return read

    def _missed(self, dashboard: str) -> None:
        """A key asked of the index was not stored; past :data:`MISSES_BEFORE_WHOLE` of them
        (new columns or a new template: every key is new), the rest is read at once."""
        self._misses[dashboard] = misses = self._misses.get(dashboard, 0) + 1
        if misses == MISSES_BEFORE_WHOLE:
            self.read[dashboard].update(self._everything(dashboard))
            self._whole.add(dashboard)

    def _read(self, dashboard: str, keys: Iterable[str]) -> None:
        """Read those of ``keys`` not read yet, each with its list."""
        read = self.read[dashboard]
        wanted = [each for key in keys if key not in read for each in (key, key + CHILDREN)]
        if wanted:
            found = self._texts(dashboard, wanted)
            read.update((key, found.get(key)) for key in wanted)

    def _read_held(self, dashboard: str, position: int) -> None:
        """Read what the last render's fragment at ``position`` of the top list held: the
        fragment about to be rendered in its place most likely holds most of it again."""
        last = self._last[dashboard]
        if position < len(last):
            listed = self.read[dashboard].get(last[position] + CHILDREN)  # read by _open
            if listed:
                self._read(dashboard, listed.split(" "))

    def begin(self) -> None:
        """A fragment's body is about to be rendered: the fragments it uses are its own."""
        self._inside.append(set())

    def end(self) -> list[str]:
        """The body :meth:`begin` announced is rendered (or failed): the fragments it used,
        those nested in them included."""
        return sorted(self._inside.pop())

    def put(self, dashboard: str, digest: str, text: str, children: Sequence[str] = ()) -> None:
        """A fragment rendered, with the fragments its body used (:meth:`end`)."""
        self.new[dashboard][digest] = text
        if children:
            self.new[dashboard][digest + CHILDREN] = " ".join(children)
        self._use(dashboard, digest)

    def _use(self, dashboard: str, digest: str) -> None:
        """Mark a fragment used, with the fragments inside it (its list holds them all)."""
        listed = digest + CHILDREN
        text = self.new[dashboard].get(listed) or self.read[dashboard].get(listed)
        marked = [digest, listed, *text.split(" ")] if text else [digest]
        self.used[dashboard].update(marked)
        if self._inside:
            self._inside[-1].update(key for key in marked if not key.endswith(CHILDREN))
        else:
            self.top[dashboard][digest] = None

    def made(self, dashboard: str) -> bool:
        """Whether ``dashboard``'s render made a fragment the store does not hold."""
        return bool(self.new.get(dashboard))

    def changes(self, dashboard: str) -> tuple[list[str] | None, dict[str, str]]:
        """What the store must drop after ``dashboard`` rendered (its stored fragments that
        render did not use; None: all of them, as it used none) and what it must add; asked
        inside the transaction that saves them.

        A render that made nothing new drops nothing, and writes nothing. When another render
        saved since this one read the store (a dry run beside a watcher), every stored key is
        read: what that one stored is named by no list this render read.
        """
        if dashboard not in self.read:
            return None, {}
        new = self.new[dashboard]
        if not new:
            return [], {}
        used, read = self.used[dashboard], self.read[dashboard]
        if self._texts(dashboard, [TOP]).get(TOP) != self._top_read[dashboard]:
            dropped = [key for key in self._everything(dashboard) if key not in used]
        elif dashboard in self._whole:
            dropped = [key for key, text in read.items() if text is not None and key not in used]
        else:
            # The last top list and its lists were read by _open.
            gone = [key for key in self._last[dashboard] if key not in used]
            lists = [key + CHILDREN for key in gone if read[key + CHILDREN] is not None]
            held = [inner for key in lists for inner in str(read[key]).split(" ")]
            dropped = sorted({key for key in (*gone, *lists, *held) if key not in used})
        return dropped, {**new, TOP: " ".join(self.top[dashboard])}


class FragmentCache(Extension):
    """``{% cache a, b, … %}body{% endcache %}``: the body's text, from the store when the
    same block was rendered with the same values before."""

    tags = {"cache"}  # noqa: RUF012  (typed a set by Jinja's Extension)

    def __init__(self, environment: jinja2.Environment) -> None:
        super().__init__(environment)
        environment.extend(fragments=None)
        self._sources: dict[str | None, str] = {}
        self._tags: dict[str | None, int] = {}
        """Per template, the ``{% cache %}`` tags parsed so far (two may share a line)."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        # The whole template's digest goes into each block's identity: the body may call a
        # macro or read a variable set elsewhere in the file.
        self._sources[name] = blake2b(source.encode("utf-8", "surrogatepass")).hexdigest()
        self._tags[name] = 0
        return source

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        values: list[nodes.Expr] = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            values.append(parser.parse_expression())
        # Compiled into the template's code, which Jinja's bytecode cache keeps by the
        # template's text alone: vaultkit's version is added when the block runs instead.
        # (Changing the code this method generates needs sandbox._COMPILED_VERSION moved.)
        # The tag's place in the template: its line, and how many tags came before it (the
        # tags of one line are parsed in their order).
        tag = self._tags[parser.name] = self._tags.get(parser.name, 0) + 1
        block = f"{parser.name}\0{self._sources.get(parser.name, '')}\0{lineno}\0{tag}"
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        call = self.call_method(
            "_fragment", [nodes.ContextReference(), nodes.Const(block), nodes.List(values)]
        )
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _fragment(
        self, context: Any, block: str, values: list[Any], caller: Callable[[], str]
    ) -> str:
        store: FragmentStore | None = getattr(self.environment, "fragments", None)
        if store is None:
            return caller()
        for value in values:
            if isinstance(value, jinja2.Undefined):
                value._fail_with_undefined_error()
        try:
            # Pickle tells apart what the body may treat differently (a str and a Markdown
            # str, 1 and 1.0 and True), and is one C call: a table has thousands of rows.
            key = pickle.dumps((__version__, block, values), protocol=5)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError) as exc:
            raise TypeError(
                f"a {{% cache %}} key holds a value that cannot be a key ({exc}); use text, "
                "numbers, lists and mappings"
            ) from None
        digest = blake2b(key, digest_size=16).hexdigest()
        about = context.get("dashboard")
        dashboard = str(about.get("name", "")) if isinstance(about, Mapping) else ""
        text = store.get(dashboard, digest)
        if text is None:
            store.begin()
            try:
                text = str(caller())
            finally:
                children = store.end()
            store.put(dashboard, digest, text, children)
        return text
