"""The dashboards as a user sees them (issue 16, item 2): each generated dashboard of the
example vault, rendered to HTML as Obsidian's reading view would show it
(:mod:`tests.support.obsidian_html`), is loaded in headless Chromium with the real Mermaid
library, and the page itself reports what it shows: every table row has its header's cells
(in the source line too), every Mermaid block draws without a parse error, and no raw ``[[``,
``]]`` or ``%%`` is left in the visible text (code spans, which show text as written, aside).

Chromium is Debian's ``chromium``; Mermaid is npm's, installed by ``npm ci`` in this folder
(``.ci/run`` does both). Without either the test is skipped, saying which is missing. Only
local files are loaded: the page, and ``mermaid.min.js`` from ``node_modules``.

Screenshots of the pages go to ``$VAULTKIT_SCREENSHOTS`` when it is set (``.ci/run`` keeps
them in ``build/screenshots/``; the ones in ``docs/screenshots/`` were made so), else into the
test's temporary folder.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import sync
from tests.support.generated import generated_markdown
from tests.support.obsidian_html import render_note

HERE = Path(__file__).resolve().parent
MERMAID = HERE / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="headless Chromium is not installed (apt-get install chromium; .ci/run does)",
    ),
    pytest.mark.skipif(
        not MERMAID.is_file(),
        reason=f"Mermaid is not installed in {HERE} (run npm ci there; .ci/run does)",
    ),
]

# Flags for a closed network and a root user: no sandbox (root), no lookups or background
# traffic that would make Chromium wait, every host name unresolvable.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--allow-file-access-from-files",
    "--virtual-time-budget=20000",
]

STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; margin: 24px; color: #222; background: #fff; }
table { border-collapse: collapse; margin: 12px 0; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
a.internal-link, a.tag { color: #7b4fd6; text-decoration: none; }
code { background: #f0f0f0; padding: 0 3px; border-radius: 3px; }
.callout { border-left: 4px solid #7b4fd6; background: #f6f2ff; padding: 4px 12px; }
pre.mermaid { background: none; }
#vaultkit-result { display: none; }
"""

CHECKS = """
(async () => {
  const note = document.getElementById("note");
  const result = { mermaid: [], rows: [], leaks: [], height: 0 };
  try {
    mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
    const blocks = [...document.querySelectorAll("pre.mermaid")];
    for (const [i, block] of blocks.entries()) {
      const source = block.textContent;
      try {
        await mermaid.parse(source);
        const { svg } = await mermaid.render("chart" + i, source);
        block.innerHTML = svg;
        result.mermaid.push({ ok: true, kind: source.trim().split(/\\s/)[0] });
      } catch (error) {
        result.mermaid.push({ ok: false, error: String((error && error.message) || error) });
      }
    }
  } catch (error) {
    result.error = String(error);
  }
  for (const table of note.querySelectorAll("table")) {
    const header = table.querySelectorAll("thead tr th").length;
    for (const row of table.querySelectorAll("tbody tr")) {
      const shown = row.children.length;
      const source = Number(row.dataset.sourceCells);
      if (shown !== header || source !== header) {
        result.rows.push({ header, shown, source, text: row.innerText });
      }
    }
  }
  const walker = document.createTreeWalker(note, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) =>
      node.parentElement.closest("code, svg, pre.mermaid")
        ? NodeFilter.FILTER_REJECT
        : NodeFilter.FILTER_ACCEPT,
  });
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent;
    if (text.includes("[[") || text.includes("]]") || text.includes("%%")) {
      result.leaks.push(text);
    }
  }
  result.height = document.documentElement.scrollHeight;
  document.getElementById("vaultkit-result").textContent = JSON.stringify(result);
})();
"""


def page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style>"
        f'<script src="{MERMAID.as_uri()}"></script></head>\n'
        f'<body><main id="note">\n{body}</main>\n<pre id="vaultkit-result"></pre>\n'
        f"<script>{CHECKS}</script></body></html>\n"
    )


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def what_the_page_shows(path: Path) -> dict[str, Any]:
    done = chromium("--dump-dom", path.as_uri())
    dom = done.stdout
    start = dom.find('<pre id="vaultkit-result">')
    assert start >= 0, f"Chromium did not load {path.name}: {done.stderr[-2000:]}"
    text = dom[start + len('<pre id="vaultkit-result">') : dom.index("</pre>", start)]
    assert text, f"the checks did not finish in {path.name}: {done.stderr[-2000:]}"
    found: dict[str, Any] = json.loads(html.unescape(text))
    return found


def screenshot(path: Path, height: int, out: Path) -> None:
    size = f"--window-size=1280,{min(max(height + 40, 400), 16000)}"
    chromium(size, f"--screenshot={out}", path.as_uri())
    assert out.is_file() and out.stat().st_size > 10_000, f"no screenshot of {path.name}"


def screenshot_folder(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("VAULTKIT_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_the_example_dashboards_render_whole_in_a_browser(vault: Path, tmp_path: Path) -> None:
    assert sync(vault)[0] == 0
    targets = sorted({key.split("#", 1)[0] for key in generated_markdown(vault)})
    assert len(targets) == 5, targets  # four dashboard files and Plan.md's Topics region
    shots = screenshot_folder(tmp_path)
    charts = []
    for target in targets:
        name = Path(target).stem
        text = (vault / target).read_text(encoding="utf-8")
        html_page = tmp_path / f"{name}.html"
        html_page.write_text(page(name, render_note(text)), encoding="utf-8")
        shown = what_the_page_shows(html_page)
        assert "error" not in shown, (target, shown["error"])
        assert shown["rows"] == [], (target, shown["rows"])
        assert shown["leaks"] == [], (target, shown["leaks"])
        assert all(chart["ok"] for chart in shown["mermaid"]), (target, shown["mermaid"])
        charts += [chart["kind"] for chart in shown["mermaid"]]
        screenshot(html_page, shown["height"], shots / f"{name}.png")
    assert sorted(charts) == ["pie", "xychart-beta"]  # Status's pie, Habits' bars


def test_the_page_catches_a_split_row_a_bad_chart_and_a_raw_link(tmp_path: Path) -> None:
    """The checks see what they are for: the shapes of issue 16 as Obsidian would show them."""
    broken = (
        "| Note | Done |\n| --- | --- |\n| [[Status#Daily|Daily]] | 1/2 |\n\n"
        "Text with a raw [[link and %% a marker.\n\n"
        "```mermaid\nxychart-beta\n    bar [1, 2,\n```\n"
    )
    html_page = tmp_path / "broken.html"
    html_page.write_text(page("broken", render_note(broken)), encoding="utf-8")
    shown = what_the_page_shows(html_page)
    assert shown["rows"] and shown["rows"][0]["source"] == 3
    assert any("[[" in leak for leak in shown["leaks"])
    assert [chart["ok"] for chart in shown["mermaid"]] == [False]
