"""Shell completion: static bash, zsh and fish scripts made from the argparse parser.

``vaultkit completion SHELL`` prints one; the shell loads it once and completes commands,
options, their choices and paths by itself, so completing never starts Python. Made from the
parser (:func:`vaultkit.cli.args.build_parser`), a command or option added there is completed
without a change here. What an option or positional completes is read from its choices, else
its metavar: :data:`DIR_METAVARS` complete folders, :data:`FILE_METAVARS` files, others
nothing (SQL, a number, a tag).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

DIR_METAVARS = frozenset({"VAULT", "DIR"})
FILE_METAVARS = frozenset({"FILE", "PATH", "NOTE", "F"})


@dataclass(frozen=True, slots=True)
class Option:
    """One option of a command, as completion needs it."""

    flags: tuple[str, ...]
    help: str
    takes: str | None
    """None for a flag; else "dirs", "files", "choices" or "" (a free value)."""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Command:
    """A command (or the top level, named ""): its options and what its positionals take."""

    name: str
    help: str
    options: tuple[Option, ...]
    positional: str
    """What its positionals complete: "dirs", "files", "choices" or "" (nothing)."""
    choices: tuple[str, ...] = ()


def _kind(action: argparse.Action) -> str:
    if action.choices is not None:
        return "choices"
    metavar = action.metavar if isinstance(action.metavar, str) else ""
    if metavar in DIR_METAVARS:
        return "dirs"
    if metavar in FILE_METAVARS:
        return "files"
    return ""


def _short(text: str | None) -> str:
    """An option's help as a completion menu shows it: its first clause."""
    if not text or text == argparse.SUPPRESS:
        return ""
    for stop in (" (", "; ", ": "):
        text = text.split(stop, 1)[0]
    return text.strip().replace("\n", " ")


def _command(name: str, parser: argparse.ArgumentParser, help_text: str) -> Command:
    options: list[Option] = []
    positional = ""
    choices: tuple[str, ...] = ()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            if name:
                # A command's own commands (cache list|prune): their names complete as its
                # positional, and their options as its options.
                positional, choices = "choices", tuple(action.choices)
                seen = {flag for option in options for flag in option.flags}
                for sub in action.choices.values():
                    for option in _command(name, sub, "").options:
                        if not seen & set(option.flags):
                            options.append(option)
                            seen.update(option.flags)
            continue
        if action.option_strings:
            takes = None if action.nargs == 0 else _kind(action)
            options.append(
                Option(
                    tuple(action.option_strings),
                    _short(action.help),
                    takes,
                    tuple(str(c) for c in action.choices or ()),
                )
            )
        elif not positional:
            positional = _kind(action)
            choices = tuple(str(c) for c in action.choices or ())
    return Command(name, _short(help_text), tuple(options), positional, choices)


def commands(parser: argparse.ArgumentParser) -> list[Command]:
    """The top level (named "") and every command of ``parser``, in the parser's order."""
    found = [_command("", parser, "")]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, sub in action.choices.items():
                found.append(_command(name, sub, helps.get(name, "")))
    return found


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script of ``parser``'s program for ``shell`` (bash, zsh or fish)."""
    return {"bash": _bash, "zsh": _zsh, "fish": _fish}[shell](parser.prog, commands(parser))


def _words(items: list[str] | tuple[str, ...]) -> str:
    return " ".join(items)


def _bash(prog: str, found: list[Command]) -> str:
    top, rest = found[0], found[1:]
    fn = f"_{prog}_complete"
    valued = [flag for o in top.options if o.takes is not None for flag in o.flags]
    reply = f"_{prog}_reply"
    lines = [
        f"# bash completion for {prog}; made by `{prog} completion bash`.",
        f"{reply}() {{",
        "    # One completion per line of compgen's answer: a path with spaces stays whole.",
        "    local line",
        "    COMPREPLY=()",
        '    while IFS= read -r line; do COMPREPLY+=("$line"); done < <(compgen "$@")',
        "}",
        f"{fn}() {{",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
        '    local i command=""',
        "    for ((i = 1; i < COMP_CWORD; i++)); do",
        '        case "${COMP_WORDS[i]}" in',
    ]
    if valued:
        lines.append(f"            {'|'.join(valued)}) ((i++)) ;;")
    lines += [
        "            -*) ;;",
        '            *) command="${COMP_WORDS[i]}"; break ;;',
        "        esac",
        "    done",
        '    local options="" positional=""',
        '    case "$command" in',
    ]
    for command in [top, *rest]:
        label = '""' if not command.name else command.name
        lines.append(f"        {label})")
        value_cases = []
        for option in command.options:
            if option.takes is None:
                continue
            action = {
                "dirs": f'{reply} -d -- "$cur"',
                "files": f'{reply} -f -- "$cur"',
                "choices": f'{reply} -W "{_words(option.choices)}" -- "$cur"',
                "": "COMPREPLY=()",
            }[option.takes]
            value_cases.append(f"                {'|'.join(option.flags)}) {action}; return ;;")
        if value_cases:
            lines += ['            case "$prev" in', *value_cases, "            esac"]
        flags = [flag for option in command.options for flag in option.flags]
        lines.append(f'            options="{_words(flags)}"')
        if not command.name:
            lines.append(f'            positional="words:{_words([c.name for c in rest])}"')
        elif command.positional == "choices":
            lines.append(f'            positional="words:{_words(command.choices)}"')
        else:
            lines.append(f'            positional="{command.positional}"')
        lines.append("            ;;")
    lines += [
        "    esac",
        '    if [[ "$cur" == -* ]]; then',
        f'        {reply} -W "$options" -- "$cur"',
        '    elif [[ "$positional" == words:* ]]; then',
        f'        {reply} -W "${{positional#words:}}" -- "$cur"',
        '    elif [[ "$positional" == dirs ]]; then',
        f'        {reply} -d -- "$cur"',
        '    elif [[ "$positional" == files ]]; then',
        f'        {reply} -f -- "$cur"',
        "    else",
        "        COMPREPLY=()",
        "    fi",
        "}",
        f"complete -o filenames -F {fn} {prog}",
    ]
    return "\n".join(lines) + "\n"


