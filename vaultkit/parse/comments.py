"""Obsidian comments ``%% … %%``: a block rule and an inline rule.

A comment's content is hidden in Obsidian's reading view, so nothing inside it is a
task, link or tag. The block rule takes a comment that starts a line and spans lines
(possibly blank ones, as Obsidian allows); the inline rule takes ``%%…%%`` inside a
paragraph. Both emit a ``vk_comment`` token carrying the content, so that vaultkit's own
region markers (``%% vaultkit:begin NAME %%``) can be recognised from the token stream
(:mod:`vaultkit.parse.regions`). The collectors record each comment as a hidden span, with a
diagnostic when it is never closed.

A comment that starts a line often holds a checklist the user set aside; the block rule also
keeps its content as the markdown it would be without the ``%%`` (``meta["body"]``), which
:mod:`vaultkit.parse.hidden_tasks` reads for the checkbox items to report.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from vaultkit.model import Diagnostic, Span
from vaultkit.parse.inline_search import find_forward
from vaultkit.parse.state import CommentBody, InlineText, Syntax, Walk

MARKER = "%%"


def _comment_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if state.is_code_block(start_line):
        return False
    src = state.src
    pos = state.bMarks[start_line] + state.tShift[start_line]
    maximum = state.eMarks[start_line]
    if not src.startswith(MARKER, pos):
        return False
    close = src.find(MARKER, pos + 2, maximum)
    if close != -1:
        if src[close + 2 : maximum].strip():
            return False  # "%% note %% text" is an inline comment in a paragraph
        last_line = start_line
        closed = True
        content = src[pos + 2 : close]
    else:
        closed = False
        last_line = start_line
        line = start_line + 1
        while line < end_line:
            line_start = state.bMarks[line] + state.tShift[line]
            line_end = state.eMarks[line]
            if line_start < line_end and state.sCount[line] < state.blkIndent:
                break  # the container (list item, quote) ended before the comment did
            found = src.find(MARKER, line_start, line_end)
            last_line = line
            if found != -1:
                close = found
                closed = True
                break
            line += 1
        content_end = close if closed else state.eMarks[last_line]
        content = src[pos + 2 : content_end]
    if silent:
        return True
    token = state.push("vk_comment", "", 0)
    token.map = [start_line, last_line + 1]
    token.content = content
    token.block = True
    token.meta = {"closed": closed, "body": _body(state, start_line, last_line, content, closed)}
    state.line = last_line + 1
    return True


def _body(state: StateBlock, start_line: int, last_line: int, content: str, closed: bool) -> str:
    """The comment's content as markdown, one source line per line: the lines after the first
    lose the indentation (and quote markers) of the container the comment sits in, as
    markdown-it's ``getLines`` gives a container's lines to the rules inside it."""
    if last_line == start_line:
        return content
    first = state.src[
        state.bMarks[start_line] + state.tShift[start_line] + 2 : state.eMarks[start_line]
    ]
    middle = state.getLines(start_line + 1, last_line, state.blkIndent, True)
    last = state.getLines(last_line, last_line + 1, state.blkIndent, False)
    if closed:
        # The closing marker is the first on its line (the rule stopped there).
        last = last[: last.find(MARKER)]
    return f"{first}\n{middle}{last}"


def _comment_inline(state: StateInline, silent: bool) -> bool:
    pos = state.pos
    if not state.src.startswith(MARKER, pos):
        return False
    close = find_forward(state, MARKER, pos + 2)
    end = state.posMax if close == -1 else close + 2
    if not silent:
        token = state.push("vk_comment", "", 0)
        token.content = state.src[pos + 2 : close if close != -1 else state.posMax]
        token.meta = {"closed": close != -1, "pos": pos}
    state.pos = end
    return True


def comments_plugin(md: MarkdownIt) -> None:
    md.block.ruler.before(
        "fence",
        "vk_comment",
        _comment_block,
        {"alt": ["paragraph", "reference", "blockquote", "list"]},
    )
    md.inline.ruler.before("emphasis", "vk_comment", _comment_inline)


def _collect_block(walk: Walk, token: Token) -> None:
    if token.map is None:
        return
    line = walk.line_of(token.map[0])
    end_line = walk.line_of(token.map[1] - 1)
    walk.out.hidden.append(Span(line, end_line, "comment"))
    meta = token.meta or {}
    body = meta.get("body", "")
    # Only a "[" can open a checkbox: most comments (region markers, notes to self) are
    # never parsed again.
    if "[" in body and not walk.hidden_line(line):
        walk.out.comments.append(CommentBody(line, end_line, body))
    if not meta.get("closed", True):
        walk.out.diagnostics.append(
            Diagnostic(
                line,
                "comment-unterminated",
                "this %% comment is never closed, so Obsidian hides the rest of the "
                "note; add a closing %%",
            )
        )


def _collect_inline(text: InlineText, token: Token) -> None:
    meta = token.meta or {}
    line = text.line_at(meta.get("pos"))
    end = line + token.content.count("\n")
    text.out.hidden.append(Span(line, end, "comment"))
    if not meta.get("closed", True):
        text.out.diagnostics.append(
            Diagnostic(
                line,
                "comment-unterminated",
                "this %% comment is not closed before the paragraph ends; add a closing %%",
            )
        )
    # Lines inside a multi-line inline comment still advance the line count.
    for _ in range(token.content.count("\n")):
        text.line_break()


SYNTAX = Syntax(
    "comments",
    plugin=comments_plugin,
    triggers={"vk_comment": (MARKER,)},
    starts={"vk_comment": MARKER[0]},
    block_starts={"vk_comment": MARKER[0]},
    block={"vk_comment": _collect_block},
    inline={"vk_comment": _collect_inline},
)
