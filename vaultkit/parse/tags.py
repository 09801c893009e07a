"""Inline tags ``#tag`` and ``#nested/tag``.

Obsidian's rules: the tag starts after whitespace (or at the start of the text), runs
until whitespace or punctuation other than ``_``, ``-`` and ``/``, and needs at least one
character that is not a digit (``#1984`` is not a tag). Because this is a markdown-it
rule, a ``#`` inside code, a URL or a link destination never reaches it. The collector
records each ``vk_tag`` token as an inline :class:`~vaultkit.model.Tag` mention.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from vaultkit.model import Tag
from vaultkit.parse.state import InlineText, Syntax

# Obsidian's tag character class, as used by its metadata cache: anything but
# whitespace, general punctuation blocks and ASCII punctuation other than _ - /.
_STOP = set("'!\"#$%&()*+,.:;<=>?@^`{|}~[]\\")


def _is_tag_char(ch: str) -> bool:
    if ch.isspace() or ch in _STOP:
        return False
    code = ord(ch)
    return not (0x2000 <= code <= 0x206F or 0x2E00 <= code <= 0x2E7F or code == 0x3000)


def _tag(state: StateInline, silent: bool) -> bool:
    src = state.src
    pos = state.pos
    if src[pos] != "#":
        return False
    if pos > 0 and not src[pos - 1].isspace():
        return False
    end = pos + 1
    maximum = state.posMax
    while end < maximum and _is_tag_char(src[end]):
        end += 1
    name = src[pos + 1 : end]
    if not name or name.replace("/", "").isdigit() or name.strip("/-_") == "":
        return False
    if not silent:
        token = state.push("vk_tag", "", 0)
        token.content = name
        token.meta = {"pos": pos}
    state.pos = end
    return True


def tags_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("emphasis", "vk_tag", _tag)


def _collect(text: InlineText, token: Token) -> None:
    text.emit("#" + token.content)
    text.tags.append(token.content)
    line = text.line_at((token.meta or {}).get("pos"))
    text.out.tags.append(Tag(token.content, line, "inline", text.place.section))


SYNTAX = Syntax(
    "tags",
    plugin=tags_plugin,
    triggers={"vk_tag": ("#",)},
    starts={"vk_tag": "#"},
    inline={"vk_tag": _collect},
)
