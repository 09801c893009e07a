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
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import jinja2
from jinja2.bccache import Bucket, bc_magic
from jinja2.loaders import split_template_path

from vaultkit.dashboards.bounds import (
    BYTECODE_PATTERN,
    MAX_TEMPLATE_BYTES,
    BoundedSandbox,
    LimitError,
    OutOfMemory,
    OutputLimitError,
    Overrun,
    RenderLimits,
    overrun_place,
    render_bounded,
    watched,
)
from vaultkit.errors import VaultkitError
from vaultkit.obsidian.resolve import file_name_key
from vaultkit.task_progress import Progress
from vaultkit.vaultpaths import TEMPLATES_PATH

_LIVE_CHECKBOX = re.compile(r"^(\s*(?:>\s*)*(?:[-*+]|\d+[.)])\s+)\[(.)\]", re.MULTILINE)


class RenderError(VaultkitError):
    """A template failed; nothing is written."""


def builtin_templates_dir() -> Path:
    """The built-in templates: inside the installed package, or the source checkout."""
    # Jinja's FileSystemLoader needs a real folder, so the installed package's own folder
    # is used directly (importlib.resources would cost the hook's start-up ~4 ms).
    package = Path(__file__).resolve().parent.parent
    packaged = package / "templates"
    return packaged if packaged.is_dir() else package.parent / "templates"


def progress_bar(done: int, total: int, width: int = 10) -> str:
    """``▰▰▰▱▱ 60%``: a text bar, because Obsidian renders no markdown inside HTML."""
    if total <= 0:
        return "▱" * width + " –"
    filled = round(width * done / total)
    return "▰" * filled + "▱" * (width - filled) + f" {round(100 * done / total)}%"


