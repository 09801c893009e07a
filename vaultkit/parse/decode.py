"""Turning a note's bytes into text: BOM, encoding, binary detection, line endings.

Nothing here may raise on any input: bad bytes become replacement characters plus a
diagnostic naming the line, so one broken note never stops a run.
"""

from __future__ import annotations

import codecs
from typing import NamedTuple

from vaultkit.model import Diagnostic, Severity

_BINARY_SNIFF_BYTES = 8192


class DecodedText(NamedTuple):
    text: str
    """Text with line endings normalised to ``\\n`` and without BOM."""
    has_bom: bool
    line_ending: str
    is_binary: bool
    diagnostics: tuple[Diagnostic, ...]


def _line_ending_style(data: bytes) -> str:
    if b"\r" not in data:  # the common case, one search instead of three counts
        return "lf" if b"\n" in data else "none"
    crlf = data.count(b"\r\n")
    lf = data.count(b"\n") - crlf
    cr = data.count(b"\r") - crlf
    kinds = [name for name, count in (("lf", lf), ("crlf", crlf), ("cr", cr)) if count]
    if not kinds:
        return "none"
    return kinds[0] if len(kinds) == 1 else "mixed"


def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode_note(data: bytes) -> DecodedText:
    """Decode a note's bytes leniently; never raises."""
    diagnostics: list[Diagnostic] = []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            text = data.decode(encoding, errors="replace")
        diagnostics.append(
            Diagnostic(
                1,
                "encoding-utf16",
                "the note is UTF-16; Obsidian expects UTF-8, save it as UTF-8",
            )
        )
        raw = text.encode("utf-8")
        return _finish(raw, text, has_bom=True, diagnostics=diagnostics)

    has_bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8) :] if has_bom else data
    if b"\x00" in body[:_BINARY_SNIFF_BYTES]:
        return DecodedText(
            text="",
            has_bom=has_bom,
            line_ending=_line_ending_style(body),
            is_binary=True,
            diagnostics=(
                Diagnostic(
                    1,
                    "binary",
                    "the file holds binary data (NUL bytes), not text; it was not parsed",
                    Severity.ERROR,
                ),
            ),
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = body.decode("utf-8", errors="replace")
        diagnostics.append(
            Diagnostic(
                _line_of_offset(body, exc.start),
                "encoding-invalid",
                "invalid UTF-8 bytes were read as U+FFFD; re-save the note as UTF-8",
            )
        )
    return _finish(body, text, has_bom=has_bom, diagnostics=diagnostics)


def _finish(raw: bytes, text: str, *, has_bom: bool, diagnostics: list[Diagnostic]) -> DecodedText:
    style = _line_ending_style(raw)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    return DecodedText(
        text=text,
        has_bom=has_bom,
        line_ending=style,
        is_binary=False,
        diagnostics=tuple(diagnostics),
    )
