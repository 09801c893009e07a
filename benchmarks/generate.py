"""Synthetic Obsidian vaults for the benchmarks (design section 11).

This module owns the benchmark corpus: :func:`generate_vault` writes a seeded vault of N
notes whose content exercises everything the parser understands (design section 4), at about
4 KB per note, so that 10,000 notes make the ~40 MB vault the budgets are stated for. It
also owns the ground truth for that vault: the returned :class:`GeneratedVault` counts the
tasks, wikilinks, unresolved links and broken anchors it wrote, so tests and benchmarks can
check vaultkit's readings against it.

What a vault holds:

* nested folders (about 50, three levels deep), a ``Daily/`` folder of ``YYYY-MM-DD.md``
  notes with habit checkboxes (about 10% of notes), a few dozen tiny PNGs in
  ``attachments/``, ``.obsidian/app.json`` and ``.obsidian/daily-notes.json``;
* YAML front matter (tags, sometimes aliases, status, dates), ``##``/``###`` headings,
  Tasks-plugin tasks (due/done dates, priorities, recurrence, ``🆔``/``⛔`` dependencies,
  custom statuses, sub-tasks), callouts (folded, titled, nested, with tasks inside), GFM
  tables with links and ``<br>`` in cells, ``%% comments %%`` (inline and multi-line, with
  checkboxes and links inside that must not count), fenced code with link-like text,
  inline and nested tags, external links and bare URLs, embeds of the attachments;
* wikilinks between the generated notes: most resolve, about 3% do not (ghost notes and
  hand-typed aliases), some point at headings that exist and a few at headings that don't;
* a few very long notes (about 0.2% of notes, ~200 KB each);
* topic notes for the Topics dashboard (about 1%: ``#topic``, a ``timeline`` property,
  ``## Pros`` and ``## Cons`` bullet lists).

Shapes: the vault above is the ``default`` shape. ``topics-heavy`` is a second vault with
large dashboards and other distributions, so that no path is fast only on the vault it was
tuned on (issue 18): about half the notes are topics carrying a nested ``#topic/area/name``
tag (in the front matter or inline after the first paragraph), so the Topics table has
thousands of rows; task lists are longer (3 to 10 tasks), inline tags are nested three levels
(``#area/health/sleep``), and links favour fewer, bigger hubs (2% of notes drawing 40% of
links). Every other draw is as in ``default``; the ``default`` shape's files do not depend on
this option.

Determinism: the same seed and note count give byte-identical files. Every note is drawn
from its own ``random.Random`` seeded from (seed, note number), so a note's content, and the
headings other notes link to, can be recomputed without generating anything else. Notes are
written one at a time; only the note names are kept in memory, so 100,000 notes take time
and memory linear in the count.

Run ``python -m benchmarks.generate OUT_DIR --notes 10000 [--seed 1]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import re
import struct
import sys
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["GENERATOR_VERSION", "SHAPES", "GeneratedVault", "generate_vault", "main"]


@dataclass(frozen=True, slots=True)
class GeneratedVault:
    """What :func:`generate_vault` wrote. Link and task counts cover note bodies only and
    leave out what is hidden (code blocks, inline code, ``%% comments %%``)."""

    notes: int
    """Markdown files, daily notes included."""
    attachments: int
    """PNG files in ``attachments/``."""
    bytes: int
    """Total size of every file written (``.obsidian/`` included)."""
    tasks: int
    """Checkbox list items, sub-tasks and tasks inside callouts included."""
    wikilinks: int
    """``[[…]]`` links (not embeds), same-note ``[[#Heading]]`` links included."""
    unresolved_links: int
    """Wikilinks whose target note does not exist."""
    embeds: int = 0
    """``![[…]]`` embeds of attachments (all resolve)."""
    broken_anchors: int = 0
    """Wikilinks to an existing note but a heading it does not have."""
    daily_notes: int = 0
    """Notes in ``Daily/``."""
    folders: int = 0
    """Folders holding notes (``Daily/`` included, the vault root and ``attachments/`` not)."""
    shape: str = "default"
    """Which of :data:`SHAPES` was written."""
    topics: int | None = None
    """Topic notes (rows of the Topics table); None in counts cached before it was kept."""


# --------------------------------------------------------------------------------------------
# Vocabulary (written for this generator; plain words, no characters Obsidian forbids in
# file names or that end a wikilink).

# fmt: off
_NOUNS = (
    "index", "cache", "query", "schema", "backup", "budget", "garden", "kitchen", "migration",
    "deadline", "draft", "outline", "invoice", "workout", "recipe", "sprint", "release", "roadmap",
    "interview", "checklist", "server", "replica", "journal", "habit", "podcast", "lecture",
    "chapter", "exercise", "benchmark", "prototype", "workflow", "template", "dashboard",
    "meeting", "proposal", "contract", "estimate", "ledger", "portfolio", "pipeline", "parser",
    "compiler", "scheduler", "network", "router", "firewall", "sensor", "battery", "bicycle",
    "trail", "camera", "playlist", "compost", "greenhouse", "notebook", "library", "archive",
    "timeline", "ticket", "queue", "worker", "cluster", "bucket", "snapshot", "metric", "alert",
    "runbook", "incident", "postmortem", "hypothesis", "experiment", "dataset", "model", "feature",
    "spreadsheet", "report", "essay", "newsletter", "talk", "slide deck", "demo", "workshop",
    "course", "syllabus", "vocabulary", "grammar", "flashcard", "itinerary", "visa", "ferry",
    "hostel", "café", "museum", "façade", "résumé", "mentor", "team", "client", "vendor",
    "warranty", "roof", "window", "floor plan", "paint", "tile", "faucet", "ladder", "toolbox",
    "shelf", "desk", "monitor", "keyboard", "lease", "mortgage", "pension", "receipt",
    "tax return", "allowance", "rehearsal", "script", "storyboard", "interval", "stretch",
    "protein", "sourdough", "harvest", "seedling",
)
_ADJS = (
    "quick", "slow", "weekly", "monthly", "annual", "shared", "private", "rough", "detailed",
    "minimal", "incremental", "distributed", "local", "remote", "manual", "automatic", "lazy",
    "eager", "stale", "fresh", "broken", "stable", "experimental", "legacy", "modern", "portable",
    "noisy", "quiet", "naïve", "robust", "fragile", "cheap", "expensive", "long-term",
    "short-term", "personal", "public", "internal", "seasonal", "careful", "small", "large",
    "hidden", "visible", "messy", "tidy", "urgent", "optional", "spare", "second", "new", "old",
    "better", "simple",
)
_VERBS = (
    "updates", "replaces", "blocks", "improves", "needs", "explains", "breaks", "simplifies",
    "duplicates", "tracks", "measures", "depends on", "summarises", "covers", "skips", "delays",
    "speeds up", "feeds", "triggers", "reuses", "splits", "merges", "checks", "records", "moves",
    "references", "outlines", "ignores", "changes", "limits",
)
_TASK_VERBS = (
    "Write", "Review", "Fix", "Book", "Call about", "Email about", "Order", "Read", "Finish",
    "Plan", "Update", "Test", "Clean up", "Measure", "Compare", "Renew", "Pay for", "Schedule",
    "Draft", "Publish", "Sketch", "Benchmark", "Archive", "Sort out", "Price",
)
_HOW_VERBS = (
    "fix", "plan", "test", "choose", "clean", "ship", "measure", "learn", "budget for", "replace",
    "store", "prepare", "debug", "maintain",
)
_PREPS = ("before", "after", "during", "without", "with", "for", "around", "inside", "across")
_DETS = ("the", "the", "the", "a", "this", "that", "every", "our", "my", "each")
_ADVS = (
    "again", "for now", "this week", "eventually", "by Friday", "as expected", "in practice",
    "at last", "for a while", "mostly", "next month", "twice",
)
_CONNECTORS = (", and", ", but", " because", ", so", " while", " although", " until")
_ENDINGS = (".", ".", ".", ".", ".", ".", "?", "!")
_NAME_SUFFIXES = (
    "notes", "plan", "checklist", "ideas", "review", "overview", "log", "questions",
    "reading list", "summary", "cheatsheet", "draft", "comparison", "template", "research",
    "retro", "decisions", "budget", "timeline", "FAQ", "glossary", "setup", "guide", "backlog",
)
_GHOST_SUFFIXES = ("someday", "wishlist", "to write", "v2", "sketch", "stub", "(later)")
_SECTIONS = (
    "Overview", "Context", "Details", "Tasks", "Open questions", "Resources", "Log", "Decisions",
    "Ideas", "Summary", "Next steps", "References", "Pros & cons", "Risks", "Timeline", "Notes",
    "Budget", "Lessons learned", "Related", "Examples",
)
_SUBSECTIONS = (
    "Background", "Option A", "Option B", "Findings", "Follow-up", "Caveats", "Setup", "Results",
    "Week 1", "Week 2", "Costs", "Alternatives", "Open issues", "Done", "Later",
)
_MISSING_HEADINGS = ("Appendix", "Old notes", "Meeting minutes", "Scratch", "Summary v1")
_TASK_SECTIONS = frozenset({"Tasks", "Next steps"})
_LINK_SECTIONS = frozenset({"Resources", "References", "Related"})
_LOG_SECTIONS = frozenset({"Log", "Timeline"})
_TAGS = (
    "project", "area/health", "area/finance", "area/career", "resource", "idea", "todo", "review",
    "reading", "book", "course", "meeting", "person", "travel", "home", "dev/python", "dev/rust",
    "dev/db", "writing", "inbox", "someday", "status/active", "status/paused", "status/done",
    "q/2021", "lang/es", "lang/de", "health/sleep", "finance/tax",
)
_TOPIC_EVERY = 97
SHAPES = ("default", "topics-heavy")
"""The vault shapes :func:`generate_vault` can write (see the module docstring)."""
# fmt: off
_HEAVY_TAGS = (
    "area/health/sleep", "area/health/training", "area/finance/tax", "area/finance/budget",
    "area/career/skills", "dev/python/async", "dev/python/packaging", "dev/db/sqlite",
    "dev/db/postgres", "status/active", "status/paused", "status/done", "reading/book",
    "reading/paper", "home/garden", "home/kitchen", "travel/2025", "travel/2026", "inbox",
    "idea", "review", "meeting/team", "meeting/client", "lang/es/verbs", "lang/de/nouns",
)
_TOPIC_AREAS = ("tools", "methods", "places", "products", "vendors", "ideas", "courses", "books")
# fmt: on
GENERATOR_VERSION = 2
"""Bumped whenever the same seed and count give other files (cached vaults are keyed by it).
2: topic notes."""
_STATUSES = ("active", "paused", "done", "idea", "archived", "in progress", "waiting")
_CALLOUTS = (
    "note",
    "note",
    "tip",
    "info",
    "warning",
    "todo",
    "question",
    "example",
    "quote",
    "abstract",
    "summary",
    "success",
    "danger",
    "bug",
    "important",
    "caution",
    "faq",
)
_HABITS = ("Exercise", "Read 30 min", "No sugar", "Meditate", "Journal", "Language practice")
_DOMAINS = (
    "example.org",
    "example.com",
    "example.net",
    "docs.example.org",
    "blog.example.com",
    "www.example.net",
    "wiki.example.org",
    "shop.example.com",
)
_TABLE_HEADERS = ("Item", "Status", "Notes", "Link", "Cost", "Owner", "Due", "Source")
_RECURRENCES = (
    "every week",
    "every 2 weeks",
    "every month on the 1st",
    "every weekday",
    "every day when done",
    "every year",
    "every 3 months",
)
_PRIORITIES = ("⏫", "⏫", "🔼", "🔼", "🔽", "🔽", "🔺", "⏬")
_CODE_LANGS = ("python", "bash", "sql", "yaml", "json", "text", "")
# fmt: on

# Folder tree: 5 top-level folders, 3 under each, 2 under each of those: 50 folders.
_TREE: tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...] = (
    ("Projects", (
        ("Home Renovation", ("Kitchen", "Garden")),
        ("Side Project", ("Backend", "Frontend")),
        ("Conference Talk", ("Drafts", "Research")),
    )),
    ("Areas", (
        ("Health", ("Training", "Nutrition")),
        ("Finance", ("Taxes", "Investing")),
        ("Career", ("Interviews", "Skills")),
    )),
    ("Resources", (
        ("Programming", ("Python", "Databases")),
        ("Books", ("Fiction", "Non-fiction")),
        ("Courses", ("Statistics", "Languages")),
    )),
    ("Archive", (
        ("Old Projects", ("Website", "Podcast")),
        ("Reading", ("2021", "2022")),
        ("Travel", ("Lisbon", "Kyoto")),
    )),
    ("Meetings", (
        ("Team", ("Standups", "Retros")),
        ("Clients", ("Harbour & Co", "Blue Finch")),
        ("One-on-ones", ("Manager", "Mentees")),
    )),
)  # fmt: skip

# Plain YAML scalars that PyYAML would not read as strings; never used as an alias.
_YAML_WORDS = frozenset({"yes", "no", "on", "off", "y", "n", "true", "false", "null"})

_AN = re.compile(r"\ba (?=[aeiou])")
"""The article "a" before a vowel, to become "an"."""

_DAILY_FOLDER = "Daily"
_ATTACHMENTS_FOLDER = "attachments"
_START = dt.date(2020, 1, 1)

_DAILY_SHARE = 0.10
_LONG_SHARE = 0.002
_LONG_BYTES = (170_000, 230_000)
# Regular note size budget: log-normal; sections end on whole blocks, which overshoot the
# budget, so regular notes come out at about 3.9 KB on average.
_SIZE_MU = math.log(2150.0)
_SIZE_SIGMA = 0.55
_SIZE_CLIP = (700, 24_000)


def _folders() -> list[tuple[str, int]]:
    """Every note folder with its relative weight (deeper folders hold more notes)."""
    found: list[tuple[str, int]] = [("", 2)]
    for top, subs in _TREE:
        found.append((top, 1))
        for mid, leaves in subs:
            found.append((f"{top}/{mid}", 2))
            found.extend((f"{top}/{mid}/{leaf}", 5) for leaf in leaves)
    return found


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid truecolour PNG with a simple diagonal stripe pattern."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    dark = bytes(c // 2 for c in rgb)
    light = bytes(rgb)
    rows = [
        b"\x00" + b"".join(dark if (x + y) % 4 == 0 else light for x in range(width))
        for y in range(height)
    ]
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


# --------------------------------------------------------------------------------------------
# Per-note plans: what other notes need to know about a note before it is written.

_DAILY, _REGULAR, _LONG = 0, 1, 2


@dataclass(frozen=True, slots=True)
class _Plan:
    kind: int
    sections: tuple[tuple[str, tuple[str, ...]], ...]
    """``##`` headings in order, each with its ``###`` subheadings."""
    headings: tuple[str, ...]
    """Every ``##``/``###`` heading text, for links into the note."""
    aliases: tuple[str, ...]
    block_id: str | None
    frontmatter: bool
    title_heading: bool
    day: int
    """Days after ``_START`` the note was created (its date for a daily note)."""


class _Vault:
    """The layout of the whole vault (names, folders, kinds) and the running counts."""

    def __init__(self, notes: int, seed: int, shape: str = "default") -> None:
        if shape not in SHAPES:
            raise ValueError(f"unknown shape {shape!r}; choose one of {', '.join(SHAPES)}")
        self.seed = seed
        self.heavy = shape == "topics-heavy"
        self.count = notes
        rng = random.Random(seed)
        self.n_daily = round(notes * _DAILY_SHARE) if notes >= 10 else 0
        self.n_regular = notes - self.n_daily
        self.span = max(self.n_daily, 365)
        self.n_hubs = max(1, self.n_regular // 50)
        if self.heavy:
            self.n_hubs = max(1, self.n_regular // 200)

        attachment_count = max(12, min(48, notes // 100))
        numbers = rng.sample(range(100, 1000), attachment_count)
        self.attachments: list[str] = []
        for k, number in enumerate(numbers):
            if k % 6 == 5:
                stamp = _START + dt.timedelta(days=rng.randrange(self.span))
                clock = rng.randrange(86_400)
                self.attachments.append(
                    f"Pasted image {stamp:%Y%m%d}{clock // 3600:02d}"
                    f"{clock // 60 % 60:02d}{clock % 60:02d}.png"
                )
            else:
                self.attachments.append(f"img-{number}.png")
        self.attachment_colours = [
            (rng.randrange(40, 256), rng.randrange(40, 256), rng.randrange(40, 256))
            for _ in self.attachments
        ]

        folders = _folders()
        self.folders = [path for path, _ in folders]
        weights = [w for _, w in folders]
        # Names: daily notes first (indices 0..n_daily-1), then regular notes.
        self.names: list[str] = [
            (_START + dt.timedelta(days=i)).isoformat() for i in range(self.n_daily)
        ]
        self.folder_of: list[int] = [-1] * self.n_daily
        self.keys: set[str] = {name.lower() for name in self.names}
        folder_choice = rng.choices(range(len(self.folders)), weights=weights, k=self.n_regular)
        for i in range(self.n_regular):
            name = self._new_name(rng)
            self.names.append(name)
            self.keys.add(name.lower())
            self.folder_of.append(folder_choice[i])
        long_count = round(notes * _LONG_SHARE)
        if long_count == 0 and self.n_regular >= 150:
            long_count = 1
        self.long: frozenset[int] = frozenset(
            rng.sample(range(self.n_daily, notes), min(long_count, self.n_regular))
        )
        self.ghosts: list[str] = []
        while len(self.ghosts) < max(20, notes // 40):
            ghost = _cap(f"{rng.choice(_ADJS)} {rng.choice(_NOUNS)} {rng.choice(_GHOST_SUFFIXES)}")
            if ghost.lower() not in self.keys:
                self.ghosts.append(ghost)
        self.url_pool = max(50, notes // 4)

        self.tasks = 0
        self.wikilinks = 0
        self.unresolved = 0
        self.embeds = 0
        self.broken_anchors = 0
        self.bytes = 0
        self.topics = 0

    def _new_name(self, rng: random.Random) -> str:
        for attempt in range(4):
            form = rng.randrange(10)
            noun, other = rng.choice(_NOUNS), rng.choice(_NOUNS)
            if form < 3:
                name = f"{rng.choice(_ADJS)} {noun}"
            elif form < 5:
                name = f"{noun} {rng.choice(_NAME_SUFFIXES)}"
            elif form < 8:
                name = f"{rng.choice(_ADJS)} {noun} {rng.choice(_NAME_SUFFIXES)}"
            elif form < 9:
                name = f"{noun} and {other}" if rng.random() < 0.6 else f"{noun} vs {other}"
            else:
                name = f"how to {rng.choice(_HOW_VERBS)} the {noun}"
            name = _cap(name)
            if attempt == 3:
                base, n = name, 2
                while name.lower() in self.keys:
                    name, n = f"{base} {n}", n + 1
            if name.lower() not in self.keys:
                return name
        raise AssertionError("unreachable")

    # -- layout ------------------------------------------------------------------------------

    def folder(self, i: int) -> str:
        return _DAILY_FOLDER if i < self.n_daily else self.folders[self.folder_of[i]]

    def path(self, i: int) -> str:
        """Vault-relative POSIX path of note ``i``."""
        folder = self.folder(i)
        return f"{folder}/{self.names[i]}.md" if folder else f"{self.names[i]}.md"

    def kind(self, i: int) -> int:
        if i < self.n_daily:
            return _DAILY
        return _LONG if i in self.long else _REGULAR

    def plan(self, i: int) -> _Plan:
        """The headings, aliases and block id of note ``i``: cheap, and the same every time."""
        r = random.Random(f"{self.seed}:plan:{i}")
        kind = self.kind(i)
        if kind == _DAILY:
            sections: list[tuple[str, tuple[str, ...]]] = [("Habits", ()), ("Log", ())]
            if r.random() < 0.4:
                sections.append(("Tasks", ()))
            if r.random() < 0.3:
                sections.append(("Notes", ()))
            heads = tuple(s for s, _ in sections)
            return _Plan(kind, tuple(sections), heads, (), None, True, False, i)
        count = r.randint(4, 5) if kind == _LONG else r.randint(3, 6)
        titles = r.sample(_SECTIONS, count)
        if kind == _LONG:
            titles = [t for t in titles if t != "Log"] + ["Log"]
        sections = []
        for title in titles:
            subs: tuple[str, ...] = ()
            if title not in _LOG_SECTIONS and r.random() < 0.3:
                subs = tuple(r.sample(_SUBSECTIONS, r.randint(1, 3)))
            sections.append((title, subs))
        heads = tuple(h for title, subs in sections for h in (title, *subs))
        frontmatter = r.random() < 0.9
        aliases: tuple[str, ...] = ()
        if frontmatter and r.random() < 0.25:
            words = self.names[i].split()
            candidates = [
                "".join(w[0] for w in words).upper() + (" notes" if len(words) < 3 else ""),
                f"{r.choice(_ADJS)} {words[-1]}",
            ]
            aliases = tuple(
                a
                for a in candidates[: r.randint(1, 2)]
                if a.lower() not in self.keys and a.lower() not in _YAML_WORDS
            )
        block = None
        if r.random() < 0.15:
            block = "".join(r.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=6))
        return _Plan(
            kind,
            tuple(sections),
            heads,
            aliases,
            block,
            frontmatter,
            r.random() < 0.4,
            r.randrange(self.span),
        )

    def target(self, r: random.Random, source: int) -> int:
        """A note to link to from ``source``: hub notes and daily notes are favoured."""
        x = r.random()
        hubs = 0.40 if self.heavy else 0.25
        if x < hubs:
            j = self.n_daily + r.randrange(self.n_hubs)
        elif x < hubs + 0.05 and self.n_daily:
            j = r.randrange(self.n_daily)
        else:
            j = self.n_daily + r.randrange(self.n_regular)
        if j == source and self.count > 1:
            j = (j + 1) % self.count
        return j

    def url(self, r: random.Random) -> tuple[str, str]:
        """An external URL and a link text; many URLs recur across the vault."""
        if r.random() < 0.6:
            k = r.randrange(self.url_pool)
            rk = random.Random(f"{self.seed}:url:{k}")
        else:
            rk = r
        noun, adj = rk.choice(_NOUNS), rk.choice(_ADJS)
        domain = rk.choice(_DOMAINS)
        slug = f"{adj}-{noun}".replace(" ", "-").encode("ascii", "ignore").decode()
        path = f"{rk.choice(('guides', 'posts', 'wiki', 'docs', 'p'))}/{slug}"
        if rk.random() < 0.2:
            path += f"?page={rk.randint(2, 9)}"
        elif rk.random() < 0.15:
            path += f"#part-{rk.randint(1, 5)}"
        return f"https://{domain}/{path}", _cap(f"{adj} {noun} {rk.choice(_NAME_SUFFIXES)}")


# --------------------------------------------------------------------------------------------
# One note


class _Note:
    """Builds the text of one note; every count it adds goes to the vault totals."""

    def __init__(self, vault: _Vault, i: int) -> None:
        self.v = vault
        self.i = i
        self.plan = vault.plan(i)
        self.r = random.Random(f"{vault.seed}:body:{i}")
        self.lines: list[str] = []
        self.size = 0
        self.indent = "\t" if self.r.random() < 0.7 else "    "
        self.ids = 0
        self.day = _START + dt.timedelta(days=self.plan.day)

    # -- output --------------------------------------------------------------------------

    def block(self, lines: Sequence[str]) -> None:
        """Append a block and the blank line after it."""
        self.lines.extend(lines)
        self.lines.append("")
        self.size += sum(len(line) for line in lines) + len(lines) + 1

    def text(self) -> str:
        while self.lines and self.lines[-1] == "":
            self.lines.pop()
        return "\n".join(self.lines) + "\n"

    # -- words ---------------------------------------------------------------------------

    def clause(self) -> str:
        # The hot path of the generator: words are picked by index from one random() each,
        # which is several times cheaper than Random.choice.
        rand = self.r.random
        nouns, adjs, dets = _NOUNS, _ADJS, _DETS
        parts = [dets[int(rand() * len(dets))]]
        if rand() < 0.5:
            parts.append(adjs[int(rand() * len(adjs))])
        parts += [
            nouns[int(rand() * len(nouns))],
            _VERBS[int(rand() * len(_VERBS))],
            dets[int(rand() * len(dets))],
        ]
        if rand() < 0.4:
            parts.append(adjs[int(rand() * len(adjs))])
        parts.append(nouns[int(rand() * len(nouns))])
        x = rand()
        if x < 0.3:
            parts += [
                _PREPS[int(rand() * len(_PREPS))],
                dets[int(rand() * len(dets))],
                nouns[int(rand() * len(nouns))],
            ]
        elif x < 0.45:
            parts.append(_ADVS[int(rand() * len(_ADVS))])
        return _AN.sub("an ", " ".join(parts))

    def sentence(self) -> str:
        text = self.clause()
        if self.r.random() < 0.35:
            text += f"{self.r.choice(_CONNECTORS)} {self.clause()}"
        return _cap(text) + self.r.choice(_ENDINGS)

    def phrase(self) -> str:
        r = self.r
        return f"{r.choice(_ADJS)} {r.choice(_NOUNS)}"

    def date(self, low: int, high: int) -> str:
        return (self.day + dt.timedelta(days=self.r.randint(low, high))).isoformat()

    def tag(self) -> str:
        return "#" + self.r.choice(_HEAVY_TAGS if self.v.heavy else _TAGS)

    # -- links ---------------------------------------------------------------------------

    def wikilink(self, *, table: bool = False) -> str:
        """A counted wikilink; ``table`` escapes the alias pipe as tables need."""
        r, v = self.r, self.v
        bar = "\\|" if table else "|"
        v.wikilinks += 1
        x = r.random()
        if x < 0.03:
            v.unresolved += 1
            if x < 0.006:
                plan = v.plan(v.target(r, self.i))
                if plan.aliases:
                    return f"[[{r.choice(plan.aliases)}]]"
            ghost = r.choice(v.ghosts)
            return f"[[{ghost}{bar}{self.phrase()}]]" if x > 0.025 else f"[[{ghost}]]"
        if x < 0.07 and self.plan.headings:
            return f"[[#{r.choice(self.plan.headings)}]]"
        j = v.target(r, self.i)
        name = v.names[j]
        if x < 0.075:
            v.broken_anchors += 1
            return f"[[{name}#{r.choice(_MISSING_HEADINGS)}]]"
        if x < 0.20:
            heads = v.plan(j).headings
            if heads:
                heading = r.choice(heads)
                if x < 0.17:
                    return f"[[{name}#{heading}]]"
                return f"[[{name}#{heading}{bar}{heading.lower()}]]"
            return f"[[{name}]]"
        if x < 0.22:
            block = v.plan(j).block_id
            return f"[[{name}#^{block}]]" if block else f"[[{name}]]"
        if x < 0.26:
            return f"[[{v.path(j)[:-3]}]]"
        if x < 0.28:
            return f"[[{name.lower()}]]"
        if x < 0.40:
            return f"[[{name}{bar}{self.phrase()}]]"
        return f"[[{name}]]"

    def property_link(self) -> str:
        """A counted wikilink for a property value: Obsidian 1.4+ reads ``related: "[[X]]"``
        as a link (the same draws as :meth:`hidden_link`, so the vault's text is unchanged)."""
        self.v.wikilinks += 1
        return f"[[{self.v.names[self.v.target(self.r, self.i)]}]]"

    def hidden_link(self) -> str:
        """Link-like text in a place where it is not a link (not counted)."""
        r = self.r
        return f"[[{self.v.names[self.v.target(r, self.i)]}]]"

    def external(self) -> str:
        url, title = self.v.url(self.r)
        return f"[{title}]({url})"

    def embed(self) -> str:
        r, v = self.r, self.v
        v.embeds += 1
        name = r.choice(v.attachments)
        return (
            f"![[{name}|{r.choice((200, 300, 400, 640))}]]" if r.random() < 0.3 else f"![[{name}]]"
        )

    def decoration(self) -> str:
        """Something inline to follow a sentence: a link, a tag, emphasis, code, a comment."""
        r = self.r
        x = r.random()
        if x < 0.30:
            return r.choice(("See {}.", "Related: {}.", "{} has more on this.", "Cf. {}.")).format(
                self.wikilink()
            )
        if x < 0.38:
            return f"(compare {self.wikilink()} and {self.wikilink()})"
        if x < 0.52:
            return self.tag()
        if x < 0.62:
            return f"More in {self.external()}."
        if x < 0.67:
            url, _ = self.v.url(r)
            return f"Source: {url} for details."
        if x < 0.74:
            return f"**{self.phrase()}** matters most."
        if x < 0.79:
            return f"The ==key point== is the {self.phrase()}."
        if x < 0.84:
            return f"Run `{r.choice(_NOUNS).replace(' ', '_')} --dry-run` first."
        if x < 0.87:
            return f"Type `{self.hidden_link()}` to link it."
        if x < 0.92:
            return f"%% check {self.phrase()} {self.hidden_link()} - [ ] later %%"
        if x < 0.95:
            return "Cost grows as $O(n \\log n)$ here."
        return f"*{_cap(self.phrase())}*, again."

    def paragraph(self, sentences: tuple[int, int] = (2, 5)) -> str:
        r = self.r
        parts: list[str] = []
        for _ in range(r.randint(*sentences)):
            parts.append(self.sentence())
            if r.random() < 0.3:
                parts.append(self.decoration())
        return " ".join(parts)

    # -- tasks ---------------------------------------------------------------------------

    def task(
        self, depth: int, prefix: str = "", ident: str | None = None, blocked_by: str | None = None
    ) -> str:
        r = self.r
        self.v.tasks += 1
        x = r.random()
        status = (
            " "
            if x < 0.55
            else "x"
            if x < 0.84
            else "/"
            if x < 0.92
            else "-"
            if x < 0.97
            else r.choice(">!?")
        )
        parts = [f"{r.choice(_TASK_VERBS)} the {self.phrase()}"]
        y = r.random()
        if y < 0.18:
            parts.append(f"for {self.wikilink()}")
        elif y < 0.24:
            parts.append(f"from {self.external()}")
        if r.random() < 0.15:
            parts.append(self.tag())
        if ident is not None:
            parts.append(f"🆔 {ident}")
        if blocked_by is not None:
            parts.append(f"⛔ {blocked_by}")
        if r.random() < 0.25:
            parts.append(r.choice(_PRIORITIES))
        if status == " " and r.random() < 0.07:
            parts.append(f"🔁 {r.choice(_RECURRENCES)}")
        if r.random() < 0.1:
            parts.append(f"➕ {self.date(-20, 0)}")
        if r.random() < 0.05:
            parts.append(f"🛫 {self.date(0, 20)}")
        if r.random() < 0.08:
            parts.append(f"⏳ {self.date(0, 30)}")
        if r.random() < 0.35:
            parts.append(f"📅 {self.date(-10, 90)}")
        if status == "-" and r.random() < 0.5:
            parts.append(f"❌ {self.date(0, 40)}")
        if status in "xX" and r.random() < 0.85:
            parts.append(f"✅ {self.date(0, 40)}")
        return f"{prefix}{self.indent * depth}- [{status}] {' '.join(parts)}"

    def task_list(self, count: tuple[int, int] = (2, 7), prefix: str = "") -> list[str]:
        r = self.r
        if self.v.heavy:
            count = (3, 10)
        n = r.randint(*count)
        ids: dict[int, str] = {}
        deps: dict[int, str] = {}
        if n >= 2 and r.random() < 0.15:
            a = r.randrange(n - 1)
            b = r.randrange(a + 1, n)
            self.ids += 1
            ids[a] = deps[b] = f"t{self.i:x}-{self.ids}"
        elif r.random() < 0.01:
            deps[r.randrange(n)] = "gone01"  # a dependency on a task that no longer exists
        out: list[str] = []
        for k in range(n):
            out.append(self.task(0, prefix, ids.get(k), deps.get(k)))
            if not prefix and r.random() < 0.2:
                for _ in range(r.randint(1, 3)):
                    if r.random() < 0.15:
                        out.append(f"{self.indent}- {self.sentence()}")
                    else:
                        out.append(self.task(1))
                    if r.random() < 0.12:
                        out.append(self.task(2))
        return out

    # -- blocks --------------------------------------------------------------------------

    def bullets(self) -> list[str]:
        r = self.r
        out: list[str] = []
        ordered = r.random() < 0.2
        for k in range(r.randint(2, 6)):
            text = self.sentence()
            if r.random() < 0.35:
                text += " " + self.decoration()
            out.append(f"{k + 1}. {text}" if ordered else f"- {text}")
            if r.random() < 0.15:
                out.append(f"{self.indent if not ordered else '   '}- {self.sentence()}")
        return out

    def callout(self, nested: bool = True) -> list[str]:
        r = self.r
        kind = r.choice(_CALLOUTS)
        fold = r.choice(("", "", "", "-", "+"))
        title = f" {_cap(self.phrase())}" if r.random() < 0.6 else ""
        if r.random() < 0.15:
            kind = kind.upper()
        out = [f"> [!{kind}]{fold}{title}", f"> {self.paragraph((1, 3))}"]
        if r.random() < 0.2:
            out.extend(self.task_list((1, 3), prefix="> "))
        if nested and r.random() < 0.12:
            out.append(">")
            out.extend(f"> {line}" for line in self.callout(nested=False))
        return out

    def table(self) -> list[str]:
        r = self.r
        columns = r.sample(_TABLE_HEADERS, r.randint(3, 4))
        out = ["| " + " | ".join(columns) + " |", "| " + " | ".join("---" for _ in columns) + " |"]
        for _ in range(r.randint(2, 6)):
            cells: list[str] = []
            for c, column in enumerate(columns):
                x = r.random()
                if c == 0 or (column in ("Link", "Source") and x < 0.7):
                    cells.append(self.wikilink(table=True) if x < 0.8 else self.external())
                elif column == "Status":
                    cells.append(r.choice(_STATUSES))
                elif column == "Due":
                    cells.append(self.date(0, 60))
                elif column == "Cost":
                    cells.append(f"{r.randint(5, 900)} EUR")
                elif x < 0.35:
                    cells.append(f"{_cap(self.phrase())}<br>{_cap(self.phrase())}")
                elif x < 0.45:
                    cells.append(f"{self.phrase()}<br>{self.wikilink(table=True)}")
                else:
                    cells.append(_cap(self.phrase()))
            out.append("| " + " | ".join(cells) + " |")
        return out

    def code(self) -> list[str]:
        r = self.r
        lang = r.choice(_CODE_LANGS)
        word = r.choice(_NOUNS).replace(" ", "_").encode("ascii", "ignore").decode()
        body = {
            "python": [
                f"def load_{word}(path):",
                f"    # see {self.hidden_link()} before changing this",
                '    return [line for line in open(path) if line.startswith("- [ ]")]',
                f'print("#{r.choice(_TAGS)} done")',
            ],
            "bash": [
                f"grep -rn '\\[\\[{word}' notes/ | wc -l",
                "echo '- [x] backup finished'",
                f"cp -r ~/vault/{word} /tmp/{word}-copy  # %% not a comment %%",
            ],
            "sql": [
                "SELECT path, text FROM tasks",
                f"WHERE text LIKE '%{self.hidden_link()}%'",
                "  AND status = 'todo';",
            ],
            "yaml": [f"tags: [{r.choice(_TAGS)}, draft]", f'related: "{self.hidden_link()}"'],
            "json": ["{", f'  "{word}": "{self.hidden_link()}",', '  "done": false', "}"],
        }.get(lang, [f"- [ ] {self.phrase()} (not a task)", f"{self.hidden_link()} #not-a-tag"])
        return [f"```{lang}", *body, "```"]

    def comment_block(self) -> list[str]:
        return [
            "%%",
            f"Review later: {self.sentence()}",
            f"- [ ] {self.phrase()} {self.hidden_link()}",
            f"- [x] {self.phrase()}",
            "%%",
        ]

    def resource_list(self) -> list[str]:
        r = self.r
        out: list[str] = []
        for _ in range(r.randint(3, 8)):
            x = r.random()
            if x < 0.4:
                out.append(f"- {self.external()}")
            elif x < 0.6:
                out.append(f"- {self.wikilink()} - {self.phrase()}")
            elif x < 0.72:
                url, _ = self.v.url(r)
                out.append(f"- {url}")
            else:
                self.v.tasks += 1
                status = r.choice(("x", " ", " ", "/"))
                out.append(f"- [{status}] Read {self.external()}")
        return out

    def log_list(self) -> list[str]:
        r = self.r
        out: list[str] = []
        for k in range(r.randint(2, 6)):
            day = (self.day + dt.timedelta(days=k * r.randint(1, 9))).isoformat()
            extra = f" {self.wikilink()}" if r.random() < 0.4 else ""
            out.append(f"- {day}: {self.sentence()}{extra}")
        return out

    def prose_block(self) -> list[str]:
        x = self.r.random()
        if x < 0.42:
            return [self.paragraph()]
        if x < 0.54:
            return self.bullets()
        if x < 0.65:
            return self.callout()
        if x < 0.73:
            return self.table()
        if x < 0.79:
            return self.code()
        if x < 0.89:
            return self.task_list((1, 4))
        if x < 0.93:
            return self.comment_block()
        if x < 0.97:
            return [self.embed()]
        return [f"{self.sentence()} ^{''.join(self.r.choices('abcdefghjkmnpqrstuvwxyz', k=6))}"]

    def section_block(self, title: str, first: bool) -> list[str]:
        if title in _TASK_SECTIONS:
            return self.task_list() if first or self.r.random() < 0.6 else self.prose_block()
        if title in _LINK_SECTIONS:
            return self.resource_list() if first else self.prose_block()
        if title in _LOG_SECTIONS:
            return self.log_list() if first or self.r.random() < 0.5 else self.prose_block()
        return self.prose_block()

    def fill(self, title: str, budget: int) -> None:
        end = self.size + budget
        first = True
        while first or self.size < end:
            self.block(self.section_block(title, first))
            first = False

    # -- whole notes ---------------------------------------------------------------------

    @property
    def topic(self) -> bool:
        """About 1% of notes with front matter are topics (``#topic``, the Topics dashboard):
        chosen by number, so no other note's random draws move. In ``topics-heavy``, about
        60% of them (half of all notes)."""
        if self.v.heavy:
            return self.plan.frontmatter and self.i % 5 < 3
        return self.plan.frontmatter and self.i % _TOPIC_EVERY == 0

    def topic_tag(self) -> str:
        """A ``topics-heavy`` topic's nested tag, from its own seeded draws."""
        r = random.Random(f"{self.v.seed}:topic:{self.i}")
        name = r.choice(_NOUNS).replace(" ", "-").encode("ascii", "ignore").decode()
        return f"topic/{r.choice(_TOPIC_AREAS)}/{name}"

    @property
    def inline_topic(self) -> bool:
        """Whether a ``topics-heavy`` topic carries its tag inline rather than in front matter."""
        return self.v.heavy and self.topic and (self.i // 5) % 2 == 1

    def frontmatter(self) -> None:
        r, plan = self.r, self.plan
        tags = r.sample(_TAGS, r.randint(1, 4))
        if self.topic:
            self.v.topics += 1
            if not self.v.heavy:
                tags.append("topic")
            elif not self.inline_topic:
                tags.append(self.topic_tag())
        lines = ["---"]
        if r.random() < 0.3:
            lines.append(f"tags: [{', '.join(tags)}]")
        else:
            lines += ["tags:", *(f"  - {t}" for t in tags)]
        if plan.aliases:
            lines += ["aliases:", *(f"  - {a}" for a in plan.aliases)]
        lines.append(f"status: {r.choice(_STATUSES)}")
        lines.append(f"created: {self.day.isoformat()}")
        if r.random() < 0.6:
            lines.append(f"updated: {self.date(0, 200)}")
        if r.random() < 0.2:
            lines.append(f"priority: {r.randint(1, 4)}")
        if r.random() < 0.1:
            lines.append(f"source: {self.v.url(r)[0]}")
        if r.random() < 0.1:
            lines.append(f'related: "{self.property_link()}"')
        if self.topic:
            lines.append(f"timeline: {r.randint(2024, 2027)}-Q{r.randint(1, 4)}")
        lines.append("---")
        self.block(lines)

    def pros_and_cons(self) -> None:
        """A topic's ``## Pros`` and ``## Cons`` bullets: columns of the comparison table."""
        for title in ("Pros", "Cons"):
            self.block([f"## {title}"])
            self.block([f"- {self.phrase()}" for _ in range(self.r.randint(1, 4))])

    def intro(self) -> None:
        r, plan = self.r, self.plan
        if plan.title_heading:
            self.block([f"# {self.v.names[self.i]}"])
        if r.random() < 0.1:
            self.block([f"Source:: {self.external()}", f"Rating:: {r.randint(1, 5)}"])
        text = self.paragraph((1, 3))
        if self.inline_topic:
            text += f" #{self.topic_tag()}"
        if plan.block_id:
            text += f" ^{plan.block_id}"
        self.block([text])

    def regular(self) -> str:
        r, plan = self.r, self.plan
        if plan.frontmatter:
            self.frontmatter()
        self.intro()
        target = min(
            max(int(r.lognormvariate(_SIZE_MU, _SIZE_SIGMA)), _SIZE_CLIP[0]), _SIZE_CLIP[1]
        )
        share = max(0, target - self.size) // max(1, len(plan.sections))
        for title, subs in plan.sections:
            self.block([f"## {title}"])
            parts = 1 + len(subs)
            self.fill(title, share // parts)
            for sub in subs:
                self.block([f"### {sub}"])
                self.fill(title, share // parts)
        if self.topic:
            self.pros_and_cons()
        return self.text()

    def long(self) -> str:
        r, plan = self.r, self.plan
        self.frontmatter()
        self.intro()
        target = r.randint(*_LONG_BYTES)
        for title, subs in plan.sections[:-1]:
            self.block([f"## {title}"])
            self.fill(title, 1500)
            for sub in subs:
                self.block([f"### {sub}"])
                self.fill(title, 800)
        self.block(["## Log"])
        day = self.day
        while self.size < target:
            day += dt.timedelta(days=r.randint(1, 3))
            self.block([f"### {day.isoformat()}"])
            self.block([self.paragraph()])
            self.block(self.prose_block())
        return self.text()

    def daily(self) -> str:
        r, v = self.r, self.v
        tags = "[daily]" if r.random() < 0.8 else "[daily, journal]"
        lines = ["---", f"tags: {tags}"]
        if r.random() < 0.5:
            lines.append(f"mood: {r.randint(1, 5)}")
        if r.random() < 0.3:
            lines.append(f"sleep: {r.randint(5, 9)}.{r.randint(0, 9)}")
        self.block([*lines, "---"])
        self.block([f"# {v.names[self.i]}"])
        nav = [f"← [[{v.names[self.i - 1]}]]"] if self.i > 0 else []
        if self.i + 1 < v.n_daily:
            nav.append(f"[[{v.names[self.i + 1]}]] →")
        v.wikilinks += len(nav)
        if nav:
            self.block([" | ".join(nav)])
        for title, _ in self.plan.sections:
            self.block([f"## {title}"])
            if title == "Habits":
                habits: list[str] = []
                for habit in _HABITS:
                    v.tasks += 1
                    habits.append(f"- [{'x' if r.random() < 0.6 else ' '}] {habit}")
                self.block(habits)
            elif title == "Log":
                entries = [f"- {self.sentence()}" for _ in range(r.randint(2, 6))]
                entries += [f"- Worked on {self.wikilink()}" for _ in range(r.randint(0, 3))]
                if r.random() < 0.3:
                    entries.append(f"- {self.paragraph((1, 3))}")
                self.block(entries)
            elif title == "Tasks":
                self.block(self.task_list((1, 4)))
            else:
                self.block(self.prose_block())
        return self.text()

    def render(self) -> str:
        kind = self.plan.kind
        if kind == _DAILY:
            return self.daily()
        return self.long() if kind == _LONG else self.regular()


# --------------------------------------------------------------------------------------------
# The vault


def generate_vault(out: Path, notes: int, seed: int = 1, shape: str = "default") -> GeneratedVault:
    """Write a synthetic vault of ``notes`` notes of ``shape`` into ``out`` (created; must be
    empty).

    The same ``seed``, ``notes`` and ``shape`` always give byte-identical files.
    """
    if notes < 1:
        raise ValueError("notes must be at least 1")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty; generate into a new folder")
    vault = _Vault(notes, seed, shape)
    total = 0

    def write(relative: str, data: bytes) -> None:
        nonlocal total
        (out / relative).write_bytes(data)
        total += len(data)

    (out / ".obsidian").mkdir(parents=True, exist_ok=True)
    write(".obsidian/app.json", b"{}")
    daily_settings = {"folder": _DAILY_FOLDER, "format": "YYYY-MM-DD"}
    write(".obsidian/daily-notes.json", json.dumps(daily_settings, indent=2).encode())

    (out / _ATTACHMENTS_FOLDER).mkdir()
    for name, colour in zip(vault.attachments, vault.attachment_colours, strict=True):
        write(f"{_ATTACHMENTS_FOLDER}/{name}", _png(8, 8, colour))

    used = {vault.folder_of[i] for i in range(vault.n_daily, notes)}
    for index in sorted(used):
        (out / vault.folders[index]).mkdir(parents=True, exist_ok=True)
    if vault.n_daily:
        (out / _DAILY_FOLDER).mkdir(exist_ok=True)

    for i in range(notes):
        write(vault.path(i), _Note(vault, i).render().encode("utf-8"))

    folders = sum(1 for index in used if vault.folders[index]) + (1 if vault.n_daily else 0)
    return GeneratedVault(
        notes=notes,
        attachments=len(vault.attachments),
        bytes=total,
        tasks=vault.tasks,
        wikilinks=vault.wikilinks,
        unresolved_links=vault.unresolved,
        embeds=vault.embeds,
        broken_anchors=vault.broken_anchors,
        daily_notes=vault.n_daily,
        folders=folders,
        shape=shape,
        topics=vault.topics,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generate",
        description="Write a seeded synthetic Obsidian vault for vaultkit's benchmarks.",
    )
    parser.add_argument("out", type=Path, help="folder to create (must be new or empty)")
    parser.add_argument("--notes", type=int, default=10_000, help="number of notes")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--shape", choices=SHAPES, default="default", help="vault shape (default: default)"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        result = generate_vault(args.out, args.notes, args.seed, args.shape)
    except (FileExistsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - started
    print(
        f"{result.notes} notes ({result.daily_notes} daily) in {result.folders} folders, "
        f"{result.attachments} attachments, {result.bytes / 1e6:.1f} MB; "
        f"{result.tasks} tasks, {result.wikilinks} wikilinks "
        f"({result.unresolved_links} unresolved, {result.broken_anchors} broken anchors), "
        f"{result.embeds} embeds, {result.topics} topics ({result.shape}); {seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
