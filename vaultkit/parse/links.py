"""Markdown links ``[text](target)``, images ``![alt](src)`` and autolinks ``<https://…>``.

markdown-it's own rules find them (bare URLs come from :mod:`vaultkit.parse.urls` as the same
tokens); the parser wraps those rules so that their tokens carry their offset in
``meta["pos"]``/``meta["end"]`` (:mod:`vaultkit.parse.markdown`). A target with a scheme is an
external link; any other is a link to a note or file, percent-decoded, with its ``#fragment``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from markdown_it.token import Token

from vaultkit.model import Link, LinkKind
from vaultkit.parse.state import InlineText, Place, Syntax

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def _raw(token: Token, content: str, fallback: str) -> str:
    meta = token.meta or {}
    return content[meta["pos"] : meta["end"]] if "pos" in meta and "end" in meta else fallback


def markdown_link(opener: Token, text: str, content: str, line: int, place: Place) -> Link:
    """The link a ``link_open`` token opens, ``text`` being the plain text up to its close."""
    href = str(opener.attrs.get("href", ""))
    is_auto = opener.markup in ("autolink", "linkify")
    if is_auto:
        kind = LinkKind.URL
        target, fragment = href, None
    elif _SCHEME.match(href):
        kind = LinkKind.EXTERNAL
        target, fragment = href, None
    else:
        kind = LinkKind.MARKDOWN
        path, _, frag = href.partition("#")
        target = unquote(path)
        fragment = unquote(frag) if frag else None
    return Link(
        kind=kind,
        target=target,
        fragment=fragment,
        display=text if not is_auto else None,
        line=line,
        section=place.section,
        raw=_raw(opener, content, href),
        task_line=place.task_line,
        table_line=place.table_line,
        callout_line=place.callout_line,
    )


def image_link(token: Token, content: str, line: int, place: Place) -> Link:
    """The embed an ``image`` token stands for."""
    src = str(token.attrs.get("src", ""))
    if _SCHEME.match(src):
        kind, target, fragment = LinkKind.EXTERNAL, src, None
    else:
        path, _, frag = src.partition("#")
        kind, target, fragment = LinkKind.EMBED, unquote(path), (unquote(frag) or None)
    return Link(
        kind=kind,
        target=target,
        fragment=fragment,
        display=token.content or None,
        line=line,
        section=place.section,
        raw=_raw(token, content, src),
        embed=True,
        task_line=place.task_line,
        table_line=place.table_line,
        callout_line=place.callout_line,
    )


def _collect_open(text: InlineText, token: Token) -> None:
    text.open("link", token)


def _collect_close(text: InlineText, token: Token) -> None:
    opened = text.close("link")
    if opened is None:
        return
    opener, inside = opened
    line = text.line_at((opener.meta or {}).get("pos"))
    text.add_link(markdown_link(opener, inside.strip(), text.content, line, text.place))


def _collect_image(text: InlineText, token: Token) -> None:
    line = text.line_at((token.meta or {}).get("pos"))
    text.add_link(image_link(token, text.content, line, text.place))


SYNTAX = Syntax(
    "links",
    tracked=("link", "image", "autolink"),
    inline={"link_open": _collect_open, "link_close": _collect_close, "image": _collect_image},
)
