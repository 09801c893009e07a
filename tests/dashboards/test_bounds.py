"""Bounded templates (issue 13, design section 8 item 9): a vault template's render is bounded
in time and output size, asks for no huge value, and every breach is one clear error naming
the template, with nothing written and the vault lock released."""

from __future__ import annotations

import gc
import io
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import cli, vaultkit_executable
from tests.support.region_vault import snapshot
from tests.support.vault_edits import set_vault_keys, write_template
from vaultkit.dashboards.bounds import OutOfTime, RenderLimits
from vaultkit.dashboards.render import RenderError, make_environment, render_template
from vaultkit.live.hook import run_hook
from vaultkit.sync.lock import lock_holder
from vaultkit.vaultpaths import VaultPaths

SMALL = RenderLimits(timeout=10.0, max_output=1_000_000)
HANG = (
    "# Links\n{% for i in range(100000) %}\n"
    "{% for j in range(100000) %}{% endfor %}\n{% endfor %}\n"
)


def render(vault: Path, text: str, limits: RenderLimits = SMALL, **context: Any) -> str:
    templates = vault / ".vaultkit/templates"
    templates.mkdir(parents=True, exist_ok=True)
    (templates / "t.md.j2").write_text(text, encoding="utf-8")
    env = make_environment(vault, [], templates=templates, limits=limits)
    return render_template(env, "t.md.j2", context)


# -- values a template may not build ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{{ 'x' * 10**9 }}", "'*' would make a text of 1,000,000,000 characters"),
        ("{{ [1] * 10**9 }}", "'*' would make a list of 1,000,000,000 items"),
        ("{{ 'x'.encode() * 10**9 }}", "'*' would make a text"),
        ("{{ 10 ** (10**9) }}", "'**' would make a number of about"),
        ("{{ (10**4000) * (10**4000) }}", "'*' would make a number of about"),
        ("{{ '%999999999d' % 1 }}", "'%' would make a text"),
        ("{{ '%(a)s' * 1000 % {'a': 'x' * 100000} }}", "'%' would make a text"),
        ("{{ '{:999999999}'.format(1) }}", "format() would make a text"),
        ("{{ '{0:{1}}'.format(1, 10**9) }}", "format() would make a text"),
        ("{{ ('{0}' * 10000).format('x' * 100000) }}", "format() would make a text"),
        ("{{ '%s'|format('x') ~ ('%0999999999d'|format(1)) }}", "format would make a text"),
        ("{{ 'x'|center(10**9) }}", "center would make a text"),
        ("{{ 'x'|center(1000000000) }}", "center would make a text"),
        ("{{ 'x'.center(10**9) }}", "center() would make a text"),
        ("{{ 'x'.ljust(10**9) }}", "ljust() would make a text"),
        ("{{ 'x'.rjust(10**9) }}", "rjust() would make a text"),
        ("{{ '1'.zfill(10**9) }}", "zfill() would make a text"),
        ("{{ 'a\\tb'.expandtabs(10**9) }}", "expandtabs() would make a text"),
        ("{{ (1).to_bytes(10**9, 'big') }}", "to_bytes() would make a text"),
        ("{{ 'a\\nb'|indent(10**9) }}", "indent would make a text"),
        ("{{ 'a b c'|wordwrap(1, wrapstring='x' * 900000) }}", "wordwrap would make a text"),
        ("{{ range(100000)|join('x' * 100000) }}", "join would make a text"),
        ("{{ (['x' * 100000] * 1000)|join }}", "join would make a text"),
        ("{{ 'ab'.join(['x' * 100000] * 1000) }}", "join() would make a text"),
        ("{{ ('x' * 1000)|replace('x', 'y' * 100000) }}", "replace would make a text"),
        ("{{ ('x' * 1000).replace('x', 'y' * 100000) }}", "replace() would make a text"),
        ("{{ ('a' * 1000).translate({97: 'x' * 100000}) }}", "translate() would make a text"),
        ("{{ [1]|batch(10**9, 0)|list }}", "batch would make a list"),
        ("{{ [1]|slice(10**9)|list }}", "slice would make a list"),
        ("{{ ([[1] * 100000] * 100)|sum(start=[]) }}", "sum would make a list"),
        ("{{ lipsum(10**7) }}", "lipsum() would make a text"),
        # Doubling in a loop: by ~, by +, by a {% set %} block and by a macro.
        (
            "{% set ns = namespace(s='x') %}{% for i in range(64) %}"
            "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
            "'~' would make a text of 1,048,576 characters",
        ),
        (
            "{% set ns = namespace(s='x') %}{% for i in range(64) %}"
            "{% set ns.s = ns.s + ns.s %}{% endfor %}",
            "'+' would make a text",
        ),
        (
            "{% set ns = namespace(l=[1]) %}{% for i in range(64) %}"
            "{% set ns.l = ns.l + ns.l %}{% endfor %}",
            "'+' would make a list",
        ),
        (
            "{% set ns = namespace(s='x') %}{% for i in range(64) %}"
            "{% set twice %}{{ ns.s }}{{ ns.s }}{% endset %}{% set ns.s = twice %}{% endfor %}",
            "joining a block's output would make a text",
        ),
        (
            "{% macro twice(s) %}{{ s }}{{ s }}{% endmacro %}{% set ns = namespace(s='x') %}"
            "{% for i in range(64) %}{% set ns.s = twice(ns.s) %}{% endfor %}",
            "joining a block's output would make a text",
        ),
    ],
)
def test_a_huge_value_is_refused_before_it_is_built(tmp_path: Path, text: str, says: str) -> None:
    started = time.perf_counter()
    with pytest.raises(RenderError) as caught:
        render(tmp_path, text)
    message = str(caught.value)
    assert message.startswith("t.md.j2:1: the template was stopped: "), message
    assert says in message, message
    assert "nothing was written" in message
    assert time.perf_counter() - started < 5


