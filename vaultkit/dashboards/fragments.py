"""The ``{% cache key %}…{% endcache %}`` tag: a template's fragment rendered once per key.

A big table whose one row changed should cost what one row costs: the built-in Topics
template wraps each row in ``{% cache %}``, keyed by everything the row's text depends on, so
a sync renders only the rows whose key is new and copies the others from the last render.
The key is the template's to give and must hold every value the body reads that can change
(the row, the columns, a link's shortest form); to it the tag adds the template's own source
and the tag's line, and vaultkit's version (the filters' code), so that a changed template
or vaultkit never reuses a stale fragment.

A fragment's text is a pure function of its key, so a hit gives exactly the bytes a render
would. The fragments live in the index (:mod:`vaultkit.index.fragments`) per dashboard;
after a dashboard renders something new, its fragments that render did not use are dropped,
so the store holds at most what the last such render of each dashboard used. Without a store
(``vaultkit doctor``, a template test) the tag renders its body every time.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Mapping
from hashlib import blake2b
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser

from vaultkit import __version__

Loader = Callable[[str], Mapping[str, str]]
"""Dashboard name -> its stored fragments (key digest -> text)."""


class FragmentStore:
    """The fragments of one sync's renders: those stored, those used, and those new.

    Each dashboard's stored fragments are read on its first ``{% cache %}``, so a dashboard
    whose template has none costs nothing.
    """

    def __init__(self, load: Loader) -> None:
        self._load = load
        self.stored: dict[str, Mapping[str, str]] = {}
        self.used: dict[str, set[str]] = {}
        self.new: dict[str, dict[str, str]] = {}

    def get(self, dashboard: str, digest: str) -> str | None:
        stored = self.stored.get(dashboard)
        if stored is None:
            stored = self.stored[dashboard] = self._load(dashboard)
            self.used[dashboard] = set()
            self.new[dashboard] = {}
        text = stored.get(digest)
        if text is None:
            text = self.new[dashboard].get(digest)
        if text is not None:
            self.used[dashboard].add(digest)
        return text

    def put(self, dashboard: str, digest: str, text: str) -> None:
        self.new[dashboard][digest] = text
        self.used[dashboard].add(digest)

    def changes(self, dashboard: str) -> tuple[list[str] | None, dict[str, str]]:
        """What the store must drop after ``dashboard`` rendered (its stored fragments that
        render did not use; None: all of them, as it used none) and what it must add.

        A render that made nothing new drops nothing: the fragments it did not use are then
        those nested in a block it copied whole (the rows of an unchanged block of rows),
        which the next change to that block reads again, and a render that changed nothing
        writes nothing.
        """
        if dashboard not in self.stored:
            return None, {}
        new = self.new[dashboard]
        if not new:
            return [], {}
        used = self.used[dashboard]
        dropped = [digest for digest in self.stored[dashboard] if digest not in used]
        return dropped, new


class FragmentCache(Extension):
    """``{% cache a, b, … %}body{% endcache %}``: the body's text, from the store when the
    same block was rendered with the same values before."""

    tags = {"cache"}  # noqa: RUF012  (typed a set by Jinja's Extension)

    def __init__(self, environment: jinja2.Environment) -> None:
        super().__init__(environment)
        environment.extend(fragments=None)
        self._sources: dict[str | None, str] = {}

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        # The whole template's digest goes into each block's identity: the body may call a
        # macro or read a variable set elsewhere in the file.
        self._sources[name] = blake2b(source.encode("utf-8", "surrogatepass")).hexdigest()
        return source

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        values: list[nodes.Expr] = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            values.append(parser.parse_expression())
        # Compiled into the template's code, which Jinja's bytecode cache keeps by the
        # template's text alone: vaultkit's version is added when the block runs instead.
        # (Changing the code this method generates needs sandbox._COMPILED_VERSION moved.)
        block = f"{parser.name}\0{self._sources.get(parser.name, '')}\0{lineno}"
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
            text = str(caller())
            store.put(dashboard, digest, text)
        return text
