"""Exclude filters: Obsidian's forms (prefix, /regex/) and vaultkit's glob patterns."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaultkit.obsidian.filters import compile_filters, is_excluded, unmatched_filters


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        # No "/": a name at any depth, as a .gitignore reads it.
        ("Drawing.excalidraw.md", "*.excalidraw.md", True),
        ("Art/2026/Drawing.excalidraw.md", "*.excalidraw.md", True),
        ("Art/Drawing.md", "*.excalidraw.md", False),
        ("Art/excalidraw.md/x.md", "*.excalidraw.md", False),  # ".excalidraw.md" is no match
        ("a.excalidraw.md/x.md", "*.excalidraw.md", True),  # a folder of that name: below it
        ("Note?.md", "Note?.md", True),
        ("Note1.md", "Note?.md", True),
        ("Note10.md", "Note?.md", False),
        # With "/": a path from the vault root; "*" stays within one folder, "**" crosses.
        ("Templates/Daily.md", "Templates/*.md", True),
        ("Templates/Sub/Daily.md", "Templates/*.md", False),
        ("Old/Templates/Daily.md", "Templates/*.md", False),
        ("Templates/Sub/Daily.md", "Templates/**/*.md", True),
        ("Templates/Daily.md", "Templates/**/*.md", True),
        ("Templates/Daily.md", "/Templates/*.md", True),
        ("a/b/c/scratch.md", "**/scratch.md", True),
        # A trailing "/": folders only.
        ("drafts-2025/note.md", "drafts*/", True),
        ("drafts-2025.md", "drafts*/", False),
        # Sets.
        ("x1.md", "x[0-9]*", True),
        ("xa.md", "x[!0-9]*", True),
        ("x1.md", "x[!0-9]*", False),
    ],
)
def test_glob_patterns_match_as_users_write_them(path: str, pattern: str, expected: bool) -> None:
    assert is_excluded(path, [pattern], globs=True) is expected


def test_obsidians_own_filters_take_no_globs() -> None:
    # Obsidian reads "*.excalidraw.md" in its "Excluded files" as a prefix that no path has.
    assert not is_excluded("Drawing.excalidraw.md", ["*.excalidraw.md"])
    # Obsidian's forms keep their meaning where globs are accepted.
    for path, pattern in [("Archive/x.md", "Archive/"), ("a/b.pdf", "/\\.pdf$/")]:
        assert is_excluded(path, [pattern], globs=True)
    # "[" alone does not make a glob: a folder named "Archive [old]" is a prefix.
    assert is_excluded("Archive [old]/x.md", ["Archive [old]/"], globs=True)


def test_a_glob_folder_prunes_the_walk() -> None:
    filters = compile_filters(("drafts*/", "*.excalidraw.md"), globs=True)
    assert filters.covers_dir("drafts-old")
    assert filters.covers_dir("a/drafts-old/deeper")
    assert not filters.covers_dir("Notes")


@given(st.lists(st.sampled_from(["a", "b", "Ab", "x.md", "y.excalidraw.md"]), max_size=4))
def test_a_pruned_folder_means_every_file_below_matches(parts: list[str]) -> None:
    filters = compile_filters(("*b/", "A*/**", "*.excalidraw.md"), globs=True)
    folder = "/".join(parts)
    if parts and filters.covers_dir(folder):
        assert filters.matches(folder + "/leaf.md")


def test_unmatched_filters_names_what_hides_nothing() -> None:
    paths = ["Archive/x.md", "Art/d.excalidraw.md", "Build"]
    patterns = ["Archive/", "*.excalidraw.md", "Achive/", "*.canvas", "Build/", "/\\.tmp$/"]
    assert unmatched_filters(patterns, paths, globs=True) == ["Achive/", "*.canvas", "/\\.tmp$/"]
    # Without globs (Obsidian's reading), the glob matches nothing.
    assert unmatched_filters(["*.excalidraw.md"], paths) == ["*.excalidraw.md"]
