"""Tests for vaultkit.config.load: defaults, layering, validation messages, dashboard targets."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from tests.support.config_files import write_config, write_daily_settings
from vaultkit.config.dashboards import Dashboard, default_dashboards
from vaultkit.config.load import load_config
from vaultkit.config.schema import Config, DailyNotes, TopicSettings, VaultSettings
from vaultkit.dashboards.registry import BUILTINS
from vaultkit.errors import ConfigError
from vaultkit.vaultpaths import CONFIG_PATH


def problems(vault: Path) -> list[str]:
    """The lines of the ConfigError that loading ``vault`` raises."""
    with pytest.raises(ConfigError) as caught:
        load_config(vault, BUILTINS)
    assert caught.value.exit_code == 2
    return str(caught.value).splitlines()


def dashboard(config: Config, name: str) -> Dashboard:
    return next(d for d in config.dashboards if d.name == name)


# --- defaults and layering -------------------------------------------------------------------


def test_a_vault_without_config_gets_the_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path, BUILTINS)
    assert config == Config(dashboards=default_dashboards(BUILTINS))
    assert config.vault == VaultSettings(
        excludes=(),
        index="",
        max_files_written=50,
        max_growth=5.0,
        quiet_seconds=5,
        debounce_ms=500,
    )
    assert config.topics.tag == "topic" and config.topics.sort == "title"
    assert config.topics.columns[:3] == ("status", "timeline", "Details")
    assert config.habits.window_days == 14 and config.habits.default_target == 75
    assert dict(config.habits.targets) == {} and config.habits.section == "Habits"
    assert config.daily_notes == DailyNotes(folder="", format="YYYY-MM-DD")
    assert dict(config.status.cadences) == {
        "Daily": "daily",
        "Weekly": "weekly",
        "Bi-weekly": "bi-weekly",
        "Fortnightly": "bi-weekly",
        "Weekend": "weekend",
        "Monthly": "monthly",
        "Quarterly": "quarterly",
        "Yearly": "yearly",
    }
    assert [
        (d.name, d.target_path, d.region, d.template, d.enabled) for d in config.dashboards
    ] == [
        ("status", "Dashboards/Status.md", None, "status.md.j2", True),
        ("topics", "Dashboards/Topics.md", None, "topics.md.j2", True),
        ("resources", "Dashboards/Resources.md", None, "resources.md.j2", True),
        ("habits", "Dashboards/Habits.md", None, "habits.md.j2", True),
        ("links", "Dashboards/Link health.md", None, "links.md.j2", True),
    ]


def test_an_empty_config_file_is_the_defaults(tmp_path: Path) -> None:
    write_config(tmp_path, "# nothing set yet\n")
    assert load_config(tmp_path, BUILTINS) == Config(dashboards=default_dashboards(BUILTINS))


def test_values_from_the_file_override_the_defaults(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        """\
[vault]
excludes = ["Archive/", "/\\\\.tmp$/"]
index = "~/vaultkit.sqlite3"
max_files_written = 10
max_growth = 3
quiet_seconds = 2.5
debounce_ms = 0

[topics]
tag = "#project"
folder = "Projects/"
property = "topic"
columns = ["status", "tasks"]
sort = "-Tasks"

