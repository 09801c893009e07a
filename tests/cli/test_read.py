"""End-to-end tests of the read commands (tasks, links, graph, query, doctor) through the
installed console script on a real temporary vault with its own index file."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import networkx as nx

from tests.support.cli import installed
from tests.support.vault_edits import age


def run(vault: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return installed(*args, "--vault", str(vault), "--index", str(vault.parent / "index.sqlite3"))


def run_json(vault: Path, *args: str) -> Any:
    result = run(vault, *args, "--json")
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def test_tasks_filters(vault: Path) -> None:
    every = run_json(vault, "tasks")
    assert {task["note"] for task in every} >= {"Status.md", "Resources.md", "Plan.md"}
    open_tasks = run_json(vault, "tasks", "--open")
    assert open_tasks and all(t["status"] in ("todo", "in_progress", "other") for t in open_tasks)
    done = run_json(vault, "tasks", "--done")
    assert done and all(t["status"] == "done" for t in done)
    assert len(open_tasks) + len(done) < len(every)  # cancelled tasks are in neither
    due = run_json(vault, "tasks", "--due-before", "2026-12-01")
    assert due and all(t["due"] < "2026-12-01" for t in due)
    daily = run_json(vault, "tasks", "--section", "Daily", "--note", "Status.md")
    assert daily and all(t["section"].endswith("Daily") for t in daily)
    topics = run_json(vault, "tasks", "--note", "Topics/*")
    assert topics and all(t["note"].startswith("Topics/") for t in topics)
    tagged = run_json(vault, "tasks", "--tag", "daily")
    assert tagged and all(t["note"].startswith("Daily/") for t in tagged)


def test_tasks_human_output_and_bad_date(vault: Path) -> None:
    result = run(vault, "tasks", "--open")
    assert result.returncode == 0
    assert "Status.md" in result.stdout and " tasks (" in result.stdout
    result = run(vault, "tasks", "--due-before", "next week")
    assert result.returncode == 2
    assert "YYYY-MM-DD" in result.stderr


def test_dependencies_give_blocked_and_ready(vault: Path) -> None:
    (vault / "Deps.md").write_text(
        "- [ ] first 🆔 a1\n- [ ] second ⛔ a1\n- [x] third 🆔 b2\n- [ ] fourth ⛔ b2\n",
        encoding="utf-8",
    )
    tasks = {t["text"]: t for t in run_json(vault, "tasks", "--note", "Deps.md")}
    assert tasks["second"]["blocked"] is True
    assert tasks["fourth"]["blocked"] is False
    assert tasks["first"]["blocked"] is None


def test_links_report_and_broken_exit_code(vault: Path) -> None:
    report = run_json(vault, "links")
    assert report["unresolved_count"] == 1
    assert report["unresolved"][0]["target"] == "Someday Ideas"
    assert report["broken_anchor_count"] == 1
    assert report["broken_anchors"][0]["fragment"] == "No Such Heading"
    result = run(vault, "links", "--broken")
    assert result.returncode == 1
    assert "Someday Ideas" in result.stdout and "No Such Heading" in result.stdout
    (vault / "Inbox.md").write_text("# Inbox\nNothing broken here any more: [[Plan]]\n")
    result = run(vault, "links", "--broken")
    assert result.returncode == 0, result.stdout


def test_links_alias_hint_and_orphans(vault: Path) -> None:
    (vault / "Lonely.md").write_text("Nothing links here, and [[Roadmap]] is an alias.\n")
    (vault / "Alone.md").write_text("no links at all\n")
    report = run_json(vault, "links", "--unresolved", "--orphans")
    hinted = [u for u in report["unresolved"] if u["target"] == "Roadmap"]
    assert hinted and hinted[0]["alias_of"] == "Plan.md"
    assert "Alone.md" in report["orphans"] and "Lonely.md" not in report["orphans"]
    human = run(vault, "links", "--unresolved").stdout
    assert "an alias of Plan.md" in human


def test_links_names_the_property_of_a_link_in_properties(vault: Path) -> None:
    (vault / "Reading.md").write_text('---\nsource:\n  - "[[Nowhere Book]]"\n---\nBody\n')
    report = run_json(vault, "links", "--unresolved")
    found = [u for u in report["unresolved"] if u["target"] == "Nowhere Book"]
    assert [(u["note"], u["line"], u["key"]) for u in found] == [("Reading.md", 3, "source")]
    human = run(vault, "links", "--unresolved").stdout
    assert "Reading.md:3  [[Nowhere Book]]  (in property 'source')" in human
    inspected = json.loads(installed("inspect", str(vault / "Reading.md"), "--json").stdout)
    assert [(link["context"], link["key"]) for link in inspected["links"]] == [
        ("property", "source")
    ]


def test_links_broken_hints_the_heading_a_slug_anchor_means(vault: Path) -> None:
    (vault / "Slugs.md").write_text("## Tab stacks\n\nSee [tabs](#tab-stacks).\n")
    result = run(vault, "links", "--broken")
    assert result.returncode == 1
    assert "Slugs.md:3  [tabs](#tab-stacks)  (anchor differs from heading 'Tab stacks')" in (
        result.stdout
    )


def test_index_follows_edits_renames_and_deletes(vault: Path) -> None:
    before = run_json(vault, "links")
    (vault / "Topics" / "Rust.md").rename(vault / "Topics" / "Rustlang.md")
    after = run_json(vault, "links")
    assert after["unresolved_count"] > before["unresolved_count"]
    rows = run_json(
        vault, "query", "SELECT count(*) AS n FROM notes WHERE path LIKE 'Topics/Rust%'"
    )
    assert rows == [{"n": 1}]
    (vault / "Topics" / "Rustlang.md").unlink()
    rows = run_json(
        vault, "query", "SELECT count(*) AS n FROM tasks WHERE note LIKE 'Topics/Rust%'"
    )
    assert rows == [{"n": 0}]


def test_a_vault_as_the_last_sync_left_it_is_read_without_a_scan(vault: Path) -> None:
    """Once a sync found every dashboard current (its stamp recorded), the index holds the
    vault as it is: the read commands read it without scanning the vault (verbose, they show
    no scan phase), on a new day too. A note changed since is scanned and read as it is now,
    and a vault the stamp cannot vouch for is scanned as before."""
    run(vault, "sync")
    age(vault)
    assert run(vault, "sync").returncode == 0  # everything current: the stamp is recorded
    before = run_json(vault, "tasks")
    still = run(vault, "-v", "tasks", "--json")
    assert still.returncode == 0 and "scan:" not in still.stderr, still.stderr
    assert json.loads(still.stdout) == before
    for command in (("links", "--json"), ("graph", "--format", "json"), ("query", "SELECT 1")):
        result = run(vault, "-v", *command)
        assert result.returncode in (0, 1) and "scan:" not in result.stderr, command
    new_day = installed(
        "-v", "tasks", "--json", "--vault", str(vault),
        "--index", str(vault.parent / "index.sqlite3"),
        env={**os.environ, "VAULTKIT_TODAY": "2031-03-04"},
    )  # fmt: skip
    assert "scan:" not in new_day.stderr and json.loads(new_day.stdout) == before
    with (vault / "Plan.md").open("a", encoding="utf-8") as handle:
        handle.write("\n- [ ] a task written after the last sync\n")
    changed = run(vault, "-v", "tasks", "--json")
    assert "scan:" in changed.stderr
    assert "a task written after the last sync" in {t["text"] for t in json.loads(changed.stdout)}


def test_a_read_command_the_stamp_answers_loads_no_indexer(vault: Path, tmp_path: Path) -> None:
    """With nothing changed, `vaultkit query` opens the index and nothing of the pipeline: not
    the indexer (~20 ms of imports), the parser, YAML or Jinja. Run as `python -m vaultkit`
    from outside the source tree, for the sync that records the stamp as for the query: the
    stamp covers vaultkit's own code, by path."""

    def python(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args], cwd=tmp_path, env=dict(os.environ),
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    assert python("-m", "vaultkit", "sync", str(vault)).returncode == 0
    age(vault)
    assert python("-m", "vaultkit", "sync", str(vault)).returncode == 0
    result = python("-X", "importtime", "-m", "vaultkit", "query", "SELECT 1 AS one", str(vault))
    assert result.returncode == 0 and result.stdout.startswith("one"), result.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    assert "vaultkit.sync.stamp" in imported
    for heavy in ("vaultkit.index.update", "vaultkit.parse.note", "markdown_it", "yaml", "jinja2"):
        assert heavy not in imported, f"{heavy} is imported although nothing changed"


