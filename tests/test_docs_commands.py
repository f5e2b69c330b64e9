"""The README's command table and the commands' own parsers agree (as sqlite-utils checks its docs):
every subcommand and option of `python -m etl` and `python -m monitor` is documented, none is documented
that does not exist; and every command and option CONTRACT.md promises still exists (the product may add
to the contract, never remove)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from etl.__main__ import parser as etl_parser
from monitor.__main__ import parser as monitor_parser

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CONTRACT = ROOT.parent / "shared" / "CONTRACT.md"

Command = tuple[str, ...]  # ("etl", "load"), ("monitor", "users", "add")


def parsers() -> dict[str, argparse.ArgumentParser]:
    return {"etl": etl_parser(), "monitor": monitor_parser()}


def _subcommands(p: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def implemented(programs: dict[str, argparse.ArgumentParser] | None = None) -> dict[Command, list[tuple[str, ...]]]:
    """Every leaf command of the parsers → its options, each as all its spellings (`-v`, `--verbose`);
    --help, which argparse gives every command, is left out."""
    out: dict[Command, list[tuple[str, ...]]] = {}

    def walk(path: Command, p: argparse.ArgumentParser) -> None:
        subs = _subcommands(p)
        if subs:
            for name, child in subs.items():
                walk((*path, name), child)
            return
        out[path] = [tuple(a.option_strings) for a in p._actions
                     if a.option_strings and not isinstance(a, argparse._HelpAction)]

    for name, p in (programs or parsers()).items():
        walk((name,), p)
    return out


def _section(markdown: str, heading: str) -> str:
    m = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    assert m, f"no '## {heading}' section"
    return m.group(1)


def documented(markdown: str, heading: str = "Commands") -> dict[Command, set[str]]:
    """The commands of the section's table → the options written for each. A row's first cell holds one
    or more backticked commands; one that does not start with `python -m` continues the row's program
    (`users list` after `python -m monitor users add …`)."""
    known = implemented()
    out: dict[Command, set[str]] = {}
    for line in _section(markdown, heading).splitlines():
        if not line.startswith("| `"):
            continue
        first = re.split(r"(?<!\\)\|", line)[1]
        program = ""
        for span in re.findall(r"`([^`]+)`", first):
            words = span.replace("\\|", "|").split()
            if words[:2] == ["python", "-m"]:
                program, words = words[2], words[3:]
            path: Command = (program,)
            while words and path not in known and re.fullmatch(r"[a-z][a-z_]*", words[0]):
                path, words = (*path, words[0]), words[1:]  # a subcommand, known or not
            options = {m for w in words for m in re.findall(r"(?<![\w-])--?[a-z][a-z0-9-]*", w)}
            out.setdefault(path, set()).update(options)
    return out


def differences(docs: dict[Command, set[str]], code: dict[Command, list[tuple[str, ...]]],
                both_ways: bool = True) -> list[str]:
    """What the table and the parsers disagree on, one line each; [] when they agree. One way only
    (`both_ways=False`): what the document names that the parsers lack (a contract the product may add to)."""
    out: list[str] = []
    for cmd, options in sorted(docs.items()):
        name = "python -m " + " ".join(cmd)
        if cmd not in code:
            out.append(f"documented but no such command: {name}")
            continue
        spellings = {s for opt in code[cmd] for s in opt}
        out += [f"documented but no such option: {name} {o}" for o in sorted(options - spellings)]
    if both_ways:
        for cmd, opts in sorted(code.items()):
            name = "python -m " + " ".join(cmd)
            if cmd not in docs:
                out.append(f"not documented: the command {name}")
                continue
            out += [f"not documented: {name} {'/'.join(opt)}" for opt in opts if not set(opt) & docs[cmd]]
    return out


def test_the_readme_documents_every_command_and_option_and_no_other() -> None:
    docs = documented(README.read_text(encoding="utf-8"))
    found = differences(docs, implemented())
    assert not found, "README.md's command table and the parsers differ:\n" + "\n".join(found)
    assert len(docs) == len(implemented()) == 12  # 7 etl commands, scorecard, values, export, users add/list


def test_every_command_and_option_of_the_contract_exists() -> None:
    if not CONTRACT.is_file():
        pytest.skip(f"{CONTRACT} is not here (shared/ sits beside the checkout)")
    docs = documented(CONTRACT.read_text(encoding="utf-8"))
    assert len(docs) == 10
    found = differences(docs, implemented(), both_ways=False)
    assert not found, "CONTRACT.md promises what the parsers lack:\n" + "\n".join(found)


def test_a_difference_is_named_both_ways() -> None:
    table = """## Commands

| command | does |
|---|---|
| `python -m etl versions --db PATH --since N` | an option that does not exist |
| `python -m etl rollback --db PATH` | misses --to and --user |
| `python -m etl shrink --db PATH` | a command that does not exist |
| `python -m monitor users add NAME --role viewer\\|admin` / `users list --users PATH` | continued |
"""
    docs = documented(table)
    assert docs[("etl", "versions")] == {"--db", "--since"}
    assert docs[("monitor", "users", "list")] == {"--users"}
    found = differences(docs, implemented())
    assert "documented but no such option: python -m etl versions --since" in found
    assert "documented but no such command: python -m etl shrink" in found
    assert "not documented: python -m etl rollback --to" in found
    assert "not documented: python -m etl rollback --user" in found
    assert "not documented: python -m monitor users add --password-stdin" in found
    assert "not documented: the command python -m etl load" in found
    assert "not documented: the command python -m monitor export" in found
    # one way only, as for the contract: what the code adds is no difference
    assert differences(docs, implemented(), both_ways=False) == [
        "documented but no such command: python -m etl shrink",
        "documented but no such option: python -m etl versions --since",
    ]


def test_the_readme_check_fails_on_an_option_added_to_a_copy_of_its_table() -> None:
    text = README.read_text(encoding="utf-8")
    row = "`python -m etl versions --db PATH`"
    assert row in text
    docs = documented(text.replace(row, "`python -m etl versions --db PATH [--since N]`"))
    assert differences(docs, implemented()) == ["documented but no such option: python -m etl versions --since"]
