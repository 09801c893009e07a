"""Jinja's immutable sandbox, bounded: no step of a template builds a value past the limits.

The operations that turn a small template into a huge value in one step, inside C code that
nothing can interrupt, are checked before they run: ``'x' * 10**9``, ``[1] * 10**9``,
``10 ** 10**9``, ``'%999999999d' % 1``, ``'{:999999999}'.format(1)``, ``'x'.center(10**9)``,
``big | join`` over many items, ``|replace``, ``|indent``, ``|wordwrap``, ``|batch``/``|slice``
with fill values, ``lipsum(10**6)``, and the joining behind ``~``, macros and ``{% set %}``
blocks. No string may exceed ``max_output`` characters, no list an eighth of that in items,
no integer :data:`~vaultkit.dashboards.bounds.MAX_INT_BITS` bits (see
:mod:`vaultkit.dashboards.bounds` for the other two defences).
"""

from __future__ import annotations

import functools
import re
import types
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.filters import make_attrgetter
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedFormatter
from jinja2.utils import generate_lorem_ipsum
from markupsafe import EscapeFormatter, Markup

from vaultkit.dashboards.bounds import MAX_INT_BITS, LimitError, RenderLimits

if TYPE_CHECKING:
    from jinja2.nodes import EvalContext
    from jinja2.runtime import Context


def _is_int(value: object) -> bool:
    return isinstance(value, int)


def _digits(bits: int) -> int:
    return int(bits * 0.30103) + 1


def _text_size(value: object) -> int:
    """How long ``str(value)`` is (computed for anything but strings and numbers)."""
    if isinstance(value, str | bytes):
        return len(value)
    if isinstance(value, bool) or value is None:
        return 5
    if isinstance(value, int):
        return _digits(value.bit_length()) + 1
    if isinstance(value, float):
        return 24
    return len(str(value))


_PERCENT_SPEC = re.compile(r"%(?:\(([^)]*)\))?[#0 +-]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.)", re.S)
_SPEC_NUMBER = re.compile(r"\d+")


class _BoundedFormatter(SandboxedFormatter):
    """``str.format`` that refuses huge widths and stops once its result passes the limit."""

    def __init__(self, env: BoundedSandbox, **kwargs: Any) -> None:
        super().__init__(env, **kwargs)
        self._bounded = env
        self._size = 0

    def format_field(self, value: Any, format_spec: str) -> Any:
        widest = max(map(int, _SPEC_NUMBER.findall(format_spec)), default=0)
        self._bounded.check_text(widest, "format()")
        text = super().format_field(value, format_spec)
        self._size += len(text)
        self._bounded.check_text(self._size, "format()")
        return text


class _BoundedEscapeFormatter(_BoundedFormatter, EscapeFormatter):
    pass


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator, with the result of every ``~`` checked against the limit."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:  # noqa: N802 (Jinja's name)
        self.write("environment.checked_text(")
        super().visit_Concat(node, frame)
        self.write(")")


