"""Rendering dashboards: Jinja2 templates in a sandbox, with vaultkit's helper filters.

Templates come from ``<vault>/.vaultkit/templates/`` first (a same-named file overrides a
built-in) and then from the built-in ``templates/`` folder shipped in the wheel. All of them
run in Jinja's ``ImmutableSandboxedEnvironment``: a template from a shared vault cannot reach
Python internals, the file system or the network. Undefined names are errors, and a
template error names the template and its line.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

import jinja2
from jinja2.bccache import Bucket, bc_magic
from jinja2.loaders import split_template_path

from vaultkit.dashboards.bounds import (
    MAX_TEMPLATE_BYTES,
    LimitError,
    OutOfMemory,
    OutputLimitError,
    Overrun,
    RenderLimits,
    render_bounded,
)
from vaultkit.dashboards.fragments import FragmentCache, FragmentStore
from vaultkit.dashboards.helpers import template_filters, template_globals
from vaultkit.dashboards.sandbox import BYTECODE_PATTERN, BoundedSandbox
from vaultkit.dashboards.watchdog import overrun_place, watched
from vaultkit.errors import VaultkitError
from vaultkit.task_progress import Progress
from vaultkit.vaultpaths import TEMPLATES_PATH

_CHECKBOX = r"(?:>\s*|(?:[-*+]|\d+[.)])\s+)*(?:[-*+]|\d+[.)])\s+)\[(.)\]"
# A list item's checkbox, after the blockquote and list markers that open its line (``- - [ ]``
# is a task in a list in a list). Searched for after each newline, and once at the start of the
# text: a pattern led by a literal is searched for by that character, where a ``^`` with
# ``re.MULTILINE`` is tried at every character of the text (~5 ms a megabyte).
_LIVE_CHECKBOX = re.compile(r"(\n\s*" + _CHECKBOX)
_FIRST_CHECKBOX = re.compile(r"\A(\s*" + _CHECKBOX)


class RenderError(VaultkitError):
    """A template failed; nothing is written."""


def builtin_templates_dir() -> Path:
    """The built-in templates: inside the installed package, or the source checkout."""
    # Jinja's FileSystemLoader needs a real folder, so the installed package's own folder
    # is used directly (importlib.resources would cost the hook's start-up ~4 ms).
    package = Path(__file__).resolve().parent.parent
    packaged = package / "templates"
    return packaged if packaged.is_dir() else package.parent / "templates"


class _OwnBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's compiled-template files, which replace only what is Jinja's own.

    Jinja renames a new ``__jinja2_<hash>.cache`` over the old one; this cache first checks
    that the file there is a plain file starting with Jinja's bytecode mark, and keeps
    anything else but an empty file (design section 8 item 12: vaultkit replaces only its own
    files). The folder is vaultkit's own (:attr:`vaultkit.vaultpaths.VaultPaths.
    templates_cache`). Writing is only a speed-up, so it never fails a render either.
    """

    def dump_bytecode(self, bucket: Bucket) -> None:
        target = self._get_cache_filename(bucket)
        try:
            if not stat.S_ISREG(os.lstat(target).st_mode):
                return
            with open(target, "rb") as handle:
                if handle.read(len(bc_magic)) not in (bc_magic, b""):
                    return
        except FileNotFoundError:
            pass
        except OSError:
            return
        with suppress(OSError):
            super().dump_bytecode(bucket)


def _bytecode_cache(cache_dir: Path | None) -> jinja2.BytecodeCache | None:
    if cache_dir is None:
        return None
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # only a speed-up: render without it
    return _OwnBytecodeCache(str(cache_dir), BYTECODE_PATTERN)


