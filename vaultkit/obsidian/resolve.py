"""Link resolution: which vault file a link points to, and whether its anchor exists.

This module owns the rules of design section 5 ("Link resolution (as Obsidian does it)"):
turning a parsed link's ``target`` into a vault path (:class:`LinkResolver`), matching a
``#Heading``/``#H1#H2``/``#^block`` fragment against the target note as Obsidian compares
headings (:func:`heading_key`, :func:`find_heading`, :func:`check_anchor`, with the heading a
lenient reading would have matched; ``docs/heading-anchors.md``), and the alias hint for
links Obsidian leaves unresolved (:class:`AliasIndex`, :func:`alias_hint`). Everything here
is pure: callers pass the vault's paths, headings and block ids in, nothing is read from disk.

Obsidian documents little of this. Where a rule is observed rather than documented, the
docstring says so and names the source; ``tests/obsidian/test_resolve.py`` pins each rule.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

__all__ = [
    "HEADING_STRIPPED",
    "AliasIndex",
    "AnchorStatus",
    "LinkResolver",
    "Resolution",
    "alias_hint",
    "alias_key",
    "alias_owner",
    "anchor_status",
    "check_anchor",
    "file_name_key",
    "find_heading",
    "heading_key",
    "link_name_keys",
    "link_target_key",
    "normalize_heading",
    "strip_heading",
]

_MD = ".md"

# A last path segment that ends like a file extension (``.png``, ``.canvas``, ``.pdf``).
# ``v1.2 notes`` or ``Mr. Smith`` do not: a space can't be part of an extension. It only
# decides which reading of a dotted name is tried first; both readings are always tried.
_EXTENSION_LIKE = re.compile(r"\.[0-9A-Za-z]{1,10}\Z")


def _key(text: str) -> str:
    """Comparison key for names and paths: NFC, casefolded, NFC again.

    Obsidian matches link targets case-insensitively (design section 5). Files created on
    macOS may carry NFD names while links are typed in NFC (or the reverse), so both sides
    are NFC-normalised. Casefolding can itself produce decomposed text, hence the second NFC.
    """
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())


def file_name_key(path: str) -> str:
    """The comparison key of a path's file name: what a link's last segment must match."""
    return _key(path[path.rfind("/") + 1 :])


def link_name_keys(target: str, source: str) -> set[str]:
    """File-name keys of every file that could decide where ``target`` (from ``source``)
    resolves: a :class:`LinkResolver` built from just those files resolves it as one built
    from the whole vault would. ``..`` segments can make any segment of the target, or of
    the source's folder, the last one, so all of them count, each as a note name too.
    Without such segments only the target's last one counts (:func:`link_target_key`):
    a folder of 100 notes renamed resolves their thousands of links again, and every
    folder name above them would otherwise bring its namesakes into the resolver.
    """
    last = link_target_key(target)
    if last is not None:
        return {last, last + _MD} if last else set()
    keys: set[str] = set()
    for segment in [*unicodedata.normalize("NFC", target).split("/"), *_folder(source).split("/")]:
        if segment not in ("", ".", ".."):
            key = _key(segment)
            keys.add(key)
            keys.add(_key(segment + _MD))
    return keys


def link_target_key(target: str) -> str | None:
    """The key a file's name must have to decide where ``target`` resolves, from any note:
    that of its last segment (``[[a/Note]]`` -> ``note``, ``[[Doc.pdf]]`` -> ``doc.pdf``).

    A file named ``K`` can change where a link points only if ``K`` is this key, or this key
    with ``.md`` (:func:`file_keys_deciding`). ``""``: no file can (an empty target is the
    linking note itself; a bare ``/`` points nowhere). None: a ``.`` or ``..`` segment can make
    another segment of the target, or of the linking note's folder, the last one; only
    :func:`link_name_keys` can say which files decide then.
    """
    segments = unicodedata.normalize("NFC", target).split("/")
    if any(segment in (".", "..") for segment in segments):
        return None
    named = [segment for segment in segments if segment]
    return _key(named[-1]) if named else ""


def file_keys_deciding(path: str) -> tuple[str, ...]:
    """The :func:`link_target_key` values of the links whose resolution the file at ``path``
    can decide: ``Note.md`` decides ``[[Note]]`` and ``[[Note.md]]``, ``a.png`` only ``[[a.png]]``
    (a note ``a.png.md`` would be the second reading of ``[[a.png]]``, not this file)."""
    key = file_name_key(path)
    return (key, key[: -len(_MD)]) if key.endswith(_MD) and len(key) > len(_MD) else (key,)


def _folder(path: str) -> str:
    cut = path.rfind("/")
    return path[:cut] if cut >= 0 else ""


def _note_stem(path: str) -> str | None:
    """The path without ``.md`` if it is a note (extension case-insensitive), else None."""
    return path[: -len(_MD)] if path[-len(_MD) :].lower() == _MD else None


def _clean_segments(segments: Iterable[str], base: Sequence[str] = ()) -> tuple[list[str], bool]:
    """Join ``segments`` onto ``base``, dropping empty and ``.`` segments and applying ``..``.

    Returns the resulting segments and whether some ``..`` tried to climb above the vault
    root; such a ``..`` is dropped, so the result never names a path outside the vault.
    """
    out = list(base)
    escaped = False
    for segment in segments:
        if segment in ("", "."):
            # Obsidian's path normalisation collapses repeated slashes; "." is a no-op.
            continue
        if segment == "..":
            if out:
                out.pop()
            else:
                escaped = True
            continue
        out.append(segment)
    return out, escaped


_Paths = str | list[str]
"""The paths a key of :class:`LinkResolver` names: the one path, or a list of several."""


def _add(index: dict[str, _Paths], key: str, path: str) -> None:
    found = index.get(key)
    if found is None:
        index[key] = path
    elif isinstance(found, str):
        index[key] = [found, path]
    else:
        found.append(path)


class LinkResolver:
    """Resolves link targets to vault paths the way Obsidian does.

    Built once per vault from every file path (notes and attachments, excluded files too:
    Obsidian still resolves links to them). Every lookup is a few dictionary probes plus a
    pass over the files that share the target's file name, so resolving all links of a
    100,000-note vault stays linear.

    Rules (design section 5, obsidian-facts section 2):

    * ``[[Name]]`` matches a note ``Name.md`` anywhere in the vault, case-insensitively,
      the extension too (``[[Ext.MD]]`` finds ``Ext.md``); ``[[Name.md]]`` is ``[[Name]]``.
    * A target with another extension (``[[Doc.pdf]]``, ``![[Pasted image 2024.png]]``)
      matches a file by its full name. A dotted name that is no extension
      (``[[v1.2 notes]]``) still matches the note ``v1.2 notes.md``: both readings of a
      dotted name are tried, the one that looks right first.
    * ``[[folder/Name]]`` narrows to files whose path ends with ``folder/Name`` on a path
      segment boundary (``[[b/Name]]`` finds ``a/b/Name.md``); a leading ``/`` anchors the
      path at the vault root (such a link does not fall back to a name lookup; that
      Obsidian behaves so is vaultkit's reading, not verified).
    * A target starting with ``./`` or ``../`` is first tried relative to the linking
      note's folder (Obsidian writes such wikilinks when "New link format" is "relative");
      markdown links are always tried that way first. A relative path that would climb out
      of the vault is not tried; every relative form then falls back to the vault-wide
      rules with its ``.``/``..`` segments removed.
    * An empty target is the linking note itself (``[[#Heading]]``).

    When several files match, the tie-break is **observed, not documented**: Obsidian
    1.13.7's ``metadataCache.getFirstLinkpathDest`` takes 1) an exact vault path
    (``[[Note]]`` -> root ``Note.md``; ``[[a/Note]]`` -> ``a/Note.md`` over
    ``x/a/Note.md``); 2) else a match in the linking note's own folder (parent folders count
    for nothing); 3) else the shortest path string (not the fewest segments). Source:
    pvliesdonk/markdown-vault-mcp PR #1380 and issue #1358 (console session on Obsidian
    1.13.7). Remaining ties are broken by plain string order so results are deterministic.

    Aliases never resolve a link (Obsidian doesn't); see :class:`AliasIndex` for the hint.
    """

    __slots__ = ("_by_name", "_by_path", "_by_stem", "_path_key")

    def __init__(self, paths: Iterable[str]) -> None:
        # Every file of a vault is in each of these (a cold index of 100,000 notes holds them
        # all at once): a key that names one file maps to its path itself, not to a list of
        # one (~84 -> ~39 MB there).
        # key(full path) -> paths; several only when names differ just in case/normalisation.
        self._by_path: dict[str, _Paths] = {}
        # key(file name with extension) -> paths, for attachments and "[[Name.md]]".
        self._by_name: dict[str, _Paths] = {}
        # key(note file name without ".md") -> note paths, for "[[Name]]".
        self._by_stem: dict[str, _Paths] = {}
        # Every file and its key, computed once, so ranking candidates never re-normalises a
        # path.
        self._path_key: dict[str, str] = {}
        for raw in paths:
            path = unicodedata.normalize("NFC", raw)
            if path in self._path_key:
                continue
            path_key = _key(path)
            self._path_key[path] = path_key
            _add(self._by_path, path_key, path)
            name = path[path.rfind("/") + 1 :]
            _add(self._by_name, _key(name), path)
            stem = _note_stem(name)
            if stem is not None:
                _add(self._by_stem, _key(stem), path)

    def __len__(self) -> int:
        return len(self._path_key)

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and unicodedata.normalize("NFC", path) in self._path_key

    def resolve(self, target: str, source: str, *, markdown: bool = False) -> str | None:
        """The vault path ``target`` resolves to from the note ``source``, or None.

        ``markdown=True`` for markdown links (``[t](Other%20Note.md)``, already URL-decoded):
        the path relative to the source note's folder is tried first, then the wikilink
        rules vault-wide. An empty target means the source note itself.
        """
        return self.resolve_scoped(target, source, markdown=markdown).path

    def resolve_scoped(self, target: str, source: str, *, markdown: bool = False) -> Resolution:
        """:meth:`resolve`, and whether its answer holds for a link from any note.

        It does unless the linking note decided it: an empty target (the note itself), a
        path tried relative to the note's folder first (markdown links, ``./`` and ``../``),
        or several files matching the name, where the note's own folder can win (rule 2).
        A vault links to the same notes from many folders; answers that hold from anywhere
        can be kept by target alone (``vaultkit.graph.links``).
        """
        source = unicodedata.normalize("NFC", source)
        if target == "":
            return Resolution(source, any_source=False)
        text = unicodedata.normalize("NFC", target)
        segments = text.split("/")
        if text.startswith("/"):
            # Rooted: the path as written from the vault root, nothing else.
            rooted, _ = _clean_segments(segments)
            return Resolution(self._exact("/".join(rooted)) if rooted else None, any_source=True)
        relative = markdown or segments[0] in (".", "..")
        if relative:
            base = [s for s in _folder(source).split("/") if s]
            tried, escaped = _clean_segments(segments, base)
            if tried and not escaped:
                hit = self._exact("/".join(tried))
                if hit is not None:
                    return Resolution(hit, any_source=False)
        cleaned, _ = _clean_segments(segments)
        if not cleaned:
            return Resolution(None, any_source=not relative)
        path, any_source = self._by_link_name(cleaned, source)
        return Resolution(path, any_source=any_source and not relative)

    # -- lookups -------------------------------------------------------------------------

    def _readings(self, path: str) -> list[tuple[dict[str, _Paths], str]]:
        """The ways to read a link path, most likely first: (index, key of the full path).

        ``Name`` and ``v1.2 notes`` are first a note (``.md`` appended: AgriciDaniel/
        claude-obsidian#163 observes ``[[dashboard]]`` opening ``dashboard.md`` next to a
        ``dashboard.base``), then a file of exactly that name. ``Doc.pdf`` and ``Name.md``
        are first a file of exactly that name, then a note ``Doc.pdf.md``.
        """
        key = _key(path)
        as_note = (self._by_stem, key + _MD)
        as_file = (self._by_name, key)
        if _EXTENSION_LIKE.search(path[path.rfind("/") + 1 :]):
            return [as_file, as_note]
        return [as_note, as_file]

    def _exact(
        self, path: str, readings: list[tuple[dict[str, _Paths], str]] | None = None
    ) -> str | None:
        """The file at ``path`` from the vault root (with or without ``.md``), or None;
        ``readings``: the path's :meth:`_readings`, when the caller has them."""
        for _, full_key in readings or self._readings(path):
            found = self._by_path.get(full_key)
            if found:
                return self._best_exact(found, path)
        return None

    @staticmethod
    def _best_exact(found: _Paths, written: str) -> str:
        # Several files share one case-insensitive path only on case-sensitive file systems
        # (Obsidian itself can't tell them apart); prefer the spelling the link used.
        if isinstance(found, str):
            return found
        for path in found:
            stem = _note_stem(path)
            if path == written or (stem is not None and stem == written):
                return path
        return min(found, key=lambda p: (len(p), p))

    def _by_link_name(self, segments: list[str], source: str) -> tuple[str | None, bool]:
        """Where ``segments`` point from ``source`` by the vault-wide rules, and whether the
        answer is the same from every note (no choice among several matches was made)."""
        path = "/".join(segments)
        name_key = _key(segments[-1])
        # Rule 1, exact vault path, is checked across both readings before anything else:
        # a note at the exact path beats a same-named file elsewhere and vice versa.
        readings = self._readings(path)
        exact = self._exact(path, readings)
        if exact is not None:
            return exact, True
        for index, full_key in readings:
            # Both readings index the link's last segment: as a note's name without ".md"
            # (stem index) or as a file's full name (name index).
            candidates = index.get(name_key)
            if not candidates:
                continue
            if isinstance(candidates, str):
                if _ends_on_segment(self._path_key[candidates], full_key):
                    return candidates, True
                continue
            matches = [p for p in candidates if _ends_on_segment(self._path_key[p], full_key)]
            if not matches:
                continue
            if len(matches) == 1:
                return matches[0], True
            # Rule 2: the linking note's own folder (not its parents); only a choice among
            # several matches needs its key.
            source_folder = _key(_folder(source))
            same_folder = [p for p in matches if _folder(self._path_key[p]) == source_folder]
            # Rule 3: shortest path string; then plain string order for determinism.
            return min(same_folder or matches, key=lambda p: (len(p), p)), False
        return None, True


class Resolution(NamedTuple):
    """Where a link points (:meth:`LinkResolver.resolve_scoped`)."""

    path: str | None
    """The vault path, or None: unresolved."""
    any_source: bool
    """Whether a link with this target (and kind) points there from every note."""


def _ends_on_segment(path_key: str, suffix_key: str) -> bool:
    return path_key == suffix_key or path_key.endswith("/" + suffix_key)


# -- headings and block ids ----------------------------------------------------------------


class AnchorStatus(StrEnum):
    """Whether a link's ``#fragment`` exists in the note it points to."""

    NONE = "none"
    """The link has no fragment."""
    OK = "ok"
    BROKEN_HEADING = "broken-heading"
    BROKEN_BLOCK = "broken-block"


HEADING_STRIPPED = '!"#$%&()*+,.:;<=>?@^`{|}~/[]\\'
"""The characters Obsidian replaces with a space before it compares a link's heading with the
note's headings: the character class of its ``stripHeading`` (obsidian-api: "normalizes
headings for link matching by stripping out special characters and shrinking consecutive
spaces"), quoted from Obsidian's source in mgmeyers/obsidian-copy-block-link#15. Every other
character is kept: ``-``, ``_``, ``'``, emoji, the zero-width non-joiner, full-width ``？``.
The table in ``docs/heading-anchors.md`` states the rule; a test holds it to this string."""

_JS_SPACES = re.compile(
    "[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+"
)
"""JavaScript's ``\\s``, which ``stripHeading`` collapses (Python's ``str.split`` differs)."""
_STRIPPED_TO_SPACE = str.maketrans(dict.fromkeys(HEADING_STRIPPED, " "))


def strip_heading(text: str) -> str:
    """Obsidian's ``stripHeading``: :data:`HEADING_STRIPPED` become spaces, runs of
    whitespace one space, the ends trimmed."""
    return _JS_SPACES.sub(" ", text.translate(_STRIPPED_TO_SPACE)).strip(" ")


@lru_cache(maxsize=1 << 16)
def heading_key(text: str) -> str:
    """How Obsidian compares a link's heading with a heading: :func:`strip_heading`, then
    case-insensitively (``[[#i am a heading]]`` finds ``# I Am A Heading``:
    l1xnan/obsidian-better-export-pdf#253). Cached: a much-linked note's headings are
    compared once per incoming link."""
    return strip_heading(text).lower()


def normalize_heading(text: str) -> str:
    """vaultkit's lenient key, for the hint "the anchor differs from heading X" only.

    Every character that is not a letter, digit or combining mark (Unicode-aware) becomes a
    space, whitespace is collapsed, case and Unicode normalisation folded: ``tab-stacks``
    and ``Tab stacks``, ``snake case`` and ``snake_case`` share one key. Obsidian does not
    match them (:func:`heading_key`), so a link that only this key matches is a broken anchor,
    reported with the heading it probably means.
    """
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())
    # Combining marks (category M) stay: scripts such as Devanagari keep vowel signs as
    # separate code points even in NFC, and splitting words there would change the key.
    kept = "".join(c if unicodedata.category(c)[0] in "LNM" else " " for c in folded)
    return " ".join(kept.split())