_COMPILED_VERSION = 3
"""Part of the compiled-template cache's file names: code compiled before the checks above
existed (or with other ones), or when a filter took other arguments (2: ``wikilink``,
``days_until`` and ``days_since`` take the context, :mod:`vaultkit.dashboards.render`), or
with another ``{% cache %}`` identity (3: the tag's place counts the tags before it,
:mod:`vaultkit.dashboards.fragments`), must not be loaded from the cache."""
BYTECODE_PATTERN = f"__vaultkit_bounded{_COMPILED_VERSION}_%s.cache"


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with the size checks described in the module docstring."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _CodeGenerator

    def __init__(self, *args: Any, limits: RenderLimits | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits or RenderLimits()
        self.globals["lipsum"] = self._lipsum
        original = dict(self.filters)
        self.filters.update(
            center=self._filter_center,
            indent=self._filter_indent(original["indent"]),
            wordwrap=self._filter_wordwrap(original["wordwrap"]),
            format=self._filter_format(original["format"]),
            join=self._filter_join(original["join"]),
            replace=self._filter_replace(original["replace"]),
            batch=self._filter_batch(original["batch"]),
            slice=self._filter_slice(original["slice"]),
            sum=self._filter_sum,
        )

    # -- the checks ---------------------------------------------------------------------

    def check_text(self, size: int, how: str) -> None:
        limit = self.limits.max_output
        if size > limit:
            raise LimitError(
                f"{how} would make a text of {size:,} characters, more than "
                f"max_output = {limit:,} allows"
            )

    def check_items(self, size: int, how: str) -> None:
        limit = self.limits.max_items
        if size > limit:
            raise LimitError(
                f"{how} would make a list of {size:,} items, more than the {limit:,} "
                "(max_output / 8) allowed"
            )

    def check_length(self, value: object, size: int, how: str) -> None:
        if isinstance(value, str | bytes):
            self.check_text(size, how)
        elif isinstance(value, list | tuple):
            self.check_items(size, how)

    def check_bits(self, bits: int, how: str) -> None:
        if bits > MAX_INT_BITS:
            raise LimitError(
                f"{how} would make a number of about {_digits(bits):,} digits, more than "
                f"the {_digits(MAX_INT_BITS):,} a template may compute",
                setting="",
            )

    def checked_text(self, text: Any) -> Any:
        """The result of ``~`` (compiled in by :class:`_CodeGenerator`), if not too long."""
        self.check_text(len(text), "'~'")
        return text

    def concat(self, parts: Iterable[str]) -> str:
        """Joins the output of macros, ``{% set %}`` blocks, ``{% filter %}`` and calls."""
        pieces = parts if type(parts) is list else list(parts)
        self.check_text(sum(map(len, pieces)), "joining a block's output")
        return "".join(pieces)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            if _is_int(right) and isinstance(left, str | bytes | list | tuple):
                self.check_length(left, len(left) * right, "'*'")
            elif _is_int(left) and isinstance(right, str | bytes | list | tuple):
                self.check_length(right, len(right) * left, "'*'")
            elif _is_int(left) and _is_int(right):
                self.check_bits(abs(left).bit_length() + abs(right).bit_length(), "'*'")
        elif operator == "**":
            if _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
                self.check_bits((abs(left).bit_length() - 1) * right, "'**'")
        elif operator == "+":
            if isinstance(left, str | bytes | list | tuple) and isinstance(
                right, str | bytes | list | tuple
            ):
                self.check_length(left, len(left) + len(right), "'+'")
        elif operator == "%" and isinstance(left, str):
            self.check_percent(left, right, "'%'")
        return self.binop_table[operator](left, right)

    def check_percent(self, template: str, args: Any, how: str) -> None:
        """``template % args``: its widths and precisions, and its arguments' lengths."""
        size = len(template)
        stars = 0
        keys: list[str] = []
        for match in _PERCENT_SPEC.finditer(template):
            for number in (match[2], match[3]):
                if number == "*":
                    stars += 1
                elif number:
                    size += int(number)
            if match[1] is not None:
                keys.append(match[1])
        if isinstance(args, Mapping):
            # A named argument may be used many times over: count it each time.
            size += sum(_text_size(args[key]) for key in keys if key in args)
        else:
            values = args if isinstance(args, tuple) else (args,)
            size += sum(_text_size(value) for value in values)
            if stars:
                size += stars * max((abs(v) for v in values if _is_int(v)), default=0)
        self.check_text(size, how)

    # -- str and bytes methods ----------------------------------------------------------

    def wrap_str_format(self, value: Any) -> Callable[..., Any] | None:
        """Methods that can build a huge string from small arguments, bounded.

        Jinja's sandbox calls this on every attribute it hands out, for ``str.format``; the
        same spot bounds ``center``, ``ljust``, ``rjust``, ``zfill``, ``expandtabs``,
        ``replace``, ``join`` and ``translate`` of strings and bytes, and ``int.to_bytes``.
        """
        if not isinstance(value, types.MethodType | types.BuiltinMethodType):
            return None
        owner = getattr(value, "__self__", None)
        name = value.__name__
        if isinstance(owner, str) and name in ("format", "format_map"):
            return self._format_method(owner, value)
        if isinstance(owner, str | bytes) and name in _SIZED_METHODS:
            return functools.update_wrapper(
                functools.partial(_SIZED_METHODS[name], self, owner, value), value
            )
        if isinstance(owner, int) and name == "to_bytes":
            return functools.update_wrapper(functools.partial(_to_bytes, self, value), value)
        return None

    def _format_method(self, owner: str, method: Callable[..., Any]) -> Callable[..., str]:
        kind: type[str] = type(owner)
        is_map = method.__name__ == "format_map"

        def wrapper(*args: Any, **kwargs: Any) -> str:
            if is_map:
                if kwargs:
                    raise TypeError("format_map() takes no keyword arguments")
                if len(args) != 1:
                    raise TypeError(f"format_map() takes exactly one argument ({len(args)} given)")
                kwargs, args = args[0], ()
            formatter: _BoundedFormatter
            if isinstance(owner, Markup):
                formatter = _BoundedEscapeFormatter(self, escape=owner.escape)
            else:
                formatter = _BoundedFormatter(self)
            return kind(formatter.vformat(owner, args, kwargs))

        return functools.update_wrapper(wrapper, method)

    # -- filters and globals ------------------------------------------------------------

    def _lipsum(self, n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
        self.check_text(n * max * 12, "lipsum()")
        return generate_lorem_ipsum(n, html, min, max)

    def _filter_center(self, value: Any, width: int = 80) -> str:
        text = str(value)
        if _is_int(width):
            self.check_text(max(len(text), width), "center")
        return text.center(width)

    def _filter_indent(self, original: Callable[..., str]) -> Callable[..., str]:
        def indent(s: Any, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
            text = str(s)
            step = len(width) if isinstance(width, str) else width if _is_int(width) else 0
            self.check_text(len(text) + (text.count("\n") + 1) * step, "indent")
            return original(s, width, first, blank)

        return indent

    def _filter_wordwrap(self, original: Callable[..., str]) -> Callable[..., str]:
        @jinja2.pass_environment
        def wordwrap(
            environment: jinja2.Environment,
            s: str,
            width: int = 79,
            break_long_words: bool = True,
            wrapstring: str | None = None,
            break_on_hyphens: bool = True,
        ) -> str:
            text = str(s)
            joint = environment.newline_sequence if wrapstring is None else wrapstring
            # Lines break at whitespace, at hyphens, or every `width` characters of a word.
            lines = sum(map(text.count, (" ", "\t", "\n", "-"))) + 1
            if _is_int(width) and width > 0:
                lines += len(text) // width
            self.check_text(len(text) + lines * len(str(joint)), "wordwrap")
            return original(environment, s, width, break_long_words, wrapstring, break_on_hyphens)

        return wordwrap

    def _filter_format(self, original: Callable[..., str]) -> Callable[..., str]:
        def format(value: Any, *args: Any, **kwargs: Any) -> str:
            self.check_percent(str(value), kwargs or args, "format")
            return original(value, *args, **kwargs)

        return format

    def _filter_join(self, original: Callable[..., str]) -> Callable[..., str]:
        @jinja2.pass_eval_context
        def join(
            eval_ctx: EvalContext, value: Any, d: str = "", attribute: str | int | None = None
        ) -> str:
            items = list(value)
            if attribute is not None:
                items = list(map(make_attrgetter(self, attribute), items))
            size = len(str(d)) * max(len(items) - 1, 0) + sum(map(_text_size, items))
            self.check_text(size, "join")
            return original(eval_ctx, items, d)

        return join

    def _filter_replace(self, original: Callable[..., str]) -> Callable[..., str]:
        @jinja2.pass_eval_context
        def replace(
            eval_ctx: EvalContext, s: Any, old: Any, new: Any, count: int | None = None
        ) -> str:
            text, old_text, new_text = str(s), str(old), str(new)
            found = len(text) + 1 if not old_text else text.count(old_text)
            if _is_int(count) and count is not None and count >= 0:
                found = min(found, count)
            self.check_text(len(text) + found * (len(new_text) - len(old_text)), "replace")
            return original(eval_ctx, s, old, new, count)

        return replace

    def _filter_batch(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def batch(value: Any, linecount: int, fill_with: Any = None) -> Any:
            if fill_with is not None and _is_int(linecount):
                self.check_items(linecount, "batch")
            return original(value, linecount, fill_with)

        return batch

    def _filter_slice(self, original: Callable[..., Any]) -> Callable[..., Any]:
        @jinja2.pass_eval_context
        def slice(eval_ctx: EvalContext, value: Any, slices: int, fill_with: Any = None) -> Any:
            if _is_int(slices):
                self.check_items(slices, "slice")
            return original(eval_ctx, value, slices, fill_with)

        return slice

    def _filter_sum(
        self, iterable: Iterable[Any], attribute: str | int | None = None, start: Any = 0
    ) -> Any:
        items = list(iterable)
        if attribute is not None:
            items = list(map(make_attrgetter(self, attribute), items))
        if isinstance(start, str | bytes | list | tuple):
            size = len(start) + sum(
                len(x) for x in items if isinstance(x, str | bytes | list | tuple)
            )
            self.check_length(start, size, "sum")
        return sum(items, start)


def _padded(env: BoundedSandbox, owner: str | bytes, method: Callable[..., Any], *args: Any) -> Any:
    if args and _is_int(args[0]):
        env.check_length(owner, max(len(owner), args[0]), f"{method.__name__}()")
    return method(*args)


def _expandtabs(
    env: BoundedSandbox, owner: str | bytes, method: Callable[..., Any], *args: Any, **kwargs: Any
) -> Any:
    size = args[0] if args else kwargs.get("tabsize", 8)
    if _is_int(size):
        tabs = owner.count("\t" if isinstance(owner, str) else b"\t")  # type: ignore[arg-type]
        env.check_length(owner, len(owner) + tabs * max(size, 0), "expandtabs()")
    return method(*args, **kwargs)


def _replace(
    env: BoundedSandbox, owner: str | bytes, method: Callable[..., Any], *args: Any, **kwargs: Any
) -> Any:
    if len(args) >= 2 and isinstance(args[0], str | bytes) and isinstance(args[1], str | bytes):
        old, new = args[0], args[1]
        count = args[2] if len(args) > 2 else kwargs.get("count", -1)
        found = len(owner) + 1 if not old else owner.count(old)  # type: ignore[arg-type]
        if _is_int(count) and count >= 0:
            found = min(found, count)
        env.check_length(owner, len(owner) + found * (len(new) - len(old)), "replace()")
    return method(*args, **kwargs)


def _join(env: BoundedSandbox, owner: str | bytes, method: Callable[..., Any], items: Any) -> Any:
    items = list(items)
    size = len(owner) * max(len(items) - 1, 0)
    size += sum(len(x) for x in items if isinstance(x, str | bytes))
    env.check_length(owner, size, "join()")
    return method(items)


def _translate(
    env: BoundedSandbox, owner: str | bytes, method: Callable[..., Any], table: Any, *rest: Any
) -> Any:
    if isinstance(owner, str) and isinstance(table, Mapping):
        longest = max((len(v) for v in table.values() if isinstance(v, str)), default=1)
        env.check_text(len(owner) * max(longest, 1), "translate()")
    return method(table, *rest)


def _to_bytes(env: BoundedSandbox, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    length = args[0] if args else kwargs.get("length", 1)
    if _is_int(length):
        env.check_text(length, "to_bytes()")
    return method(*args, **kwargs)


_SIZED_METHODS: Mapping[str, Callable[..., Any]] = {
    "center": _padded,
    "ljust": _padded,
    "rjust": _padded,
    "zfill": _padded,
    "expandtabs": _expandtabs,
    "replace": _replace,
    "join": _join,
    "translate": _translate,
}
