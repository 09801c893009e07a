"""A new index's templates are compiled and analysed while SQLite builds its secondary indexes
(``_prepare_templates`` in :mod:`vaultkit.sync.run`, run by ``bulk_load``): on another thread,
with the same result as when the render does it."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import jinja2.meta
import pytest

import vaultkit.sync.run
from tests.support.cli import copy_example_vault
from vaultkit.dashboards.render import RenderError
from vaultkit.sync.run import run_sync
from vaultkit.vaultpaths import VaultPaths


def _notes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.md"))}


def test_a_cold_sync_analyses_and_compiles_its_templates_beside_the_index_build(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    analysed: list[str] = []  # the thread of each template parsed to be analysed
    find = jinja2.meta.find_undeclared_variables

    def recording(*args: Any) -> Any:
        analysed.append(threading.current_thread().name)
        return find(*args)

    monkeypatch.setattr(jinja2.meta, "find_undeclared_variables", recording)
    paths = VaultPaths(vault)
    result = run_sync(paths, progress=False)
    assert len(result.rendered) == 5
    assert analysed and set(analysed) == {"vaultkit-alongside-index"}
    assert len(list(paths.templates_cache.iterdir())) == 5  # one compiled file each
    analysed.clear()
    (vault / "Inbox.md").write_text("- [ ] a new task\n", "utf-8")
    run_sync(paths, progress=False)
    assert analysed == []  # kept in the index, as analyses made by the render are


def test_templates_prepared_beside_the_build_render_what_the_render_alone_renders(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _notes(vault)
    assert len(run_sync(VaultPaths(vault), progress=False).rendered) == 5
    alone = copy_example_vault(tmp_path / "Alone")
    monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(tmp_path / "alone-cache"))
    monkeypatch.setattr(vaultkit.sync.run, "_prepare_templates", lambda *args: None)
    assert len(run_sync(VaultPaths(alone), progress=False).rendered) == 5
    # example_vault holds its dashboards as rendered: both renders give those bytes.
    assert _notes(vault) == _notes(alone) == before


def test_a_template_that_fails_to_compile_is_reported_by_the_render(
    vault: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Not by the thread that tried it first: the sync stops with the file and line, as
    without it, and nothing else is printed."""
    template = vault / ".vaultkit" / "templates" / "links.md.j2"
    template.parent.mkdir(parents=True, exist_ok=True)
    template.write_text("line one\n{% if x %}\n", "utf-8")
    with pytest.raises(RenderError, match=r"links\.md\.j2:2: template syntax error"):
        run_sync(VaultPaths(vault), progress=False)
    assert capfd.readouterr() == ("", "")
