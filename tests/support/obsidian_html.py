"""A note rendered to HTML roughly as Obsidian's reading view shows it, for the browser test.

vaultkit's own markdown-it parser (CommonMark, GFM tables and strikethrough, and its rules for
wikilinks, ``%%`` comments, tags, highlights and callouts) gives the tokens; this renders
them: wikilinks as links showing their alias, comments as nothing, callouts as
``<div class="callout">``, and a ``mermaid`` fence as the ``<pre class="mermaid">`` the
Mermaid library draws. Each table row also says how many cells its source line holds
(``data-source-cells``): markdown-it, like other GFM parsers, drops a row's extra cells, so
a row split by a bare ``|`` would otherwise look whole in the browser.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from markdown_it.renderer import RendererHTML
from markdown_it.rules_block.table import escapedSplit
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from vaultkit.parse.markdown import build_parser

Rule = Any


def _nothing(*_: object) -> str:
    return ""


def _wikilink(tokens: Sequence[Token], index: int, *_: object) -> str:
    meta = tokens[index].meta or {}
    target = meta.get("target") or ""
    fragment = meta.get("fragment")
    shown = meta.get("display") or (target + (f" > {fragment}" if fragment else ""))
    if meta.get("embed"):
        return f'<span class="internal-embed">{html.escape(target)}</span>'
    return f'<a class="internal-link" href="#">{html.escape(shown)}</a>'


def _tag(tokens: Sequence[Token], index: int, *_: object) -> str:
    return f'<a class="tag" href="#">#{html.escape(tokens[index].content)}</a>'


def _plain(tokens: Sequence[Token], index: int, *_: object) -> str:
    return html.escape(tokens[index].content)


def _blockquote_open(
    self: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    callout = (tokens[index].meta or {}).get("callout")
    if callout is None:
        return self.renderToken(tokens, index, options, env)
    kind = html.escape(callout["type"])
    return f'<div class="callout" data-callout="{kind}">'


def _blockquote_close(
    self: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    depth = 0
    for token in reversed(tokens[:index]):
        if token.type == "blockquote_close":
            depth += 1
        elif token.type == "blockquote_open":
            if depth == 0:
                return "</div>\n" if (token.meta or {}).get("callout") else "</blockquote>\n"
            depth -= 1
    return "</blockquote>\n"


def _fence(
    self: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[index]
    if token.info.strip() == "mermaid":
        return f'<pre class="mermaid">{html.escape(token.content)}</pre>\n'
    return RendererHTML.fence(self, tokens, index, options, env)


def _count_source_cells(tokens: Sequence[Token], lines: list[str]) -> None:
    for token in tokens:
        if token.type == "tr_open" and token.map:
            line = lines[token.map[0]].strip().lstrip(">").strip()
            cells = escapedSplit(line)
            if cells and not cells[0].strip():
                cells = cells[1:]
            if cells and not cells[-1].strip():
                cells = cells[:-1]
            token.attrSet("data-source-cells", str(len(cells)))


def render_note(text: str) -> str:
    """The HTML body of a note (front matter left out)."""
    md = build_parser()
    if text.startswith("---\n") and "\n---\n" in text[4:]:
        text = text[text.index("\n---\n", 4) + 5 :]
    tokens = md.parse(text)
    _count_source_cells(tokens, text.split("\n"))
    renderer = RendererHTML(md)
    rules: dict[str, Rule] = {
        "vk_wikilink": _wikilink,
        "vk_comment": _nothing,
        "vk_tag": _tag,
        "vk_field_open": _nothing,
        "vk_field_close": _nothing,
        "vk_bare_url": _plain,
    }
    for name, rule in rules.items():
        renderer.rules[name] = rule
    renderer.rules["blockquote_open"] = _blockquote_open.__get__(renderer)
    renderer.rules["blockquote_close"] = _blockquote_close.__get__(renderer)
    renderer.rules["fence"] = _fence.__get__(renderer)
    return renderer.render(tokens, md.options, {})