@lru_cache(maxsize=1 << 16)
def _lenient_key(text: str) -> str:
    # A heading of punctuation only ("???") normalises to ""; its literal text keeps it apart.
    return normalize_heading(text) or _key(text).strip()


def find_heading(
    fragment: str, headings: Sequence[tuple[str, int]], key: Callable[[str], str] = heading_key
) -> int | None:
    """Index of the heading ``fragment`` names, or None.

    ``fragment`` is ``Heading`` or a heading path ``H1#H2``; ``headings`` are ``(text,
    level)`` in document order. The last component must match a heading (compared with
    ``key``, by default Obsidian's :func:`heading_key`); earlier components must match its
    ancestors, outermost first (the ancestor of a heading is the nearest preceding heading of
    a lower level, and so on). Intermediate ancestors may be skipped: ``H1#H3`` finds an
    ``H3`` under ``H2`` under ``H1``. The first heading in document order that fits wins.
    Empty components (``H1##H2``) are ignored.
    """
    parts = [key(p) for p in fragment.split("#") if p.strip()]
    if not parts:
        return None
    *outer, last = parts
    # Stack of (key, level) for the headings enclosing the current one, outermost first.
    stack: list[tuple[str, int]] = []
    for index, (text, level) in enumerate(headings):
        while stack and stack[-1][1] >= level:
            stack.pop()
        heading = key(text)
        if heading == last and _is_subsequence(outer, [k for k, _ in stack]):
            return index
        stack.append((heading, level))
    return None