[habits]
window_days = 30
targets = { Gym = 60, "Read 20 pages" = 90.5 }
default_target = 50
section = ""
""",
    )
    config = load_config(tmp_path, BUILTINS)
    assert config.vault == VaultSettings(
        excludes=("Archive/", "/\\.tmp$/"),
        index="~/vaultkit.sqlite3",
        max_files_written=10,
        max_growth=3.0,
        quiet_seconds=2.5,
        debounce_ms=0,
    )
    assert isinstance(config.vault.max_growth, float)
    # The tag is stored without "#", the folder without slashes at its ends.
    assert config.topics == TopicSettings(
        tag="project",
        folder="Projects",
        property="topic",
        columns=("status", "tasks"),
        sort="-Tasks",
    )
    assert config.habits.window_days == 30 and config.habits.section == ""
    assert dict(config.habits.targets) == {"Gym": 60.0, "Read 20 pages": 90.5}
    assert config.habits.targets.get("Missing", config.habits.default_target) == 50.0
    with pytest.raises(TypeError):
        config.habits.targets["Gym"] = 1  # type: ignore[index]


def test_obsidian_daily_notes_settings_are_used(tmp_path: Path) -> None:
    write_daily_settings(
        tmp_path, {"folder": "Journal/Daily/", "format": "DD.MM.YYYY", "template": "T"}
    )
    assert load_config(tmp_path, BUILTINS).daily_notes == DailyNotes("Journal/Daily", "DD.MM.YYYY")


def test_the_config_overrides_obsidian_daily_notes_key_by_key(tmp_path: Path) -> None:
    write_daily_settings(tmp_path, {"folder": "Journal", "format": "DD.MM.YYYY"})
    write_config(tmp_path, '[daily_notes]\nformat = "YYYY/MM/YYYY-MM-DD"\n')
    assert load_config(tmp_path, BUILTINS).daily_notes == DailyNotes(
        "Journal", "YYYY/MM/YYYY-MM-DD"
    )
    write_config(tmp_path, '[daily_notes]\nfolder = "Days"\n')
    assert load_config(tmp_path, BUILTINS).daily_notes == DailyNotes("Days", "DD.MM.YYYY")


def test_obsidian_empty_format_means_its_default(tmp_path: Path) -> None:
    # Obsidian writes "format": "" until the user changes it.
    write_daily_settings(tmp_path, {"folder": "", "format": ""})
    assert load_config(tmp_path, BUILTINS).daily_notes == DailyNotes("", "YYYY-MM-DD")


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", "", '{"folder": 3, "format": []}'])
def test_broken_obsidian_daily_settings_fall_back_to_defaults(
    tmp_path: Path, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    write_daily_settings(tmp_path, content)
    with caplog.at_level(logging.WARNING, logger="vaultkit.obsidian.daily_notes"):
        assert load_config(tmp_path, BUILTINS).daily_notes == DailyNotes()
    if content.startswith(("{not", "[")):
        assert "daily-notes.json" in caplog.text


def test_an_unreadable_obsidian_daily_format_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_daily_settings(tmp_path, {"format": "gggg-[W]ww"})
    with caplog.at_level(logging.WARNING, logger="vaultkit.obsidian.daily_notes"):
        config = load_config(tmp_path, BUILTINS)
    assert config.daily_notes.format == "gggg-[W]ww"
    assert "no daily notes will be found" in caplog.text


def test_a_bom_and_crlf_line_endings_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / CONFIG_PATH
    path.parent.mkdir()
    path.write_bytes(b"\xef\xbb\xbf[habits]\r\nwindow_days = 7\r\n")
    assert load_config(tmp_path, BUILTINS).habits.window_days == 7
    path.write_bytes(b"\xef\xbb\xbf[habits]\r\n\r\nwindow_days = true\r\n")
    assert problems(tmp_path) == [
        ".vaultkit/config.toml:3: key 'habits.window_days': expected an integer, got true"
    ]


def test_habit_sources_are_known_and_listed_once(tmp_path: Path) -> None:
    write_config(tmp_path, '[habits]\nsources = ["recurring_tasks", "daily_notes"]\n')
    assert load_config(tmp_path, BUILTINS).habits.sources == ("recurring_tasks", "daily_notes")
    write_config(tmp_path, '[habits]\nsources = ["daily_notes", "calendar", "daily_notes"]\n')
    assert problems(tmp_path) == [
        ".vaultkit/config.toml:2: key 'habits.sources[1]': expected \"daily_notes\", "
        '"recurring_tasks" or "checklists", got "calendar"',
        ".vaultkit/config.toml:2: key 'habits.sources[2]': \"daily_notes\" is listed twice",
    ]


def test_the_habits_log_is_a_note_of_the_vault(tmp_path: Path) -> None:
    write_config(tmp_path, '[habits]\nlog = "Logs/Habits.md"\n')
    assert load_config(tmp_path, BUILTINS).habits.log == "Logs/Habits.md"
    for value, problem in [
        ("../Habits.md", "must not contain '..'"),
        ("Habits.md#log", "must name a note, not a region of one (no '#')"),
        ("/tmp/Habits.md", "must be relative to the vault, not an absolute path"),
        (".hidden/Habits.md", "must not be inside a hidden (dot) folder or be a hidden file"),
    ]:
        write_config(tmp_path, f'[habits]\nlog = "{value}"\n')
        assert problems(tmp_path) == [
            f".vaultkit/config.toml:2: key 'habits.log': \"{value}\" {problem}"
        ]


def test_the_habits_log_is_no_dashboards_target(tmp_path: Path) -> None:
    write_config(tmp_path, '[habits]\nsources = ["checklists"]\nlog = "dashboards/habits.md"\n')
    assert problems(tmp_path) == [
        ".vaultkit/config.toml:3: key 'habits.log': \"dashboards/habits.md\" is the target of "
        "dashboard 'habits'; give the habits log a note of its own"
    ]


def test_resetting_the_checklists_is_a_flag_that_needs_the_log(tmp_path: Path) -> None:
    assert load_config(tmp_path, BUILTINS).habits.reset_checklists is False
    write_config(tmp_path, '[habits]\nsources = ["checklists"]\nreset_checklists = true\n')
    assert load_config(tmp_path, BUILTINS).habits.reset_checklists is True
    write_config(tmp_path, '[habits]\nsources = ["checklists"]\nreset_checklists = "yes"\n')
    assert problems(tmp_path) == [
        ".vaultkit/config.toml:3: key 'habits.reset_checklists': expected true or false, "
        'got "yes"'
    ]
    write_config(tmp_path, "[habits]\nreset_checklists = true\n")
    assert problems(tmp_path) == [
        ".vaultkit/config.toml:2: key 'habits.reset_checklists': needs \"checklists\" among "
        "[habits] sources: the log records each period first"
    ]


def test_missing_day_is_missed_or_untracked(tmp_path: Path) -> None:
    write_config(tmp_path, '[habits]\nmissing_day = "untracked"\n')
    assert load_config(tmp_path, BUILTINS).habits.missing_day == "untracked"
    write_config(tmp_path, '[habits]\nmissing_day = "skipped"\n')
    assert problems(tmp_path) == [
        ".vaultkit/config.toml:2: key 'habits.missing_day': expected \"missed\" or "
        '"untracked", got "skipped"'
    ]


def test_status_cadences_replace_the_default_table(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        "[status.cadences]\n"
        'Routine = "daily"\n'
        '"Bi Weekly" = "Bi-weekly"\n'
        '"Sprint review" = "Sprint"\n',
    )
    cadences = load_config(tmp_path, BUILTINS).status.cadences
    assert dict(cadences) == {
        "Routine": "daily",
        "Bi Weekly": "Bi-weekly",
        "Sprint review": "Sprint",
    }
    # The inline form of the same table is the same setting.
    write_config(tmp_path, '[status]\ncadences = { Routine = "daily" }\n')
    assert dict(load_config(tmp_path, BUILTINS).status.cadences) == {"Routine": "daily"}
    write_config(tmp_path, "[status.cadences]\n")
    assert dict(load_config(tmp_path, BUILTINS).status.cadences) == {}


def test_bad_status_cadences_are_reported_with_their_lines(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        "[status.cadences]\n"
        'Daily = "daily"\n'
        "Weekly = 7\n"
        '"--" = "weekly"\n'
        'Review = "  "\n'
        '"DAILY" = "weekly"\n'
        '"Bi weekly" = "bi-weekly"\n'
        '"bi-weekly" = "Bi-Weekly"\n',
    )
    assert problems(tmp_path) == [
        ".vaultkit/config.toml:3: key 'status.cadences.Weekly': expected a string, got 7",
        ".vaultkit/config.toml:4: key 'status.cadences.--': has no letters or digits, so it "
        "matches no heading",
        ".vaultkit/config.toml:5: key 'status.cadences.Review': names no cadence; write one, "
        'e.g. "daily"',
        ".vaultkit/config.toml:6: key 'status.cadences.DAILY': matches the same headings as "
        '"Daily" (case, spaces and hyphens do not count), but names another cadence '
        '("weekly", not "daily"); keep one of them',
    ]
    write_config(tmp_path, '[status]\ncadences = ["Daily"]\n')
    assert problems(tmp_path) == [
        ".vaultkit/config.toml:2: key 'status.cadences': expected a table, got an array"
    ]


# --- problems: all at once, each with its key and line ----------------------------------------


def test_every_wrong_type_and_unknown_key_is_reported_with_its_line(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        """\
# a comment
[vault]
exclude = ["Archive/"]
excludes = "Archive/"
index = 1
max_files_written = 2.5
max_growth = "big"
quiet_seconds = true
debounce_ms = [500]