class _VaultLoader(jinja2.FileSystemLoader):
    """The vault's own templates, none of which may be a link to a file outside the vault.

    Otherwise a shared vault could carry ``links.md.j2 -> ~/.ssh/id_rsa`` and sync would copy
    the key into a dashboard (design section 8, items 6 and 7).
    """

    def __init__(self, folder: Path, vault: Path) -> None:
        super().__init__(str(folder))
        self.vault = vault.resolve()

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        shown = (TEMPLATES_PATH / template).as_posix()
        path = Path(self.searchpath[0], *split_template_path(template))
        if path.is_file():
            # Checked before reading: a link out of the vault is never read, nor a huge file.
            self._check_inside(path, template)
            size = path.stat().st_size
            if size > MAX_TEMPLATE_BYTES:
                raise RenderError(
                    f"the template is {size:,} bytes, more than the {MAX_TEMPLATE_BYTES:,} "
                    "vaultkit reads; a dashboard template is a few kilobytes",
                    path=shown,
                )
        try:
            source, filename, uptodate = super().get_source(environment, template)
        except UnicodeDecodeError:
            raw = path.read_bytes()
            try:
                raw.decode("utf-8")
                line = None
            except UnicodeDecodeError as exc:
                line = raw[: exc.start].count(b"\n") + 1
            raise RenderError(
                "the template is not UTF-8 text; save it as UTF-8", path=shown, line=line
            ) from None
        self._check_inside(Path(filename), template)
        return source, filename, uptodate

    def _check_inside(self, path: Path, template: str) -> None:
        if not path.resolve().is_relative_to(self.vault):
            raise RenderError(
                f"template '{template}' links to a file outside the vault, which vaultkit "
                "never reads; replace the link with a copy of the template",
                path=(TEMPLATES_PATH / template).as_posix(),
            )


_DICT_ATTRIBUTES = frozenset(dir(dict))
_PROGRESS_FIELDS = frozenset({"done", "total", "pct"})