def _zsh_quote(text: str) -> str:
    """``text`` inside a single-quoted _arguments spec: brackets and colons escaped."""
    for char in ("\\", "[", "]", ":"):
        text = text.replace(char, "\\" + char)
    return text.replace("'", "'\\''")


def _zsh_action(takes: str | None, choices: tuple[str, ...], what: str) -> str:
    if takes is None:
        return ""
    action = {
        "dirs": "_files -/",
        "files": "_files",
        "choices": f"({_words(choices)})",
        "": " ",
    }[takes]
    return f":{_zsh_quote(what.lower())}:{action}"


def _zsh_options(command: Command) -> list[str]:
    specs = []
    for option in command.options:
        helped = f"[{_zsh_quote(option.help)}]" if option.help else ""
        value = _zsh_action(option.takes, option.choices, "value")
        equals = "=" if option.takes is not None and option.flags[-1].startswith("--") else ""
        for flag in option.flags:
            flag_equals = equals if flag.startswith("--") else ""
            specs.append(f"'{flag}{flag_equals}{helped}{value}'")
    return specs


def _zsh(prog: str, found: list[Command]) -> str:
    top, rest = found[0], found[1:]
    lines = [
        f"#compdef {prog}",
        f"# zsh completion for {prog}; made by `{prog} completion zsh`.",
        f"_{prog}() {{",
        "    local state line",
        "    local -a commands",
        "    commands=(",
        *(f"        '{c.name}:{_zsh_quote(c.help)}'" for c in rest),
        "    )",
        "    _arguments -C \\",
        *(f"        {spec} \\" for spec in _zsh_options(top)),
        "        '1:command:->command' \\",
        "        '*::argument:->argument'",
        "    case $state in",
        "        command) _describe -t commands command commands ;;",
        "        argument)",
        "            case $line[1] in",
    ]
    for command in rest:
        specs = _zsh_options(command)
        positional = _zsh_action(command.positional or "", command.choices, command.name)
        if positional:
            specs.append(f"'*{positional}'")
        lines.append(f"                {command.name})")
        lines.append("                    _arguments \\")
        lines += [f"                        {spec} \\" for spec in specs[:-1]]
        lines.append(f"                        {specs[-1]} ;;")
    lines += [
        "            esac ;;",
        "    esac",
        "}",
        f'if [[ $zsh_eval_context[-1] == loadautofunc ]]; then _{prog} "$@"; '
        f"else compdef _{prog} {prog}; fi",
    ]
    return "\n".join(lines) + "\n"


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish_flags(option: Option) -> str:
    parts = []
    for flag in option.flags:
        if flag.startswith("--"):
            parts.append(f"-l {flag[2:]}")
        elif len(flag) == 2:
            parts.append(f"-s {flag[1]}")
        else:
            parts.append(f"-o {flag[1:]}")
    return " ".join(parts)


def _fish_takes(takes: str | None, choices: tuple[str, ...]) -> str:
    if takes is None:
        return ""
    return {
        "dirs": " -x -a '(__fish_complete_directories (commandline -ct))'",
        "files": " -r -F",
        "choices": f" -x -a {_fish_quote(_words(choices))}",
        "": " -x",
    }[takes]


def _fish(prog: str, found: list[Command]) -> str:
    top, rest = found[0], found[1:]
    names = _words([c.name for c in rest])
    lines = [
        f"# fish completion for {prog}; made by `{prog} completion fish`.",
        f"complete -c {prog} -f",
    ]
    top_condition = f"'not __fish_seen_subcommand_from {names}'"
    for option in top.options:
        lines.append(
            f"complete -c {prog} -n {top_condition} {_fish_flags(option)}"
            f"{_fish_takes(option.takes, option.choices)} -d {_fish_quote(option.help)}"
        )
    for command in rest:
        lines.append(
            f"complete -c {prog} -n {top_condition} -a {command.name} "
            f"-d {_fish_quote(command.help)}"
        )
    for command in rest:
        condition = f"'__fish_seen_subcommand_from {command.name}'"
        for option in command.options:
            lines.append(
                f"complete -c {prog} -n {condition} {_fish_flags(option)}"
                f"{_fish_takes(option.takes, option.choices)} -d {_fish_quote(option.help)}"
            )
        positional = _fish_takes(command.positional or None, command.choices)
        if command.positional and positional:
            # A positional: the same completions, without an option before them.
            lines.append(f"complete -c {prog} -n {condition}{positional.replace(' -r', '')}")
    return "\n".join(lines) + "\n"