def pct(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


def cell(value: Any) -> str:
    """A value made safe for one markdown table cell: pipes escaped, lists joined by <br>."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "<br>".join(cell(item) for item in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value).replace("\\", "\\\\").replace("|", "\\|")
    return "<br>".join(part.strip() for part in text.splitlines()) if "\n" in text else text


_NOT_IN_WIKILINKS = re.compile(r"[|#^\[\]\r\n]|%%")
"""What a wikilink target cannot hold (Obsidian's help: ``# | ^ : %% [[ ]]`` "may not work";
the colon is left out: it is common in file names and not a delimiter of the link)."""
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|^%~=$-])")


def _markdown_link(posix: PurePosixPath, section: str, alias: str | None) -> str:
    """``[Name](Name.md)`` with the path URL-encoded: reaches a note whose name no wikilink can.

    Without this, a note named ``A | B.md`` became ``[[A | B]]``: a link to "A " and, in a
    table, an extra column; a name with a line break split a table row in two.
    """
    url = quote(posix.as_posix(), safe="/")
    if section:
        url += "#" + quote(section.split(" > ")[-1], safe="")
    shown = " ".join((alias if alias is not None else posix.stem).split())
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", shown)
    return f"[{escaped}]({url})"


def _none(_: str) -> int:
    return 0


class _Linker:
    """Writes wikilinks the way Obsidian's "shortest path" setting does.

    ``notes`` is every visible note's path, or a function giving how many visible notes have
    a given file-name key (:func:`vaultkit.obsidian.resolve.file_name_key`): the sync asks the index
    for just the names its dashboards link to instead of listing the whole vault.
    """

    def __init__(self, notes: Iterable[str] | Callable[[str], int]) -> None:
        self._counts: dict[str, int] = {}
        if callable(notes):
            self._lookup = notes
        else:
            for path in notes:
                key = file_name_key(path)
                self._counts[key] = self._counts.get(key, 0) + 1
            self._lookup = _none

    def _count(self, key: str) -> int:
        if key not in self._counts:
            self._counts[key] = self._lookup(key)
        return self._counts[key]

    def __call__(self, path: str, section: str = "", alias: str | None = None) -> str:
        if _NOT_IN_WIKILINKS.search(path):
            return _markdown_link(PurePosixPath(path), section, alias)
        # String slicing, as PurePosixPath's name/stem/with_suffix would (index paths are
        # already normalised): a dashboard links hundreds of notes.
        folder_end = path.rfind("/") + 1
        name = path[folder_end:]
        dot = name.rfind(".")
        stem = name[:dot] if 0 < dot < len(name) - 1 else name
        unique = self._count(file_name_key(name)) <= 1
        target = stem if unique else path[:folder_end] + stem
        if section:
            # Obsidian's heading links use the innermost heading of the path.
            target += "#" + section.split(" > ")[-1].replace("|", " ").replace("#", " ")
        if alias is None and not unique:
            alias = stem
        shown = f"|{alias.replace('|', ' ')}" if alias else ""
        return f"[[{target}{shown}]]"


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _date_helpers(today: dt.date) -> dict[str, Any]:
    """Date filters relative to the run's ``today`` (never the clock), so output stays pure."""

    def days_until(value: Any) -> int:
        return (_as_date(value) - today).days

    def days_since(value: Any) -> int:
        return (today - _as_date(value)).days

    def weekday(value: Any) -> str:
        return _as_date(value).strftime("%A")

    def date_format(value: Any, fmt: str = "%d %b %Y") -> str:
        return _as_date(value).strftime(fmt)

    return {
        "days_until": days_until,
        "days_since": days_since,
        "weekday": weekday,
        "date_format": date_format,
    }


def _escape_code(text: str) -> str:
    return "`" + str(text).replace("`", "'") + "`"


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
) -> jinja2.Environment:
    """The sandboxed environment dashboards render in.

    ``notes`` (every visible note's path, or a function counting the visible notes with a
    given file-name key) decide the shortest form of each link. ``templates`` is the vault's
    own templates folder (:attr:`vaultkit.vaultpaths.VaultPaths.templates`), whose files
    override the built-ins; None: the built-ins only. ``cache_dir`` keeps compiled templates
    between runs, which spares the hook compiling them on every save. ``limits`` bound each
    render (``[vault] template_timeout`` and ``max_output``).
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
    )
    env.filters.update(
        progress_bar=progress_bar,
        pct=pct,
        cell=cell,
        wikilink=_Linker(notes),
        code=_escape_code,
        **_date_helpers(today or dt.date.today()),
    )
    from vaultkit.dashboards.context import topic_value

    env.globals.update(progress_bar=progress_bar, pct=pct, topic_value=topic_value)
    return env


def _neutralise_checkboxes(text: str) -> str:
    # Generated text must never hold live checkboxes: the Tasks plugin and vaultkit itself
    # would count them as tasks.
    return _LIVE_CHECKBOX.sub(lambda m: f"{m.group(1)}{_box_symbol(m.group(2))}", text)


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
    except Overrun as exc:
        name, line = overrun_place(exc)
        if isinstance(exc, OutOfMemory):
            what = f"used more than {limits.memory // (1024 * 1024):,} MiB of memory"
            fix = "or raise max_output (a render may use 16 times it, at least 256 MiB)"
        else:
            what = f"ran for more than template_timeout = {limits.timeout:g} s"
            fix = "(does a loop never end?), or raise template_timeout"
        raise RenderError(
            f"the template {what} and was stopped; nothing was written. Fix the template "
            f"{fix} in .vaultkit/config.toml",
            path=name or template_name,
            line=line,
        ) from None
    except LimitError as exc:
        fix = f", or raise {exc.setting} in .vaultkit/config.toml" if exc.setting else ""
        raise RenderError(
            f"the template was stopped: {exc}; nothing was written. Fix the template{fix}",
            path=template_name,
            line=None if isinstance(exc, OutputLimitError) else _template_line(exc),
        ) from None
    except MemoryError:
        raise RenderError(
            "the template ran out of memory and was stopped; nothing was written",
            path=template_name,
        ) from None
    except jinja2.TemplateNotFound as exc:
        if exc.name != template_name:
            raise RenderError(
                f"the template includes or imports '{exc.name}', which is not a file in "
                f"{TEMPLATES_PATH} or a built-in; fix the name",
                path=template_name,
                line=_template_line(exc),
            ) from None
        raise RenderError(
            f"template '{exc.name}' not found in {TEMPLATES_PATH} or the built-ins; "
            "check the dashboard's 'template' setting"
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(
            f"template syntax error: {exc.message}; fix the template",
            path=exc.filename or template_name,
            line=exc.lineno,
        ) from None
    except jinja2.exceptions.SecurityError as exc:
        raise RenderError(
            f"the template tried something the sandbox forbids ({exc})",
            path=template_name,
        ) from None
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
