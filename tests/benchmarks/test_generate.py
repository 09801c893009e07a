"""Tests for benchmarks.generate: the synthetic vaults are reproducible, their counts are true,
and vaultkit's parser reads every generated note cleanly."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from vaultkit.model import LinkKind, Note
from vaultkit.obsidian.resolve import AnchorStatus, LinkResolver, anchor_status
from vaultkit.parse.note import parse_note

# ``benchmarks`` is a folder of the repository, not part of the installed package.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from benchmarks.generate import GeneratedVault, generate_vault, main  # noqa: E402

NOTES = 200


def _tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def vaults(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, GeneratedVault]]:
    made: dict[str, tuple[Path, GeneratedVault]] = {}
    for label, seed, shape in (
        ("first", 1, "default"),
        ("again", 1, "default"),
        ("other", 2, "default"),
        ("heavy", 1, "topics-heavy"),
        ("heavy-again", 1, "topics-heavy"),
    ):
        root = tmp_path_factory.mktemp(label) / "vault"
        made[label] = (root, generate_vault(root, NOTES, seed=seed, shape=shape))
    return made


def _parse_tree(root: Path) -> dict[str, Note]:
    return {
        path.relative_to(root).as_posix(): parse_note(
            path.read_bytes(), path.relative_to(root).as_posix()
        )
        for path in sorted(root.rglob("*.md"))
    }


@pytest.fixture(scope="module")
def parsed(vaults: dict[str, tuple[Path, GeneratedVault]]) -> dict[str, Note]:
    return _parse_tree(vaults["first"][0])


def test_same_seed_gives_byte_identical_trees(
    vaults: dict[str, tuple[Path, GeneratedVault]],
) -> None:
    (first, first_counts), (again, again_counts) = vaults["first"], vaults["again"]
    assert _tree(first) == _tree(again)
    assert first_counts == again_counts


def test_another_seed_gives_another_vault(
    vaults: dict[str, tuple[Path, GeneratedVault]],
) -> None:
    first, other = _tree(vaults["first"][0]), _tree(vaults["other"][0])
    assert first != other
    assert {p for p in first if p.endswith(".md")} != {p for p in other if p.endswith(".md")}


def test_counts_match_disk(vaults: dict[str, tuple[Path, GeneratedVault]]) -> None:
    root, counts = vaults["first"]
    tree = _tree(root)
    notes = [p for p in tree if p.endswith(".md")]
    attachments = [p for p in tree if p.startswith("attachments/")]
    assert counts.notes == NOTES == len(notes)
    assert counts.attachments == len(attachments) >= 12
    assert all(tree[p].startswith(b"\x89PNG\r\n\x1a\n") for p in attachments)
    assert counts.bytes == sum(len(data) for data in tree.values())
    assert counts.daily_notes == len([p for p in notes if p.startswith("Daily/")]) == NOTES // 10
    folders = {p.rsplit("/", 1)[0] for p in notes if "/" in p}
    assert counts.folders == len(folders)
    assert max(p.count("/") for p in notes) == 3  # three folder levels
    assert max(len(tree[p]) for p in notes) > 150_000  # even a small vault has one long note


def test_obsidian_settings(vaults: dict[str, tuple[Path, GeneratedVault]]) -> None:
    root, _ = vaults["first"]
    assert json.loads((root / ".obsidian/app.json").read_text()) == {}
    daily = json.loads((root / ".obsidian/daily-notes.json").read_text())
    assert daily == {"folder": "Daily", "format": "YYYY-MM-DD"}


def test_every_note_parses_without_parser_error(parsed: dict[str, Note]) -> None:
    assert len(parsed) == NOTES
    errors = [(p, d) for p, n in parsed.items() for d in n.diagnostics if d.code == "parser-error"]
    assert errors == []


@pytest.mark.parametrize("label", ["first", "heavy"])
def test_counts_agree_with_the_parser(
    vaults: dict[str, tuple[Path, GeneratedVault]], label: str
) -> None:
    """The generator's ground truth is what vaultkit reads: tasks and links hidden in code
    and comments are not counted, unresolved links and broken anchors are as written."""
    root, counts = vaults[label]
    parsed = _parse_tree(root)
    resolver = LinkResolver(p for p in _tree(root) if not p.startswith(".obsidian/"))
    tasks = wikilinks = unresolved = broken = embeds = 0
    for path, note in parsed.items():
        tasks += len(note.tasks)
        for link in note.links:
            if link.kind is LinkKind.EMBED:
                embeds += 1
                assert resolver.resolve(link.target, path) is not None, link.raw
            if link.kind is not LinkKind.WIKILINK:
                continue
            wikilinks += 1
            target = resolver.resolve(link.target, path)
            if target is None:
                unresolved += 1
                continue
            into = parsed[target]
            status = anchor_status(
                link.fragment,
                [(h.text, h.level) for h in into.headings],
                [b.id for b in into.block_ids],
            )
            broken += status not in (AnchorStatus.NONE, AnchorStatus.OK)
    assert (tasks, wikilinks, unresolved, broken, embeds) == (
        counts.tasks,
        counts.wikilinks,
        counts.unresolved_links,
        counts.broken_anchors,
        counts.embeds,
    )
    assert 0.01 < unresolved / wikilinks < 0.06


def test_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "keep.md").write_text("mine\n")
    with pytest.raises(FileExistsError):
        generate_vault(tmp_path, 5)
    assert main([str(tmp_path), "--notes", "5"]) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["keep.md"]


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "v"), "--notes", "12", "--seed", "7"]) == 0
    assert "12 notes" in capsys.readouterr().out
    assert len(list((tmp_path / "v").rglob("*.md"))) == 12


def test_topics_heavy_shape(vaults: dict[str, tuple[Path, GeneratedVault]]) -> None:
    """The second shape is reproducible, differs from the default, and about half its notes
    are topics with a nested ``#topic/…`` tag (front matter or inline), as the Topics
    dashboard selects them."""
    (heavy, counts), (again, again_counts) = vaults["heavy"], vaults["heavy-again"]
    assert _tree(heavy) == _tree(again) and counts == again_counts
    assert counts.shape == "topics-heavy" and vaults["first"][1].shape == "default"
    assert _tree(heavy) != _tree(vaults["first"][0])
    parsed = _parse_tree(heavy)
    topics = {
        path
        for path, note in parsed.items()
        if any(tag.startswith("topic/") and tag.count("/") == 2 for tag in note.tags)
    }
    assert len(topics) == counts.topics
    assert 0.35 * NOTES < len(topics) < 0.6 * NOTES
    default_topics = vaults["first"][1].topics
    assert default_topics is not None and default_topics < 0.05 * NOTES
    assert counts.tasks > vaults["first"][1].tasks


def test_unknown_shape_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown shape"):
        generate_vault(tmp_path / "v", 5, shape="nope")