[topics]
tag = 3
folder = false
property = 1979-05-27
columns = [
  "status",
  7,
]
sort = 1

[habits]
window_days = "two weeks"
targets = ["Gym"]
default_target = "75%"
section = {}

[daily_notes]
folder = 1
format = 2
weekly = "x"

[dashboards.status]
enabled = "yes"
target = 3
template = false
colour = "red"

[dashboards]
links = "Links.md"

[vualt]
[extra]
""",
    )
    assert problems(tmp_path) == [
        ".vaultkit/config.toml:3: key 'vault.exclude': unknown key (did you mean 'excludes'?)",
        ".vaultkit/config.toml:4: key 'vault.excludes': expected an array of strings, "
        'got "Archive/"',
        ".vaultkit/config.toml:5: key 'vault.index': expected a string, got 1",
        ".vaultkit/config.toml:6: key 'vault.max_files_written': expected an integer, got 2.5",
        ".vaultkit/config.toml:7: key 'vault.max_growth': expected a number, got \"big\"",
        ".vaultkit/config.toml:8: key 'vault.quiet_seconds': expected a number, got true",
        ".vaultkit/config.toml:9: key 'vault.debounce_ms': expected an integer, got an array",
        ".vaultkit/config.toml:12: key 'topics.tag': expected a string, got 3",
        ".vaultkit/config.toml:13: key 'topics.folder': expected a string, got false",
        ".vaultkit/config.toml:14: key 'topics.property': expected a string, got a date",
        ".vaultkit/config.toml:15: key 'topics.columns[1]': expected a string, got 7",
        ".vaultkit/config.toml:19: key 'topics.sort': expected a string, got 1",
        ".vaultkit/config.toml:22: key 'habits.window_days': "
        'expected an integer, got "two weeks"',
        ".vaultkit/config.toml:23: key 'habits.targets': expected a table, got an array",
        ".vaultkit/config.toml:24: key 'habits.default_target': expected a number, got \"75%\"",
        ".vaultkit/config.toml:25: key 'habits.section': expected a string, got a table",
        ".vaultkit/config.toml:28: key 'daily_notes.folder': expected a string, got 1",
        ".vaultkit/config.toml:29: key 'daily_notes.format': expected a string, got 2",
        ".vaultkit/config.toml:30: key 'daily_notes.weekly': unknown key "
        "(known keys: folder, format)",
        ".vaultkit/config.toml:33: key 'dashboards.status.enabled': "
        'expected true or false, got "yes"',
        ".vaultkit/config.toml:34: key 'dashboards.status.target': expected a string, got 3",
        ".vaultkit/config.toml:35: key 'dashboards.status.template': expected a string, got false",
        ".vaultkit/config.toml:36: key 'dashboards.status.colour': unknown key "
        "(known keys: enabled, target, template)",
        ".vaultkit/config.toml:39: key 'dashboards.links': expected a table, got \"Links.md\"",
        ".vaultkit/config.toml:41: key 'vualt': unknown key (did you mean 'vault'?)",
        ".vaultkit/config.toml:42: key 'extra': unknown key "
        "(known keys: vault, status, topics, habits, daily_notes, dashboards)",
    ]


def test_out_of_range_values_are_reported(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        """\
[vault]
max_files_written = 0
max_growth = 0.5
quiet_seconds = -1
debounce_ms = -5
excludes = ["", "/[unclosed/", "Archive/", "/ok$/", "**/*", "*.excalidraw.md"]
[habits]
window_days = 0
default_target = 101
targets = { Gym = 120, "gym" = 50, Read = nan }
[topics]
columns = ["status", "Status", ""]
sort = "-rating"
tag = "two words"
folder = "../outside"
[daily_notes]
format = "YYYY-MM"
""",
    )
    assert problems(tmp_path) == [
        ".vaultkit/config.toml:2: key 'vault.max_files_written': "
        "expected an integer of at least 1, got 0",
        ".vaultkit/config.toml:3: key 'vault.max_growth': expected a number of at least 1, got 0.5",
        ".vaultkit/config.toml:4: key 'vault.quiet_seconds': "
        "expected a number of at least 0, got -1",
        ".vaultkit/config.toml:5: key 'vault.debounce_ms': "
        "expected an integer of at least 0, got -5",
        ".vaultkit/config.toml:6: key 'vault.excludes[0]': "
        'is empty; give a path prefix such as "Archive/" or a /regex/',
        ".vaultkit/config.toml:6: key 'vault.excludes[1]': "
        '"/[unclosed/" is not a valid regular expression',
        ".vaultkit/config.toml:6: key 'vault.excludes[4]': "
        '"**/*" would exclude every file of the vault; give a pattern such as '
        '"*.excalidraw.md" or a folder such as "Archive/"',
        ".vaultkit/config.toml:8: key 'habits.window_days': "
        "expected an integer of at least 1, got 0",
        ".vaultkit/config.toml:9: key 'habits.default_target': "
        "expected a number from 0 to 100, got 101",
        ".vaultkit/config.toml:10: key 'habits.targets.Gym': "
        "expected a number from 0 to 100, got 120",
        ".vaultkit/config.toml:10: key 'habits.targets.gym': the same habit as \"Gym\"",
        ".vaultkit/config.toml:10: key 'habits.targets.Read': "
        "expected a number from 0 to 100, got nan",
        ".vaultkit/config.toml:12: key 'topics.columns[1]': column \"Status\" is listed twice",
        ".vaultkit/config.toml:12: key 'topics.columns[2]': a column name must not be empty",
        ".vaultkit/config.toml:13: key 'topics.sort': expected \"title\" or one of the columns "
        '(optionally with a leading "-"), got "-rating"',
        ".vaultkit/config.toml:14: key 'topics.tag': "
        '"two words" is not a tag: tags have no spaces',
        ".vaultkit/config.toml:15: key 'topics.folder': \"../outside\" must not contain '..'",
        ".vaultkit/config.toml:17: key 'daily_notes.format': \"YYYY-MM\" needs a year, a month "
        "and a day (e.g. YYYY-MM-DD), or a week year, a week and a weekday (e.g. GGGG-[W]WW-E)",
    ]


def test_unsupported_format_tokens_are_reported(tmp_path: Path) -> None:
    write_config(tmp_path, '[daily_notes]\nformat = "YYYY-[Q]Q-DD"\n')
    [message] = problems(tmp_path)
    assert message.startswith(
        ".vaultkit/config.toml:2: key 'daily_notes.format': uses 'Q', which vaultkit does not read"
    )


def test_lines_are_found_for_dotted_quoted_and_multiline_keys(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        """\
vault.index = 1
[topics]
columns = [
  "status",  # a comment with = and [brackets]
  \"\"\"
[habits]
window_days = "not a key, this is inside a string"
\"\"\",
  ["nested"],
]
'sort' = 2
[ "habits" ]
"window_days" = "x"
targets."Read 20 pages" = "lots"
[dashboards."my board"]
template = 'board.md.j2'
""",
    )
    assert problems(tmp_path) == [
        ".vaultkit/config.toml:1: key 'vault.index': expected a string, got 1",
        ".vaultkit/config.toml:3: key 'topics.columns[2]': expected a string, got an array",
        ".vaultkit/config.toml:11: key 'topics.sort': expected a string, got 2",
        ".vaultkit/config.toml:13: key 'habits.window_days': expected an integer, got \"x\"",
        ".vaultkit/config.toml:14: key 'habits.targets.\"Read 20 pages\"': "
        'expected a number, got "lots"',
        ".vaultkit/config.toml:15: key 'dashboards.\"my board\"': "
        "a dashboard name may use only letters, digits, '-' and '_'",
    ]


def test_a_problem_in_an_inline_table_gets_the_line_of_its_key(tmp_path: Path) -> None:
    write_config(tmp_path, '\n[habits]\ntargets = { Gym = "often" }\n')
    assert problems(tmp_path) == [
        ".vaultkit/config.toml:3: key 'habits.targets.Gym': expected a number, got \"often\""
    ]


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ('[vault]\nindex = "unterminated\n', 2, "invalid TOML: "),
        ("[vault]\nmax_growth = = 3\n", 2, "invalid TOML: invalid value"),
        ("[vault]\n[vault]\n", 2, "invalid TOML: "),
        ("[vault]\nindex = ", 2, "invalid TOML: "),
    ],
)
def test_invalid_toml_names_the_line(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    write_config(tmp_path, text)
    [message] = problems(tmp_path)
    assert message.startswith(f".vaultkit/config.toml:{line}: {fragment}")
    assert "(at line" not in message


def test_a_config_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    (tmp_path / ".vaultkit").mkdir()
    (tmp_path / CONFIG_PATH).write_bytes(b'[vault]\nindex = "caf\xe9"\n')
    assert problems(tmp_path) == [".vaultkit/config.toml:2: is not UTF-8 text"]


# --- huge, deep and non-finite values (issue 13: no tracebacks) -------------------------------

DIGITS_5000 = "9" * 5000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[vault]\nmax_growth = 1e400\n",
            ":2: key 'vault.max_growth': expected a number of at most 1000000, got inf",
        ),
        (
            "[vault]\nmax_growth = inf\n",
            ":2: key 'vault.max_growth': expected a number of at most 1000000, got inf",
        ),
        (
            "[vault]\nmax_growth = nan\n",
            ":2: key 'vault.max_growth': expected a number of at least 1, got nan",
        ),
        (
            "[vault]\nmax_files_written = 99999999999999999999999\n",
            ":2: key 'vault.max_files_written': expected an integer of at most 1000000, "
            "got a 23-digit integer",
        ),
        (
            "[vault]\nquiet_seconds = 1e300\n",
            ":2: key 'vault.quiet_seconds': expected a number of at most 86400, got 1e+300",
        ),
        (
            "[vault]\ndebounce_ms = 9223372036854775807\n",
            ":2: key 'vault.debounce_ms': expected an integer of at most 3600000, "
            "got 9223372036854775807",
        ),
        (
            "[habits]\nwindow_days = 100000000\n",
            ":2: key 'habits.window_days': expected an integer of at most 36525, got 100000000",
        ),
        (
            "[vault]\ntemplate_timeout = nan\n",
            ":2: key 'vault.template_timeout': expected a number of at least 0.1, got nan",
        ),
        (
            "[vault]\ntemplate_timeout = 0\n",
            ":2: key 'vault.template_timeout': expected a number of at least 0.1, got 0",
        ),
        (
            "[vault]\ntemplate_timeout = 1e9\n",
            ":2: key 'vault.template_timeout': expected a number of at most 3600, got 1000000000.0",
        ),
        (
            "[vault]\nmax_output = 10\n",
            ":2: key 'vault.max_output': expected an integer of at least 1024, got 10",
        ),
        (
            f"[vault]\nmax_output = {10**30}\n",
            ":2: key 'vault.max_output': expected an integer of at most 1073741824, "
            "got a 31-digit integer",
        ),
        (
            "[vault]\ngrowth_allowance = -1\n",
            ":2: key 'vault.growth_allowance': expected an integer of at least 0, got -1",
        ),
        (
            f"[vault]\nmax_files_written = {DIGITS_5000}\n",
            ":2: has a number with thousands of digits; no vaultkit setting needs one",
        ),
        (
            "# deep\n[vault]\nexcludes = " + "[" * 10_000 + "]" * 10_000 + "\n",
            ":3: has arrays or tables nested too deeply (more than 50 levels); "
            "no vaultkit setting nests",
        ),
        (
            "[habits]\ntargets = " + "{a=" * 10_000 + "1" + "}" * 10_000 + "\n",
            ":2: has arrays or tables nested too deeply (more than 50 levels); "
            "no vaultkit setting nests",
        ),
        (
            '[topics]\ntag = "' + "x" * 100_000 + '"\n',
            ":2: key 'topics.tag': is 100000 characters long, more than the 4096 a setting "
            "may hold",
        ),
        (
            '[vault]\nexcludes = ["a/", "' + "x" * 5000 + '"]\n',
            ":2: key 'vault.excludes[1]': is 5000 characters long, more than the 4096 a "
            "setting may hold",
        ),
        (
            "[topics]\ncolumns = [" + ", ".join(f'"c{n}"' for n in range(5000)) + "]\n",
            ":2: key 'topics.columns': has 5000 entries, more than the 1000 allowed",
        ),
        (
            '[vault]\nindex = "/tmp/' + "x" * 300 + '/index.sqlite"\n',
            ":2: key 'vault.index': has a file or folder name longer than 255 bytes",
        ),
    ],
)
def test_huge_deep_and_non_finite_values_are_one_line_errors(
    tmp_path: Path, text: str, expected: str
) -> None:
    write_config(tmp_path, text)
    assert problems(tmp_path) == [".vaultkit/config.toml" + expected]


def test_a_huge_config_file_is_refused_unread(tmp_path: Path) -> None:
    write_config(tmp_path, '[vault]\nindex = "' + "x" * 10_000_000 + '"\n')
    [message] = problems(tmp_path)
    assert message.startswith(".vaultkit/config.toml: is larger than 1 MiB")


def test_the_render_bounds_and_growth_allowance_are_read(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        "[vault]\ntemplate_timeout = 2.5\nmax_output = 1_000_000\ngrowth_allowance = 0\n",
    )
    settings = load_config(tmp_path, BUILTINS).vault
    assert (settings.template_timeout, settings.max_output, settings.growth_allowance) == (
        2.5,
        1_000_000,
        0,
    )
    assert VaultSettings().template_timeout == 30.0
    assert VaultSettings().max_output == 64 * 1024 * 1024
    assert VaultSettings().growth_allowance == 1024 * 1024


# --- dashboards and their targets -----------------------------------------------------------


def test_targets_may_be_files_or_regions_and_custom_dashboards_follow_builtins(
    tmp_path: Path,
) -> None:
    write_config(
        tmp_path,
        """\