def test_graph_formats_load(vault: Path) -> None:
    result = run(vault, "graph", "--format", "json")
    assert result.returncode == 0
    graph = nx.node_link_graph(json.loads(result.stdout))
    assert graph.number_of_nodes() >= 20 and graph.number_of_edges() >= 20
    assert "Plan.md" in graph
    assert any(node.startswith("ghost:") for node in graph)
    result = run(vault, "graph", "--format", "graphml")
    assert result.returncode == 0
    ET.fromstring(result.stdout.encode("utf-8"))
    loaded = nx.read_graphml(io.BytesIO(result.stdout.encode("utf-8")))
    assert loaded.number_of_nodes() == graph.number_of_nodes()
    dot = run(vault, "graph", "--format", "dot").stdout
    assert dot.startswith("digraph") and '"Plan.md"' in dot
    mermaid = run(vault, "graph", "--format", "mermaid").stdout
    assert mermaid.startswith("flowchart")


def test_graph_filters_apply_to_every_format(vault: Path) -> None:
    local = ["--note", "Rust", "--depth", "1"]
    graph = nx.node_link_graph(json.loads(run(vault, "graph", *local).stdout))
    assert "Topics/Rust.md" in graph and "Plan.md" in graph
    neighbours = {"Topics/Rust.md", *nx.all_neighbors(graph, "Topics/Rust.md")}
    assert set(graph) == neighbours
    graphml = run(vault, "graph", "--format", "graphml", *local).stdout
    loaded = nx.read_graphml(io.BytesIO(graphml.encode("utf-8")))
    assert loaded.number_of_nodes() == len(neighbours)
    assert {d["weight"] for _, _, d in loaded.edges(data=True)} >= {1.0, 2.0}
    dot = run(vault, "graph", "--format", "dot", *local).stdout
    assert sum(" -> " not in line and "[label=" in line for line in dot.splitlines()) == len(
        neighbours
    )
    mermaid = run(vault, "graph", "--format", "mermaid", *local).stdout
    assert mermaid.count('("') == len(neighbours)
    tagged = nx.node_link_graph(json.loads(run(vault, "graph", "--tag", "topic").stdout))
    assert len(tagged) >= 3 and all(node.startswith("Topics/") for node in tagged)
    heaviest = run(vault, "graph", "--format", "json", "--max-edges", "3")
    assert len(json.loads(heaviest.stdout)["edges"]) == 3
    assert "kept the 3 heaviest of" in heaviest.stderr
    missing = run(vault, "graph", "--note", "No such note")
    assert missing.returncode == 2 and "No such note" in missing.stderr