def test_ordinary_uses_of_the_bounded_operations_still_work(tmp_path: Path) -> None:
    text = (
        "{{ 'ab' * 3 }}|{{ [0] * 2 }}|{{ 2 ** 100 }}|{{ 3 * 4 }}|{{ '%5d' % 3 }}|"
        "{{ '%(a)s-%(a)s' % {'a': 'x'} }}|{{ '{:>4}'.format(7) }}|{{ 'x'|center(5) }}|"
        "{{ 'x'.ljust(3) }}.|{{ 'a\nb'|indent(2) }}|{{ 'a b'|wordwrap(1) }}|"
        "{{ [1, 2]|join(', ') }}|{{ 'a,b'|replace(',', ';') }}|{{ 'a,b'.replace(',', '') }}|"
        "{{ [1, 2, 3]|batch(2, 0)|list }}|{{ [1, 2, 3]|slice(2)|list }}|"
        "{{ [[1], [2]]|sum(start=[]) }}|{{ [1, 2]|sum }}|{{ 'a' ~ 1 ~ 'b' }}|"
        "{{ '-'.join(['a', 'b']) }}|{{ 'a\tb'.expandtabs(2) }}|"
        "{{ lipsum(1, False)|length > 0 }}"
    )
    assert render(tmp_path, text) == (
        "ababab|[0, 0]|1267650600228229401496703205376|12|    3|x-x|   7|  x  |x  .|a\n  b|"
        "a\nb|1, 2|a;b|ab|[[1, 2], [3, 0]]|[[1, 2], [3]]|[1, 2]|3|a1b|a-b|a b|True\n"
    )


# -- time -----------------------------------------------------------------------------------


def test_a_template_that_never_ends_is_stopped_at_its_timeout(tmp_path: Path) -> None:
    limits = RenderLimits(timeout=0.5, max_output=1_000_000)
    started = time.perf_counter()
    with pytest.raises(RenderError) as caught:
        render(tmp_path, HANG, limits)
    elapsed = time.perf_counter() - started
    assert 0.5 <= elapsed < 3.5, elapsed
    # It names the template and the line it was stuck on.
    assert str(caught.value).startswith(
        "t.md.j2:3: the template ran for more than template_timeout = 0.5 s and was stopped; "
        "nothing was written. Fix the template (does a loop never end?), or raise "
        "template_timeout in .vaultkit/config.toml"
    )


