"""Dataview inline fields: ``[key:: value]`` and ``(key:: value)``, and ``key:: value`` lines.

The bracketed forms are an inline rule; the value is parsed as inline markdown, so a link
inside a field is still a link. Key and value lengths are capped so that a line full of
unmatched brackets stays linear. Fields on their own line (``key:: value``) are read by the
paragraph text collector from the paragraph's source lines.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from vaultkit.model import InlineField
from vaultkit.parse.state import InlineBlock, InlineText, Syntax, Walk

MAX_KEY = 64
MAX_VALUE = 2000
_CLOSERS = {"[": "]", "(": ")"}


def valid_field_key(key: str) -> bool:
    key = key.strip()
    return (
        0 < len(key) <= MAX_KEY
        and not any(ch in key for ch in "[]()`\n")
        and not key.startswith(("!", "#", "^"))
        and "://" not in key
    )


def _inline_field(state: StateInline, silent: bool) -> bool:
    src = state.src
    pos = state.pos
    opener = src[pos]
    closer = _CLOSERS.get(opener)
    if closer is None:
        return False
    if state.level >= state.md.options.get("maxNesting", 20):
        return False
    limit = min(state.posMax, pos + 1 + MAX_KEY + 2)
    sep = src.find("::", pos + 1, limit)
    if sep == -1 or not valid_field_key(src[pos + 1 : sep]):
        return False
    # The value runs to the first closer; wikilinks inside it ("[due:: [[2024-05-01]]]")
    # are skipped whole. Only C-level finds, bounded by MAX_VALUE, so unmatched
    # brackets cost little.
    stop = min(state.posMax, sep + 2 + MAX_VALUE)
    end = sep + 2
    while True:
        close = src.find(closer, end, stop)
        if close == -1:
            return False
        nested = src.find("[[", end, close) if opener == "[" else -1
        if nested == -1:
            break
        nested_end = src.find("]]", nested + 2, stop)
        if nested_end == -1:
            return False
        end = nested_end + 2
    if src.find("\n", sep, close) != -1 or src.count("`", sep, close) % 2:
        # An odd number of backticks means a code span runs past the bracket: the
        # bracket is inside code, not the end of a field.
        return False
    end = close
    if silent:
        state.pos = end + 1
        return True
    token = state.push("vk_field_open", "", 1)
    token.meta = {
        "key": src[pos + 1 : sep].strip(),
        "value": src[sep + 2 : end].strip(),
        "bracket": opener,
        "pos": pos,
    }
    old_max = state.posMax
    state.pos = sep + 2
    state.posMax = end
    state.md.inline.tokenize(state)
    state.pos = end + 1
    state.posMax = old_max
    state.push("vk_field_close", "", -1)
    return True


def inline_fields_plugin(md: MarkdownIt) -> None:
    md.inline.add_terminator_char("(")
    md.inline.ruler.before("link", "vk_inline_field", _inline_field)


def _collect_open(text: InlineText, token: Token) -> None:
    text.open("inline_field", token)
    text.emit(f"[{(token.meta or {}).get('key', '')}:: ")


def _collect_close(text: InlineText, token: Token) -> None:
    opened = text.close("inline_field")
    if opened is None:
        return
    meta = opened[0].meta or {}
    text.emit("]")
    text.out.inline_fields.append(
        InlineField(
            text.line_at(meta.get("pos")),
            str(meta.get("key", "")),
            str(meta.get("value", "")),
            True,
            text.place.section,
        )
    )


def _collect_lines(walk: Walk, block: InlineBlock) -> None:
    """``key:: value`` lines of a paragraph."""
    content = block.token.content
    if "::" not in content:
        return
    for index, line in enumerate(content.split("\n")):
        key, sep, value = line.partition("::")
        if not sep or not valid_field_key(key) or key != key.lstrip():
            continue
        if key.rstrip() != key and key.strip() == "":
            continue
        walk.out.inline_fields.append(
            InlineField(block.first_line + index, key.strip(), value.strip(), False, walk.section())
        )


SYNTAX = Syntax(
    "inline_fields",
    plugin=inline_fields_plugin,
    # "(" matches only with "::" close after it on its line (the key's limit).
    triggers={"vk_inline_field": (r"\[", rf"\((?=[^\n]{{0,{MAX_KEY}}}::)")},
    starts={"vk_inline_field": "[("},
    inline={"vk_field_open": _collect_open, "vk_field_close": _collect_close},
    text={"paragraph_open": _collect_lines},
)