def test_a_mermaid_graph_past_mermaids_limits_warns_and_says_how_to_narrow_it(
    tmp_path: Path,
) -> None:
    vault = tmp_path / "Big"
    (vault / ".obsidian").mkdir(parents=True)
    names = [f"Note {n}" for n in range(25)]
    for name in names:
        links = " ".join(f"[[{other}]]" for other in names if other != name)
        (vault / f"{name}.md").write_text(f"#big\n{links}\n", encoding="utf-8")
    result = run(vault, "graph", "--format", "mermaid")
    assert result.returncode == 0 and result.stdout.count(" --> ") == 600
    assert "warning: the Mermaid graph has 600 edges (Mermaid draws at most 500)" in result.stderr
    assert "--max-edges 500" in result.stderr
    narrowed = run(vault, "graph", "--format", "mermaid", "--max-edges", "500")
    assert narrowed.stdout.count(" --> ") == 500 and "warning" not in narrowed.stderr
    assert run(vault, "graph", "--format", "json").stderr == ""


def test_query_outputs_and_refuses_writes(vault: Path) -> None:
    rows = run_json(
        vault, "query", "SELECT tag, count(*) AS n FROM tags GROUP BY tag ORDER BY n DESC"
    )
    assert rows[0] == {"tag": "daily", "n": 13}
    result = run(vault, "query", "SELECT path FROM notes ORDER BY path LIMIT 2", "--csv")
    header, *_ = csv.reader(io.StringIO(result.stdout))
    assert header == ["path"]
    result = run(vault, "query", "SELECT path FROM notes LIMIT 1")
    assert "(1 row)" in result.stdout
    for statement in (
        "DELETE FROM tasks",
        "DROP TABLE notes",
        "ATTACH DATABASE '/tmp/x.db' AS x",
        "PRAGMA writable_schema = 1",
        "SELECT * FROM no_such_table",
    ):
        result = run(vault, "query", statement)
        assert result.returncode == 2, statement
        assert "Traceback" not in result.stderr
    assert run_json(vault, "query", "SELECT count(*) AS n FROM tasks")[0]["n"] > 0
    # The PRAGMAs that only describe the schema run, as the README says.
    columns = run_json(vault, "query", "PRAGMA table_info(tasks)")
    assert "due" in {column["name"] for column in columns}


