"""Wikilinks ``[[target#fragment|display]]`` and embeds ``![[file|size]]``.

Follows Obsidian: the target ends at the first ``]]`` on the same line (a single ``]``
does not end it), an escaped ``\\|`` (needed inside tables) separates the display text,
and ``[[#Heading]]`` is a link to the same note. ``[[text](url)]`` has no ``]]`` and so
stays a markdown link, as in Obsidian. The collector makes each ``vk_wikilink`` token a
:class:`~vaultkit.model.Link`; its shown text (display, else target and fragment; nothing for
an embed) joins the plain text.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from vaultkit.model import Link, LinkKind
from vaultkit.parse.inline_search import find_forward
from vaultkit.parse.state import InlineText, Syntax


def split_link_body(body: str) -> tuple[str, str | None, str | None]:
    """Split ``target#fragment|display`` into its three parts."""
    body = body.replace("\\|", "|")
    display: str | None = None
    if "|" in body:
        body, display = body.split("|", 1)
    fragment: str | None = None
    if "#" in body:
        body, fragment = body.split("#", 1)
        fragment = fragment.strip()
    return body.strip(), fragment, display


def _wikilink(state: StateInline, silent: bool) -> bool:
    src = state.src
    pos = state.pos
    if src.startswith("![[", pos):
        start = pos + 3
        embed = True
    elif src.startswith("[[", pos):
        start = pos + 2
        embed = False
    else:
        return False
    close = find_forward(state, "]]", start)
    if close == -1:
        return False
    newline = find_forward(state, "\n", start)
    if newline != -1 and newline < close:
        return False
    last_open = find_forward(state, "[[", start)
    if last_open != -1 and last_open < close:
        return False  # a later "[[" owns this "]]"
    body = src[start:close]
    if not body.strip():
        return False
    if not silent:
        target, fragment, display = split_link_body(body)
        token = state.push("vk_wikilink", "", 0)
        token.content = body
        token.markup = src[pos : close + 2]
        token.meta = {
            "embed": embed,
            "target": target,
            "fragment": fragment,
            "display": display,
            "pos": pos,
        }
    state.pos = close + 2
    return True


def wikilinks_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("link", "vk_wikilink", _wikilink)


def _collect(text: InlineText, token: Token) -> None:
    meta = token.meta or {}
    embed = bool(meta.get("embed"))
    target = str(meta.get("target", ""))
    fragment = meta.get("fragment")
    display = meta.get("display")
    if embed:
        shown = ""
    elif display is not None:
        shown = display
    else:
        shown = target + (f" > {fragment}" if fragment and target else fragment or "")
    text.emit(shown)
    text.out.word_count += len(shown.split())
    place = text.place
    text.add_link(
        Link(
            kind=LinkKind.EMBED if embed else LinkKind.WIKILINK,
            target=target,
            fragment=fragment or None,
            display=display,
            line=text.line_at(meta.get("pos")),
            section=place.section,
            raw=token.markup,
            embed=embed,
            task_line=place.task_line,
            table_line=place.table_line,
            callout_line=place.callout_line,
        )
    )


SYNTAX = Syntax(
    "wikilinks",
    plugin=wikilinks_plugin,
    triggers={"vk_wikilink": (r"\[\[",)},
    # "![[" embeds a note or file.
    starts={"vk_wikilink": "[!"},
    inline={"vk_wikilink": _collect},
)