def _spin_until_stopped() -> None:
    """Python code in which the watchdog's exception lands (given up after 5 s)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        pass


def _stopped_in_a_gc_callback() -> str:
    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            _spin_until_stopped()

    gc.callbacks.append(callback)
    try:
        gc.collect()
    finally:
        gc.callbacks.remove(callback)
    return ""


def _stopped_in_a_finalizer() -> str:
    def generator() -> Iterator[None]:
        try:
            yield
        finally:
            _spin_until_stopped()

    abandoned = generator()
    next(abandoned)
    del abandoned  # closed here, by its finalizer: its finally block runs and spins
    return ""


@pytest.mark.parametrize("drop", [_stopped_in_a_gc_callback, _stopped_in_a_finalizer])
def test_a_stop_that_python_drops_is_fired_again(tmp_path: Path, drop: Callable[[], str]) -> None:
    # Python cannot raise out of a garbage-collector callback or a finalizer run in the middle
    # of the render: it prints the exception and goes on. The template below then runs for
    # ten more seconds; the watchdog must fire again and stop it well before.
    def busy(seconds: float) -> str:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            pass
        return ""

    dropped: list[type[BaseException]] = []
    before = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: dropped.append(unraisable.exc_type)
    started = time.perf_counter()
    try:
        with pytest.raises(RenderError) as caught:
            render(
                tmp_path,
                "# Links\n{{ drop() }}\n{{ busy(10) }}\n",
                RenderLimits(timeout=0.3, max_output=1_000_000),
                drop=drop,
                busy=busy,
            )
    finally:
        sys.unraisablehook = before
    elapsed = time.perf_counter() - started
    assert dropped == [OutOfTime]  # the first one was lost, as Python does
    assert elapsed < 3, elapsed
    assert str(caught.value).startswith(
        "t.md.j2:3: the template ran for more than template_timeout = 0.3 s and was stopped"
    )


def test_the_watchdog_never_fires_after_a_render_has_ended(tmp_path: Path) -> None:
    # Renders that end just before, at, or after their limit (1 to 40 ms): whichever way
    # each goes, the stop exception never surfaces outside render_template, then or later.
    # No collections meanwhile: a stop landing in another library's gc callback (hypothesis
    # has one) is dropped with a printed warning; test_a_stop_that_python_drops_is_fired_again
    # is about that.
    loop = "{% for i in range(300) %}{{ i }}{% endfor %}"
    gc.disable()
    try:
        for n in range(120):
            limits = RenderLimits(timeout=0.001 * (n % 40 + 1), max_output=1_000_000)
            try:
                render(tmp_path, loop, limits)
            except RenderError as exc:
                assert "template_timeout" in str(exc)
    finally:
        gc.enable()
    deadline = time.perf_counter() + 0.3
    while time.perf_counter() < deadline:  # Python code in which a stray exception would land
        sum(range(100))
    time.sleep(0.1)


# -- output ---------------------------------------------------------------------------------


def test_output_is_streamed_and_stopped_at_max_output(tmp_path: Path) -> None:
    # 10 TB if it were rendered whole: stopped at the first megabyte, long before the timeout.
    text = (
        "{% for i in range(100000) %}{% for j in range(100000) %}{{ 'x' * 1000 }}"
        "{% endfor %}{% endfor %}"
    )
    limits = RenderLimits(timeout=60.0, max_output=1_000_000)
    started = time.perf_counter()
    with pytest.raises(RenderError) as caught:
        render(tmp_path, text, limits)
    assert time.perf_counter() - started < 5
    assert str(caught.value) == (
        "t.md.j2: the template was stopped: its output passed max_output = 1,000,000 bytes; "
        "nothing was written. Fix the template, or raise max_output in .vaultkit/config.toml"
    )


def test_max_output_counts_bytes_not_characters(tmp_path: Path) -> None:
    limits = RenderLimits(timeout=10.0, max_output=1_000_000)
    assert len(render(tmp_path, "{{ 'é' * 499_000 }}", limits)) == 499_001
    with pytest.raises(RenderError, match="its output passed max_output"):
        render(tmp_path, "{{ 'é' * 600_000 }}", limits)


def test_a_memory_error_in_a_template_is_a_render_error(tmp_path: Path) -> None:
    class Greedy:
        def __str__(self) -> str:
            raise MemoryError

    with pytest.raises(RenderError) as caught:
        render(tmp_path, "# A\n{{ greedy }}\n", greedy=Greedy())
    assert str(caught.value) == (
        "t.md.j2: the template ran out of memory and was stopped; nothing was written"
    )


def test_a_memory_error_through_the_cli_is_one_line_exit_2(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def greedy(*args: object, **kwargs: object) -> str:
        raise MemoryError

    monkeypatch.setattr("vaultkit.dashboards.render.render_bounded", greedy)
    before = snapshot(vault)
    code, output = cli("sync", str(vault), "--force")
    assert code == 2
    assert output.startswith("vaultkit: status.md.j2: the template ran out of memory")
    assert len(output.strip().splitlines()) == 1
    assert snapshot(vault) == before


# -- hostile template files --------------------------------------------------------------------


def test_a_template_that_is_not_utf8_names_the_file_and_line(vault: Path) -> None:
    write_template(vault, "links.md.j2", b"# Links\ncaf\xe9 {{ links.notes }}\n")
    before = snapshot(vault)
    code, output = cli("sync", str(vault))
    assert code == 2
    assert output == (
        "vaultkit: .vaultkit/templates/links.md.j2:2: the template is not UTF-8 text; "
        "save it as UTF-8\n"
    )
    assert snapshot(vault) == before
    # The same for a template it includes.
    write_template(vault, "links.md.j2", "# Links\n{% include 'part.j2' %}\n")
    write_template(vault, "part.j2", b"one\ntwo\n\xff\xfe three\n")
    before = snapshot(vault)
    code, output = cli("sync", str(vault))
    assert (code, output) == (
        2,
        "vaultkit: .vaultkit/templates/part.j2:3: the template is not UTF-8 text; "
        "save it as UTF-8\n",
    )
    assert snapshot(vault) == before


def test_a_huge_or_deeply_nested_template_is_one_line_exit_2(vault: Path) -> None:
    write_template(vault, "links.md.j2", "# Links\n" + "x" * (2 * 1024 * 1024) + "\n")
    before = snapshot(vault)
    code, output = cli("sync", str(vault))
    assert code == 2
    assert output.startswith(
        "vaultkit: .vaultkit/templates/links.md.j2: the template is 2,097,161 bytes, more "
        "than the 1,048,576 vaultkit reads"
    )
    write_template(vault, "links.md.j2", "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}\n")
    before = snapshot(vault)
    code, output = cli("sync", str(vault))
    assert code == 2 and output.startswith("vaultkit: links.md.j2")
    assert len(output.strip().splitlines()) == 1
    assert snapshot(vault) == before


@pytest.mark.parametrize(
    "attack",
    ["{{ 'x' * 10**9 }}", "{{ [1] * 10**9 }}", "{{ 10 ** (10**9) }}", "{{ 'x'|center(10**9) }}"],
)
def test_the_default_limits_refuse_a_gigabyte_through_the_cli(vault: Path, attack: str) -> None:
    write_template(vault, "links.md.j2", "# Links\n" + attack + "\n")
    before = snapshot(vault)
    code, output = cli("sync", str(vault))
    assert code == 2
    assert output.startswith("vaultkit: links.md.j2:2: the template was stopped: ")
    assert len(output.strip().splitlines()) == 1
    assert snapshot(vault) == before


# -- through the real CLI: lock released, nothing written ---------------------------------------


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [vaultkit_executable(), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


@pytest.mark.slow
def test_a_hanging_template_stops_in_time_releases_the_lock_and_writes_nothing(
    vault: Path,
) -> None:
    set_vault_keys(vault, "template_timeout = 2")
    write_template(vault, "links.md.j2", HANG)
    (vault / "Inbox.md").write_text("- [ ] something new to render\n", encoding="utf-8")
    before = snapshot(vault)

    started = time.monotonic()
    first = _start("sync", str(vault))
    while lock_holder(VaultPaths(vault)) is None and first.poll() is None:
        time.sleep(0.02)
    # A second sync queues behind the first: it gets the lock once the first has been
    # stopped, and then meets the same hang.
    second = _start("sync", str(vault))
    _, first_err = first.communicate(timeout=60)
    first_seconds = time.monotonic() - started
    _, second_err = second.communicate(timeout=60)
    second_seconds = time.monotonic() - started

    for code, err in ((first.returncode, first_err), (second.returncode, second_err)):
        assert code == 2, err
        assert err.startswith("vaultkit: links.md.j2:3: the template ran for more than "), err
        assert "template_timeout = 2 s" in err and "Traceback" not in err
    assert first_seconds < 2 + 8, first_seconds
    assert second_seconds < 2 * 2 + 10, second_seconds  # never "busy": it waits 10 s at most
    assert lock_holder(VaultPaths(vault)) is None
    assert snapshot(vault) == before

    # The hook meets the same bound, in one line.
    hook = subprocess.run(
        [vaultkit_executable(), "hook", str(vault), "--file", str(vault / "Inbox.md")],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert hook.returncode == 2, hook.stderr
    assert hook.stderr.startswith("vaultkit: links.md.j2:3: the template ran for more than")
    assert len(hook.stderr.strip().splitlines()) == 1
    assert snapshot(vault) == before

    # Fixed, the next sync starts at once and writes.
    (vault / ".vaultkit/templates/links.md.j2").unlink()
    fixed = subprocess.run(
        [vaultkit_executable(), "sync", str(vault)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert fixed.returncode == 0, fixed.stderr
    assert snapshot(vault) != before


def test_a_render_error_in_process_releases_the_lock(vault: Path) -> None:
    set_vault_keys(vault, "template_timeout = 0.5")
    write_template(vault, "links.md.j2", HANG)
    (vault / "Inbox.md").write_text("- [ ] something new\n", encoding="utf-8")
    before = snapshot(vault)
    code, output = cli("sync", str(vault))
    assert code == 2 and "template_timeout = 0.5 s" in output
    assert lock_holder(VaultPaths(vault)) is None
    assert snapshot(vault) == before


@pytest.mark.slow
def test_a_template_piling_up_memory_is_stopped(vault: Path) -> None:
    # Each string is under max_output, but together they would need 90 GB.
    set_vault_keys(vault, "max_output = 1_048_576")
    write_template(
        vault,
        "links.md.j2",
        "{% set ns = namespace(l=[]) %}{% for i in range(100000) %}"
        "{% set ns.l = ns.l + [('x' * 900000) ~ i] %}{% endfor %}{{ ns.l|length }}\n",
    )
    before = snapshot(vault)
    result = subprocess.run(
        [vaultkit_executable(), "sync", str(vault)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
        env={**os.environ},
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(
        "vaultkit: links.md.j2:1: the template used more than 256 MiB of memory and was stopped"
    ), result.stderr
    assert snapshot(vault) == before


# -- config values the bounds read, through the CLI ---------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "max_growth = 1e400",
        "template_timeout = nan",
        "max_output = 99999999999999999999999",
        "excludes = " + "[" * 5000 + "]" * 5000,
        "max_files_written = " + "9" * 5000,
    ],
)
def test_hostile_config_values_are_one_line_exit_2_for_sync_and_hook(
    vault: Path, line: str
) -> None:
    set_vault_keys(vault, line)
    before = snapshot(vault)
    sync_code, sync_output = cli("sync", str(vault))
    err = io.StringIO()
    hook_code = run_hook(str(vault), str(vault / "Plan.md"), io.StringIO(), err)
    for code, output in ((sync_code, sync_output), (hook_code, err.getvalue())):
        assert code == 2, output
        assert output.startswith("vaultkit: .vaultkit/config.toml:5: "), output
        assert "unknown key" not in output
        assert len(output.strip().splitlines()) == 1 and "Traceback" not in output
    assert snapshot(vault) == before