def test_doctor_reports_problems(vault: Path) -> None:
    result = run(vault, "doctor")
    assert result.returncode == 0, result.stdout
    assert "integrity ok" in result.stdout
    (vault / "Bad.md").write_bytes(b"---\nx: [\n---\n")
    (vault / ".obsidian" / "app.json").write_text("{not json")
    report = run_json(vault, "doctor")
    assert any(d["note"] == "Bad.md" and d["code"] == "yaml-invalid" for d in report["diagnostics"])
    assert report["settings_warnings"]
    result = run(vault, "doctor")
    assert result.returncode == 1
    assert "Bad.md:3" in result.stdout


def test_corrupt_index_is_rebuilt_by_the_cli(vault: Path) -> None:
    assert run(vault, "tasks").returncode == 0
    index = vault.parent / "index.sqlite3"
    # Damaged after its header, which still marks it as vaultkit's: rebuilt.
    index.write_bytes(index.read_bytes()[:100] + b"garbage" * 1000)
    for suffix in ("-wal", "-shm"):
        Path(str(index) + suffix).unlink(missing_ok=True)
    result = run(vault, "tasks", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)
    # Nothing left to show it was vaultkit's: --index names a place of the user's, where
    # vaultkit deletes nothing it cannot prove to be its own (design section 8 item 12).
    index.write_bytes(b"garbage" * 1000)
    result = run(vault, "tasks", "--json")
    assert result.returncode == 2
    assert "is not a vaultkit index" in result.stderr
    assert index.read_bytes() == b"garbage" * 1000