[dashboards.projects]
target = "Projects/List.md#project_list-2"
template = "projects.md.j2"
[dashboards.topics]
target = "Plan.md#topics"
[dashboards.status]
target = "Plan.md#status"
template = "my-status.md.j2"
[dashboards.habits]
enabled = false
[dashboards.agenda]
template = "agenda.md.j2"
""",
    )
    config = load_config(tmp_path, BUILTINS)
    # The built-ins first, in the registry's order; then custom ones, in the file's order.
    assert [d.name for d in config.dashboards] == [
        *(d.name for d in BUILTINS),
        "projects",
        "agenda",
    ]
    assert dashboard(config, "projects") == Dashboard(
        "projects", True, "Projects/List.md", "project_list-2", "projects.md.j2"
    )
    # Two regions in one note are fine.
    assert dashboard(config, "topics") == Dashboard(
        "topics", True, "Plan.md", "topics", "topics.md.j2"
    )
    assert dashboard(config, "status").template == "my-status.md.j2"
    assert dashboard(config, "status").region == "status"
    assert not dashboard(config, "habits").enabled
    assert dashboard(config, "agenda").target_path == "Dashboards/agenda.md"


def test_a_custom_dashboard_must_name_its_template(tmp_path: Path) -> None:
    write_config(tmp_path, '[dashboards.projects]\ntarget = "Projects.md"\n')
    assert problems(tmp_path) == [
        ".vaultkit/config.toml:1: key 'dashboards.projects': a custom dashboard must name its "
        "'template' (a file in .vaultkit/templates/); the built-in dashboards are "
        + ", ".join(d.name for d in BUILTINS)
    ]


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ("../Outside.md", "must not contain '..'"),
        ("Dashboards/../../Outside.md", "must not contain '..'"),
        ("/etc/Status.md", "must be relative to the vault, not an absolute path"),
        ("C:/Users/me/Status.md", "must be relative to the vault, not an absolute path"),
        ("~/Status.md", "must be relative to the vault, not an absolute path"),
        ("Dashboards\\Status.md", "must separate folders with '/', not '\\'"),
        ("Dashboards//Status.md", "has an empty or '.' path segment"),
        (".obsidian/Status.md", "must not be inside a hidden (dot) folder or be a hidden file"),
        ("Dashboards/Status.txt", 'must be a .md file, optionally followed by "#region-name"'),
        ("Dashboards/Status", 'must be a .md file, optionally followed by "#region-name"'),
        ("Dashboards/.md", "must not be inside a hidden (dot) folder or be a hidden file"),
        ("Plan#status", 'must be a .md file, optionally followed by "#region-name"'),
        ("", "must name a vault-relative .md file"),
        ("#status", "must name a vault-relative .md file"),
        ("Plan.md#", "has a region name that is not letters, digits, '-' and '_'"),
        ("Plan.md#my region", "has a region name that is not letters, digits, '-' and '_'"),
        ("Plan.md#a#b", "has a region name that is not letters, digits, '-' and '_'"),
        ("Plan.md#%%", "has a region name that is not letters, digits, '-' and '_'"),
    ],
)
def test_bad_targets_are_configuration_errors(tmp_path: Path, target: str, problem: str) -> None:
    write_config(tmp_path, f"\n[dashboards.status]\ntarget = {json.dumps(target)}\n")
    assert problems(tmp_path) == [
        f".vaultkit/config.toml:3: key 'dashboards.status.target': {json.dumps(target)} {problem}"
    ]


def test_a_symlinked_folder_leading_out_of_the_vault_is_an_error(tmp_path: Path) -> None:
    vault, outside = tmp_path / "vault", tmp_path / "outside"
    vault.mkdir()
    outside.mkdir()
    try:
        (vault / "Out").symlink_to(outside, target_is_directory=True)
        (vault / "In").symlink_to(vault / "Real", target_is_directory=True)
    except OSError:  # pragma: no cover - no symlinks on this file system
        pytest.skip("symlinks are not available")
    (vault / "Real").mkdir()
    write_config(
        vault,
        '[dashboards.status]\ntarget = "Out/Status.md"\n'
        '[dashboards.topics]\ntarget = "In/Topics.md"\n',
    )
    [message] = problems(vault)
    assert message.startswith(
        ".vaultkit/config.toml:2: key 'dashboards.status.target': \"Out/Status.md\" leads out "
        "of the vault (to "
    )
    assert str(outside.resolve()) in message
    # A link that stays inside the vault is fine.
    write_config(vault, '[dashboards.topics]\ntarget = "In/Topics.md"\n')
    assert dashboard(load_config(vault, BUILTINS), "topics").target_path == "In/Topics.md"


def test_a_symlinked_default_folder_is_reported_without_a_config_file(tmp_path: Path) -> None:
    vault, outside = tmp_path / "vault", tmp_path / "outside"
    vault.mkdir()
    outside.mkdir()
    try:
        (vault / "Dashboards").symlink_to(outside, target_is_directory=True)
    except OSError:  # pragma: no cover
        pytest.skip("symlinks are not available")
    lines = problems(vault)
    assert len(lines) == len(BUILTINS)
    assert lines[0].startswith(
        ".vaultkit/config.toml: key 'dashboards.status.target': \"Dashboards/Status.md\" leads out"
    )
    # Disabled dashboards write nothing, so their targets are not checked on disk.
    write_config(vault, "".join(f"[dashboards.{n}]\nenabled = false\n" for n in ("status",)))
    assert len(problems(vault)) == len(BUILTINS) - 1


def test_two_dashboards_may_not_share_a_target(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        """\
[dashboards.status]
target = "Plan.md#main"
[dashboards.topics]
target = "Plan.md#main"
[dashboards.resources]
target = "plan.md"
[dashboards.habits]
target = "Plan.md#habits"
[dashboards.links]
target = "Dashboards/Status.md"
""",
    )
    assert problems(tmp_path) == [
        ".vaultkit/config.toml:4: key 'dashboards.topics.target': \"Plan.md#main\" has the same "
        "target as dashboard 'status' (\"Plan.md#main\"); give each dashboard its own target",
        # Case-insensitive file systems (macOS, Windows) make these the same file.
        ".vaultkit/config.toml:6: key 'dashboards.resources.target': \"plan.md\" writes into the "
        "same file as dashboard 'status' (\"Plan.md#main\"); give each dashboard its own target",
        # A region inside a file another dashboard generates whole.
        ".vaultkit/config.toml:8: key 'dashboards.habits.target': \"Plan.md#habits\" writes into "
        "the same file as dashboard 'resources' (\"plan.md\"); give each dashboard its own target",
    ]


def test_disabled_dashboards_may_share_a_target(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        "[dashboards.status]\nenabled = false\n"
        '[dashboards.topics]\ntarget = "Dashboards/Status.md"\n',
    )
    assert (
        dashboard(load_config(tmp_path, BUILTINS), "topics").target_path == "Dashboards/Status.md"
    )


def test_template_names_stay_in_the_templates_folder(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        '[dashboards.status]\ntemplate = "../../evil.j2"\n'
        '[dashboards.topics]\ntemplate = "/etc/passwd"\n',
    )
    assert problems(tmp_path) == [
        ".vaultkit/config.toml:2: key 'dashboards.status.template': \"../../evil.j2\" must not "
        "contain '..'",
        ".vaultkit/config.toml:4: key 'dashboards.topics.template': \"/etc/passwd\" must be a "
        "file name in .vaultkit/templates/ ('/' for folders)",
    ]


def test_unicode_targets_are_nfc(tmp_path: Path) -> None:
    write_config(tmp_path, '[dashboards.status]\ntarget = "Übersicht/Sta\u0308nde.md"\n')
    assert dashboard(load_config(tmp_path, BUILTINS), "status").target_path == "Übersicht/Stände.md"


def test_today_pins_the_dashboards_date(tmp_path: Path) -> None:
    (tmp_path / ".vaultkit").mkdir()
    (tmp_path / ".vaultkit" / "config.toml").write_text('[vault]\ntoday = "2026-11-22"\n')
    assert load_config(tmp_path, BUILTINS).vault.today == "2026-11-22"
    (tmp_path / ".vaultkit" / "config.toml").write_text('[vault]\ntoday = "next week"\n')
    with pytest.raises(ConfigError, match=r"config.toml:2: key 'vault.today'.*YYYY-MM-DD"):
        load_config(tmp_path, BUILTINS)