def _is_subsequence(needles: Sequence[str], haystack: Sequence[str]) -> bool:
    remaining = iter(haystack)
    return all(any(n == h for h in remaining) for n in needles)


def check_anchor(
    fragment: str | None, headings: Sequence[tuple[str, int]], block_ids: Iterable[str]
) -> tuple[AnchorStatus, str | None]:
    """Whether ``fragment`` exists in the target note, and for a broken heading the text of
    the heading it matches leniently (:func:`normalize_heading`), if one does.

    ``^id`` fragments are compared case-insensitively with the target's block ids, anything
    else with its headings as Obsidian compares them (:func:`find_heading`). No fragment, or
    an empty one (``[[Note#]]``, which Obsidian opens as a plain link to the note), is
    :attr:`AnchorStatus.NONE`.
    """
    if fragment is None or not fragment.strip():
        return AnchorStatus.NONE, None
    fragment = fragment.strip()
    if fragment.startswith("^"):
        wanted = _key(fragment[1:].strip())
        if any(_key(block_id) == wanted for block_id in block_ids):
            return AnchorStatus.OK, None
        return AnchorStatus.BROKEN_BLOCK, None
    if find_heading(fragment, headings) is not None:
        return AnchorStatus.OK, None
    near = find_heading(fragment, headings, _lenient_key)
    return AnchorStatus.BROKEN_HEADING, headings[near][0] if near is not None else None