def test_excluded_files_are_hidden_from_views_but_resolve(vault: Path) -> None:
    (vault / "Archive" / "Old plan.md").write_text("- [ ] archived task\n[[Plan]]\n")
    (vault / "Plan.md").write_text(
        (vault / "Plan.md").read_text(encoding="utf-8") + "\nSee [[Old plan]].\n",
        encoding="utf-8",
    )
    tasks = run_json(vault, "tasks")
    assert all(not t["note"].startswith("Archive/") for t in tasks)
    report = run_json(vault, "links")
    assert report["excluded_notes"] == 1
    assert all(u["target"] != "Old plan" for u in report["unresolved"])
    graph = nx.node_link_graph(json.loads(run(vault, "graph").stdout))
    assert "Archive/Old plan.md" not in graph
    # Un-excluding the folder in Obsidian's settings brings the note back without a file change.
    (vault / ".obsidian" / "app.json").write_text('{"userIgnoreFilters": []}')
    tasks = run_json(vault, "tasks", "--note", "Archive/*")
    assert [t["text"] for t in tasks] == ["archived task"]


def test_excludes_hold_for_the_read_commands_and_doctor_names_the_idle_ones(vault: Path) -> None:
    config = vault / ".vaultkit" / "config.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("[vault]\n", '[vault]\nexcludes = ["*.excalidraw.md", "Scrach/"]\n', 1),
        encoding="utf-8",
    )
    (vault / "Art").mkdir()
    (vault / "Art" / "Sketch.excalidraw.md").write_text("- [ ] drawn task\n", encoding="utf-8")
    (vault / ".obsidian" / "app.json").write_text('{"userIgnoreFilters": ["*.canvas"]}')
    # A read command updates the index too: it must leave the excluded note out.
    assert not [t for t in run_json(vault, "tasks") if t["note"].startswith("Art/")]
    report = run_json(vault, "doctor")
    line = text.splitlines().index("[vault]") + 2
    assert [w for w in report["settings_warnings"] if "matches no file" in w] == [
        '.obsidian/app.json: Excluded files entry "*.canvas" matches no file; Obsidian reads '
        "it as a path prefix, not a pattern; to hide those files write a regex such as "
        "/\\.canvas$/ in Settings > Files and links > Excluded files.",
        f'.vaultkit/config.toml:{line}: [vault] excludes entry "Scrach/" matches no file; '
        'check its spelling (a folder is "Archive/" from the vault root, a glob such as '
        '"*.excalidraw.md" matches a name at any depth).',
    ]


def test_doctor_shows_the_plugin_settings_and_tasks_follow_them(vault: Path) -> None:
    from tests.support.config_files import tasks_status, write_plugin_settings

    (vault / "Filed.md").write_text("- [ ] filed #task\n- [w] waiting #task\n", encoding="utf-8")
    custom = [tasks_status("w", "Waiting", "ON_HOLD")]
    settings = {"globalFilter": "#task", "statusSettings": {"customStatuses": custom}}
    write_plugin_settings(vault, "obsidian-tasks-plugin", settings)
    daily = {"daily": {"enabled": True, "format": "gggg/[W]ww/YYYY-MM-DD", "folder": "Journal"}}
    write_plugin_settings(vault, "periodic-notes", daily)
    assert [(t["note"], t["status"]) for t in run_json(vault, "tasks")] == [
        ("Filed.md", "todo"),
        ("Filed.md", "other"),
    ]
    report = run_json(vault, "doctor")
    read = report["settings_read"]
    assert read["tasks_plugin"]["global_filter"] == "#task"
    assert read["tasks_plugin"]["statuses"] == [
        {"symbol": "w", "name": "Waiting", "type": "ON_HOLD", "counts_as": "other"}
    ]
    assert read["daily_notes"]["source"] == ".obsidian/plugins/periodic-notes/data.json"
    assert read["daily_notes"]["locale_week_tokens"] == ["gggg", "ww"]
    text = run(vault, "doctor").stdout
    assert (
        "Tasks plugin (.obsidian/plugins/obsidian-tasks-plugin/data.json): global filter '#task'"
        in text
    )
    assert "[w] Waiting ON_HOLD (counts as other)" in text
    assert "gggg, ww number weeks by Obsidian's language" in text
