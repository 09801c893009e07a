"""Bare URLs (``https://example.org/page``), recognised in linear time.

mdit-py-plugins' GFM autolink rule copies the rest of the paragraph and searches the
pending text at every ``:``, which is quadratic on long paragraphs; this rule only looks
at the last characters of the pending text and matches forward from the colon. Only
``http``/``https`` URLs are linked, as Obsidian's reading view does; ``www.`` without a
scheme stays text. Trailing punctuation is trimmed the way GFM does. The rule emits the
same ``link_open``/``link_close`` tokens as an autolink, so :mod:`vaultkit.parse.links`
collects them.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from vaultkit.parse.state import Syntax

_SCHEMES = ("https", "http")
_REST = re.compile(r"//[^\s<>\x00-\x1f\x7f]+")
_TRAILING = "?!.,:*_~'\""
_ENTITY_TAIL = re.compile(r"&[A-Za-z0-9]+;$")


def _trim(url: str) -> str:
    while url:
        last = url[-1]
        if last in _TRAILING or (last == ")" and url.count(")") > url.count("(")):
            url = url[:-1]
        elif last == ";" and (entity := _ENTITY_TAIL.search(url)) is not None:
            url = url[: entity.start()]
        else:
            break
    return url


def _bare_url(state: StateInline, silent: bool) -> bool:
    if state.linkLevel > 0 or silent:
        # Like GFM autolinks, bare URLs are found only when emitting tokens, so that a
        # link label scanned silently is stepped over as plain text.
        return False
    pos = state.pos
    src = state.src
    if src[pos] != ":":
        return False
    pending = state.pending
    scheme = next((s for s in _SCHEMES if pending.endswith(s)), None)
    if scheme is None:
        return False
    before = len(pending) - len(scheme) - 1
    if before >= 0 and (pending[before].isalnum() or pending[before] in "_-"):
        return False
    match = _REST.match(src, pos + 1, state.posMax)
    if match is None:
        return False
    rest = _trim(match.group(0))
    host = rest[2:].split("/", 1)[0]
    if not host or host.startswith(".") or ("." not in host.strip(".") and host != "localhost"):
        return False
    url = scheme + ":" + rest
    full_url = state.md.normalizeLink(url)
    if not state.md.validateLink(full_url):
        return False
    state.pending = pending[: -len(scheme)]
    start = pos - len(scheme)
    token = state.push("link_open", "a", 1)
    token.attrs = {"href": full_url}
    token.markup = "autolink"
    token.info = "auto"
    token.meta = {"pos": start, "end": pos + 1 + len(rest)}
    token = state.push("text", "", 0)
    token.content = state.md.normalizeLinkText(url)
    state.push("link_close", "a", -1)
    state.pos = pos + 1 + len(rest)
    return True


def urls_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.push("vk_bare_url", _bare_url)


# The rule matches at the colon of a scheme that ends the pending text.
SYNTAX = Syntax(
    "urls", plugin=urls_plugin, triggers={"vk_bare_url": ("https?:",)}, starts={"vk_bare_url": ":"}
)