def anchor_status(
    fragment: str | None, headings: Sequence[tuple[str, int]], block_ids: Iterable[str]
) -> AnchorStatus:
    """Whether ``fragment`` exists in the target note (:func:`check_anchor` without the hint)."""
    return check_anchor(fragment, headings, block_ids)[0]


# -- aliases -------------------------------------------------------------------------------


class AliasIndex:
    """Front-matter aliases, for the hint "unresolved, but it is an alias of X".

    Obsidian does **not** resolve ``[[Alias]]`` through a note's ``aliases`` (its link
    suggester writes ``[[Real Name|Alias]]`` instead; obsidian-facts section 2), so
    :class:`LinkResolver` ignores aliases. vaultkit only uses them to explain an unresolved
    link. Built once; each lookup is one dictionary probe.
    """

    __slots__ = ("_owners",)

    def __init__(self, aliases: Mapping[str, Sequence[str]]) -> None:
        self._owners = _owners(
            (path, alias_key(str(alias))) for path, names in aliases.items() for alias in names
        )

    @classmethod
    def keyed(cls, aliases: Iterable[tuple[str, str]]) -> AliasIndex:
        """From (note path, :func:`alias_key`) pairs, as the index keeps them."""
        index = cls({})
        index._owners = _owners(aliases)
        return index

    def hint(self, target: str) -> str | None:
        """The path of a note that lists ``target`` among its aliases (case-insensitive)."""
        return self._owners.get(alias_key(target))


def alias_key(name: str) -> str:
    """The key an alias and a link target are compared by (case-insensitive, trimmed)."""
    return _key(name).strip()


def _owners(aliases: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Alias key -> :func:`alias_owner` of the notes claiming it, from (path, key) pairs."""
    claims: dict[str, set[str]] = {}
    for path, key in aliases:
        if key:
            claims.setdefault(key, set()).add(unicodedata.normalize("NFC", path))
    return {key: min(notes, key=_owner_order) for key, notes in claims.items()}


def _owner_order(path: str) -> tuple[int, str]:
    return (len(path), path)


def alias_owner(notes: Iterable[str]) -> str | None:
    """Of the notes (NFC paths) that claim one alias, the one a link would most plausibly
    mean: the shortest path, then the first in string order, as the resolver's last tie-break
    orders them."""
    return min(notes, key=_owner_order, default=None)


def alias_hint(target: str, aliases: Mapping[str, Sequence[str]]) -> str | None:
    """For an unresolved link: the path of a note whose aliases contain ``target``, else None.

    Convenience for one lookup; it builds an :class:`AliasIndex` each call, so for many
    links build the index once and call :meth:`AliasIndex.hint`.
    """
    return AliasIndex(aliases).hint(target)