class _Environment(BoundedSandbox):
    """The bounded sandbox, with a quicker ``row.key`` for the records dashboards read most."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        # Both shortcuts give what the sandbox gives, without its checks (which these cannot
        # fail) or, for a dict key, the AttributeError it raises first: a dashboard reads a
        # few thousand such fields.
        kind = type(obj)
        if kind is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        elif kind is Progress and attribute in _PROGRESS_FIELDS:
            return getattr(obj, attribute)
        return super().getattr(obj, attribute)


def make_environment(
    vault: Path,
    notes: Iterable[str] | Callable[[str], int],
    today: dt.date | None = None,
    *,
    templates: Path | None = None,
    cache_dir: Path | None = None,
    limits: RenderLimits | None = None,
    fragments: FragmentStore | None = None,
) -> jinja2.Environment:
    """The sandboxed environment dashboards render in.

    ``notes`` (every visible note's path, or a function counting the visible notes with a
    given file-name key) decide the shortest form of each link. ``templates`` is the vault's
    own templates folder (:attr:`vaultkit.vaultpaths.VaultPaths.templates`), whose files
    override the built-ins; None: the built-ins only. ``cache_dir`` keeps compiled templates
    between runs, which spares the hook compiling them on every save. ``limits`` bound each
    render (``[vault] template_timeout`` and ``max_output``). ``fragments`` keeps what the
    ``{% cache %}`` blocks render (:mod:`vaultkit.dashboards.fragments`); None: they render
    their body every time.
    """
    loaders: list[jinja2.BaseLoader] = []
    if templates is not None and templates.is_dir():
        loaders.append(_VaultLoader(templates, vault))
    loaders.append(jinja2.FileSystemLoader(str(builtin_templates_dir())))
    env = _Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_bytecode_cache(cache_dir),
        limits=limits,
        extensions=[FragmentCache],
    )
    env.fragments = fragments  # type: ignore[attr-defined]
    filters = template_filters(notes, today or dt.date.today())
    env.filters.update(
        {
            name: _computed_when_rendered(f) if name in _RUN_FILTERS else f
            for name, f in filters.items()
        }
    )
    env.globals.update(template_globals())
    return env


_RUN_FILTERS = frozenset({"wikilink", "topic_key", "topic_keys", "days_until", "days_since"})
"""The filters whose value depends on the run (the index's note names, the date), not on
their arguments alone."""


def _computed_when_rendered(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` as a filter Jinja never computes while compiling.

    Jinja computes a filter of constants (``"2026-12-01" | days_until``) once, at compile
    time, into the compiled template, which the bytecode cache keeps between runs: such a
    value would be the first run's forever. A filter that takes the context is never
    computed ahead.
    """

    @jinja2.pass_context
    def filter_(_context: Any, *args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return filter_


def _neutralise_checkboxes(text: str) -> str:
    # Generated text must never hold live checkboxes: the Tasks plugin and vaultkit itself
    # would count them as tasks.
    def symbol(match: re.Match[str]) -> str:
        return f"{match[1]}{_box_symbol(match[2])}"

    # (No "\n" + text: a copy of a megabyte table costs more than the search.)
    return _LIVE_CHECKBOX.sub(symbol, _FIRST_CHECKBOX.sub(symbol, text, count=1))


def _box_symbol(status: str) -> str:
    return {" ": "☐", "x": "☑", "X": "☑", "-": "⊟", "/": "◐"}.get(status, "▣")


def render_template(env: jinja2.Environment, template_name: str, context: Mapping[str, Any]) -> str:
    """Render one dashboard; errors name the template file and line.

    The render is bounded (:mod:`vaultkit.dashboards.bounds`): past ``template_timeout``
    seconds, past ``max_output`` bytes of output, or asking for a huge value, it stops with a
    RenderError.
    """
    limits = env.limits if isinstance(env, BoundedSandbox) else RenderLimits()

    def render() -> str:
        template = env.get_template(template_name)
        return render_bounded(template, context, limits.max_output)

    try:
        text = watched(limits, render)
    except (Overrun, LimitError, MemoryError) as exc:
        raise _stopped(exc, template_name, limits) from None
    except (
        jinja2.TemplateNotFound,
        jinja2.TemplateSyntaxError,
        jinja2.exceptions.SecurityError,
    ) as exc:
        raise _refused(exc, template_name, env) from None
    except (
        jinja2.UndefinedError,
        TypeError,
        ValueError,
        LookupError,
        AttributeError,
        # range() past the sandbox's limit, 1/0, a macro calling itself: a template bug too.
        ArithmeticError,
        RecursionError,
    ) as exc:
        raise RenderError(
            f"the template failed: {exc}", path=template_name, line=_template_line(exc)
        ) from None
    text = _neutralise_checkboxes(text).rstrip("\n") + "\n"
    return text


def check_template(env: jinja2.Environment, template_name: str) -> list[RenderError]:
    """Compile ``template_name`` and every template it includes, imports or extends by a
    constant name, rendering nothing; each one's error (at most one per file: Jinja stops at a
    file's first syntax error), naming its file and line.

    What ``vaultkit doctor`` reports; a template that compiles may still fail when it runs.
    """
    from jinja2.meta import find_referenced_templates

    errors: list[RenderError] = []
    seen: set[str] = set()
    # Each template to compile, and the file that names it (None: the dashboard's own).
    wanted: list[tuple[str, str | None]] = [(template_name, None)]
    while wanted:
        name, parent = wanted.pop(0)
        if name in seen:
            continue
        seen.add(name)
        try:
            env.get_template(name)
            assert env.loader is not None
            source, filename, _ = env.loader.get_source(env, name)
            found = find_referenced_templates(env.parse(source))
        except jinja2.TemplateNotFound as exc:
            if parent is None:
                errors.append(_refused(exc, name, env))
            else:
                errors.append(
                    RenderError(
                        f"the template includes or imports '{name}', which is not a file in "
                        f"{TEMPLATES_PATH} or a built-in; fix the name",
                        path=parent,
                    )
                )
            continue
        except jinja2.TemplateSyntaxError as exc:
            errors.append(_refused(exc, name, env))
            continue
        except RenderError as exc:  # the vault's loader refused the file
            errors.append(exc)
            continue
        wanted += [(child, filename or name) for child in found if child is not None]
    return errors


def _stopped(exc: BaseException, template_name: str, limits: RenderLimits) -> RenderError:
    """The error for a render stopped at a bound: out of time or memory, or too large."""
    if isinstance(exc, Overrun):
        name, line = overrun_place(exc)
        if isinstance(exc, OutOfMemory):
            what = f"used more than {limits.memory // (1024 * 1024):,} MiB of memory"
            fix = "or raise max_output (a render may use 16 times it, at least 256 MiB)"
        else:
            what = f"ran for more than template_timeout = {limits.timeout:g} s"
            fix = "(does a loop never end?), or raise template_timeout"
        return RenderError(
            f"the template {what} and was stopped; nothing was written. Fix the template "
            f"{fix} in .vaultkit/config.toml",
            path=name or template_name,
            line=line,
        )
    if isinstance(exc, LimitError):
        fix = f", or raise {exc.setting} in .vaultkit/config.toml" if exc.setting else ""
        return RenderError(
            f"the template was stopped: {exc}; nothing was written. Fix the template{fix}",
            path=template_name,
            line=None if isinstance(exc, OutputLimitError) else _template_line(exc),
        )
    return RenderError(
        "the template ran out of memory and was stopped; nothing was written",
        path=template_name,
    )


def _refused(exc: jinja2.TemplateError, template_name: str, env: jinja2.Environment) -> RenderError:
    """The error for a template Jinja cannot find, parse or run in the sandbox."""
    if isinstance(exc, jinja2.TemplateNotFound):
        if exc.name != template_name:
            return RenderError(
                f"the template includes or imports '{exc.name}', which is not a file in "
                f"{TEMPLATES_PATH} or a built-in; fix the name",
                path=template_name,
                line=_template_line(exc),
            )
        return RenderError(
            f"template '{exc.name}' not found in {TEMPLATES_PATH} or the built-ins; "
            "check the dashboard's 'template' setting"
        )
    if isinstance(exc, jinja2.TemplateSyntaxError):
        message, line = exc.message or "", exc.lineno
        at_end = message.startswith("Unexpected end of template")
        opened = _unclosed(env, exc.source, exc.lineno, at_end=at_end) if exc.source else None
        if opened is not None:
            what, line = opened
            message = f"{what} (Jinja noticed at line {exc.lineno}: {message})"
        return RenderError(
            f"template syntax error: {message}; fix the template",
            path=exc.filename or template_name,
            line=line,
        )
    return RenderError(
        f"the template tried something the sandbox forbids ({exc})", path=template_name
    )


_BLOCK_TAGS = frozenset(
    {"for", "if", "macro", "call", "filter", "block", "with", "autoescape", "raw", "trans", "set"}
)
"""Jinja's tags that open a block closed by ``end<tag>`` (``set`` only without ``=``)."""


def _unclosed(
    env: jinja2.Environment, source: str, error_line: int, *, at_end: bool
) -> tuple[str, int] | None:
    """Where the mistake behind a syntax error Jinja finds only later really is: a tag opened
    (``{%``, ``{{``) before ``error_line`` and never closed, or, at the end of the template, the
    innermost block never ended (``at_end``: Jinja's "Unexpected end of template"). Jinja
    names the line where it noticed, which for these is the next line or the last one, so the
    user would look in the wrong place."""
    tag: tuple[str, int] | None = None  # an open "{%" or "{{" and its line
    blocks: list[tuple[str, int]] = []  # (tag, line) of the blocks open
    name_next = False
    try:
        for line, kind, value in env.lex(source):
            if line > error_line:
                break
            if kind in ("block_begin", "variable_begin"):
                tag, name_next = (value, line), kind == "block_begin"
            elif kind in ("block_end", "variable_end"):
                tag = None
            elif kind == "name" and name_next:
                name_next = False
                if value in _BLOCK_TAGS:
                    blocks.append((value, line))
                elif value.startswith("end") and blocks and blocks[-1][0] == value[3:]:
                    blocks.pop()
            elif kind == "operator" and value == "=" and blocks and blocks[-1][0] == "set":
                if tag is not None and tag[1] == blocks[-1][1]:
                    blocks.pop()  # {% set x = … %} assigns; only {% set x %} opens a block
            elif kind != "whitespace":
                name_next = False
    except jinja2.TemplateSyntaxError:
        pass  # the lexer stops where the parser did; what was read so far decides
    if tag is not None and tag[1] < error_line:
        return f"the tag '{tag[0]}' opened at line {tag[1]} is not closed", tag[1]
    if at_end and blocks and blocks[-1][1] != error_line:
        name, line = blocks[-1]
        return f"the '{name}' block opened at line {line} is never ended", line
    return None


def _template_line(exc: BaseException) -> int | None:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2") or "template" in (
            tb.tb_frame.f_code.co_name
        ):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
