"""Command-line manners: exit codes, `-` for stdin/stdout, whole-or-nothing outputs, colour,
progress, one-line failures and terminal-safe text (issues 11 and 19)."""
from __future__ import annotations

import errno
import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import leakscan
from leakscan.cli import cli
from leakscan.cli.output import color_wanted

from .conftest import fake_github_token

ROOT = Path(leakscan.__file__).resolve().parent.parent


def run(*args: str, input: str | None = None, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)


def _leaky_tree(tmp_path: Path, seed: int = 301) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "settings.py").write_text(f"GITHUB_TOKEN = '{fake_github_token(seed)}'\n")
    return root


# ---- issue 11.2: a path that cannot be read is exit 2; --fail-on-error -------------------------

@pytest.mark.parametrize("command", [["scan"], ["spec"], ["mask"], ["baseline", "create"], ["git"],
                                     ["staged", "--repo"], ["rules", "check"]])
def test_a_missing_path_is_exit_2_with_one_line(tmp_path, command):
    missing = tmp_path / "no-such-dir"
    result = run(*command, str(missing), *(["--no-progress"] if command[0] != "rules" else []))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert f"cannot read {missing}: no such file or directory" in line


def test_one_missing_path_among_good_ones_stops_the_scan(tmp_path):
    root = _leaky_tree(tmp_path)
    result = run("scan", str(root), str(tmp_path / "typo"), "--format", "json", "--no-progress")
    assert result.exit_code == 2 and result.stdout == "" and "typo" in result.stderr


def test_an_unreadable_directory_named_is_exit_2(tmp_path, monkeypatch):
    root = _leaky_tree(tmp_path)
    real_scandir = os.scandir

    def denied(path=".", *args):
        if os.fspath(path) == str(root):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_scandir(path, *args)

    monkeypatch.setattr(os, "scandir", denied)
    result = run("scan", str(root), "--no-progress")
    assert result.exit_code == 2 and f"cannot read {root}: permission denied" in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a mode-000 file; the monkeypatched test above covers it")
def test_an_unreadable_file_named_is_exit_2(tmp_path):
    secret = tmp_path / "secret.env"
    secret.write_text("x=1\n")
    secret.chmod(0)
    result = run("scan", str(secret), "--no-progress")
    assert result.exit_code == 2 and "permission denied" in result.stderr


def test_errors_while_scanning_stay_in_the_report_and_fail_on_error_exits_2(tmp_path):
    root = _leaky_tree(tmp_path)
    (root / "big.log").write_text("x" * 5000 + "\n")  # over the size limit: work skipped, an errors entry
    plain = run("scan", str(root), "--max-file-size", "1000", "--format", "json", "--no-progress")
    report = json.loads(plain.stdout)
    assert plain.exit_code == 1 and [e["path"] for e in report["errors"]] == ["big.log"]
    strict = run("scan", str(root), "--max-file-size", "1000", "--format", "json", "--no-progress",
                 "--fail-on-error")
    assert strict.exit_code == 2 and json.loads(strict.stdout)["findings"]  # the report is still written
    clean = run("scan", str(root), "--format", "json", "--no-progress", "--fail-on-error")
    assert clean.exit_code == 1  # no errors: findings decide


def test_the_text_report_says_when_work_was_skipped(tmp_path):
    root = _leaky_tree(tmp_path)
    (root / "big.log").write_text("x" * 5000 + "\n")
    result = run("scan", str(root), "--max-file-size", "1000", "--no-progress")
    assert "incomplete: 1 item(s) not scanned" in result.stdout and "--fail-on-error" in result.stdout
    out = tmp_path / "r.json"
    to_file = run("scan", str(root), "--max-file-size", "1000", "--format", "json", "-o", str(out), "--no-progress")
    assert "scan incomplete: 1 error(s)" in to_file.stderr


# ---- issue 11.6: - is stdin for inputs and stdout for -o -----------------------------------------

def test_dash_output_is_stdout_not_a_file_named_dash(tmp_path, monkeypatch):
    root = _leaky_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run("scan", str(root), "--format", "json", "-o", "-", "--no-progress")
    assert result.exit_code == 1 and json.loads(result.stdout)["findings"]
    assert not (tmp_path / "-").exists()


def test_mask_reads_stdin_and_writes_stdout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    token = fake_github_token(302)
    result = run("mask", "-", "-o", "-", "--stdin-name", "settings.env", "--no-progress", input=f"TOKEN={token}\n")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("TOKEN=ghp_") and token not in result.stdout
    assert "re-scan of stdout: clean" in result.stderr and not (tmp_path / "-").exists()
    default = run("mask", "-", "--no-progress", input=f"TOKEN={token}\n")  # stdout is the default
    assert default.stdout == result.stdout


def test_spec_and_baseline_read_stdin(tmp_path):
    spec = ("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  securitySchemes:\n"
            "    k: {type: apiKey, in: query, name: api_key}\n")
    result = run("spec", "-", "--format", "json", "--no-progress", input=spec)
    assert result.exit_code == 1, result.output
    assert [f["rule_id"] for f in json.loads(result.stdout)["findings"]] == ["openapi.apikey-in-query"]
    token = fake_github_token(303)
    made = run("baseline", "create", "-", "-o", "-", "--no-progress", input=f"T={token}\n")
    assert made.exit_code == 0, made.output
    assert len(json.loads(made.stdout)["findings"]) == 1 and token not in made.stdout


# ---- issue 11.11: colour, progress, alignment, the blocked commit ------------------------------

class _Tty:
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert color_wanted(_Tty(), no_color=False)
    assert not color_wanted(_Tty(), no_color=True)
    with open(os.devnull, "w") as not_a_terminal:
        assert not color_wanted(not_a_terminal, no_color=False)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not color_wanted(_Tty(), no_color=False)


def _on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run leakscan with stdout and stderr on a pseudo-terminal; return what the terminal received."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a 120-column terminal
    proc = subprocess.Popen([sys.executable, "-m", "leakscan", *args], stdout=follower, stderr=follower,
                            stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT), **env})
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        try:
            data = os.read(leader, 65536) if ready else b""
        except OSError:  # the terminal closed
            data = b""
        if not data:
            break
        chunks.append(data)
    proc.wait(60)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def test_terminal_gets_colour_and_a_labelled_progress_bar_unless_no_color(tmp_path):
    root = _leaky_tree(tmp_path)
    env = {"NO_COLOR": ""}
    coloured = _on_a_terminal(["scan", str(root), "--jobs", "1"], env)
    assert "\x1b[" in coloured and "finding(s)" in coloured
    assert coloured.index("listing files") < coloured.index("scanning files")  # each phase named
    assert "\x1b[3" not in _on_a_terminal(["scan", str(root), "--jobs", "1", "--no-color"], env)
    assert "\x1b[3" not in _on_a_terminal(["scan", str(root), "--jobs", "1"], {"NO_COLOR": "1"})
    piped = subprocess.run([sys.executable, "-m", "leakscan", "scan", str(root)], capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": ""})
    assert piped.returncode == 1 and "\x1b[" not in piped.stdout + piped.stderr


def test_tree_progress_names_its_phase_and_counts_findings(capsys):
    from leakscan.cli.progress import tree_progress

    with tree_progress(True, "scanning files", "file", mininterval=0) as factory:
        assert factory is not None
        update = factory(4)
        update(1, 2)
        update(1)
        update(1, 1)
    err = capsys.readouterr().err
    assert "scanning files" in err and "3/4" in err and "3 finding(s)" in err


def test_columns_stay_aligned_with_long_pointers(tmp_path):
    root = _leaky_tree(tmp_path)
    long_key = "customer_profile_settings_" * 4
    (root / "data.json").write_text(json.dumps({long_key: {"github_token": fake_github_token(304)}}, indent=1))
    result = run("scan", str(root), "--no-progress")
    assert result.exit_code == 1
    rows = [line for line in result.stdout.splitlines() if " high " in line]
    assert len(rows) == 2
    assert len({row.index(" high ") for row in rows}) == 1  # the severity column lines up
    assert f"             at /{long_key}/github_token" in result.stdout


def test_a_blocked_commit_says_how_to_fix_ignore_or_bypass(tmp_path, monkeypatch):
    from .gitrepo import GitRepo

    repo = GitRepo(tmp_path / "r")
    repo.commit("base", {"README.md": "hi\n"})
    repo.write("app.py", f"T = '{fake_github_token(305)}'\n")
    repo.git("add", "app.py")
    monkeypatch.chdir(repo.path)
    result = run("staged", "--no-progress")
    assert result.exit_code == 1
    for words in ("commit blocked", "fix:", "leakscan:ignore", "leakscan baseline create", "git commit --no-verify"):
        assert words in result.stderr


# ---- issue 19.14: outputs whole or not at all ------------------------------------------------------

def _no_temporary_files(directory: Path) -> bool:
    return not [p for p in directory.iterdir() if p.name.endswith(".tmp")]


def test_a_failed_report_write_leaves_nothing_and_exits_2(tmp_path, monkeypatch):
    from leakscan.reporters import REPORTERS

    root = _leaky_tree(tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    previous = out_dir / "previous.json"
    previous.write_text('{"old": true}\n')
    real = REPORTERS["json"]

    def disk_full(report, stream, options):
        stream.write('{"tool": ')  # part of the report, then the disk fills up
        stream.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setitem(REPORTERS, "json", disk_full)
    for target in (out_dir / "new.json", previous):
        result = run("scan", str(root), "--format", "json", "-o", str(target), "--no-progress")
        assert result.exit_code == 2
        (line,) = result.stderr.strip().splitlines()
        assert f"cannot write {target}: no space left on device" in line and "Traceback" not in result.output
    assert not (out_dir / "new.json").exists() and previous.read_text() == '{"old": true}\n'
    assert _no_temporary_files(out_dir)
    monkeypatch.setitem(REPORTERS, "json", real)
    assert run("scan", str(root), "--format", "json", "-o", str(previous), "--no-progress").exit_code == 1
    assert json.loads(previous.read_text())["findings"] and _no_temporary_files(out_dir)


def test_a_failed_mask_or_baseline_write_leaves_nothing(tmp_path, monkeypatch):
    root = _leaky_tree(tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    masked = run("mask", str(root / "settings.py"), "-o", str(out_dir / "copy.py"), "--no-progress")
    baseline = run("baseline", "create", str(root), "-o", str(out_dir / "b.json"), "--no-progress")
    for result in (masked, baseline):
        assert result.exit_code == 2 and "no space left on device" in result.stderr
        assert "Traceback" not in result.output
    assert list(out_dir.iterdir()) == []


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc (a directory no one can create in)")
def test_an_unwritable_directory_is_a_one_line_error(tmp_path):
    root = _leaky_tree(tmp_path)
    result = run("scan", str(root), "-o", "/proc/leakscan-report.txt", "--no-progress")
    assert result.exit_code == 2 and "cannot write /proc/leakscan-report.txt" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_dev_null_stays_a_device(tmp_path):
    root = _leaky_tree(tmp_path)
    assert run("scan", str(root), "-o", os.devnull, "--no-progress").exit_code == 1
    assert not Path(os.devnull).is_file()


# ---- issue 19.15: unexpected failures are one line and exit 2 ---------------------------------------

@pytest.mark.parametrize("failure", [MemoryError(), RuntimeError(f"state: {fake_github_token(306)}")])
def test_unexpected_failures_are_exit_2_with_one_line_and_traceback_only_with_debug(tmp_path, monkeypatch, failure):
    import leakscan.pipeline.tree as tree_module  # scan_inputs imports scan_paths from here when a scan runs

    def broken(*args, **kwargs):
        raise failure

    monkeypatch.setattr(tree_module, "scan_paths", broken)
    root = _leaky_tree(tmp_path)
    result = run("scan", str(root), "--no-progress")
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert ("out of memory" if isinstance(failure, MemoryError) else "internal error (RuntimeError)") in line
    assert fake_github_token(306) not in result.output  # an exception's text may quote scanned content
    for args in (["--debug", "scan", str(root)], ["scan", str(root), "--debug"]):
        debug = run(*args, "--no-progress")
        assert debug.exit_code == 2 and "Traceback" in debug.stderr and "broken" in debug.stderr
    assert "Traceback" not in run("scan", str(root), "--no-progress").stderr  # --debug does not stick


def test_main_entry_point_exits_2_on_an_unexpected_error(tmp_path):
    """Through the installed entry point: a real process, a real MemoryError."""
    code = ("import sys, leakscan.cli as c, leakscan.pipeline.tree as t\n"
            "def boom(*a, **k): raise MemoryError\n"
            "t.scan_paths = boom\nsys.argv = ['leakscan', 'scan', sys.argv[1], '--no-progress']\nc.main()\n")
    proc = subprocess.run([sys.executable, "-c", code, str(_leaky_tree(tmp_path))], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 2 and "out of memory" in proc.stderr and "Traceback" not in proc.stderr


# ---- issue 19.16: control characters never reach the terminal raw --------------------------------

def test_text_report_escapes_control_characters_in_names(tmp_path):
    root = tmp_path / "tree"
    root.mkdir()
    evil = "a\x1b]0;pwned\x07\x1b[2J\rforged\u202e.env"
    (root / evil).write_text(f"T={fake_github_token(307)}\n")
    result = run("scan", str(root), "--no-progress")
    assert result.exit_code == 1
    assert not any(c in result.stdout for c in ("\x1b", "\x07", "\r", "\u202e"))
    assert "a\\e]0;pwned\\x07\\e[2J\\rforged\\u202e.env" in result.stdout


def test_every_printed_field_is_escaped(tmp_path, engine):
    import io
    from dataclasses import replace

    from leakscan.model import Report, ScanError, ScanStats
    from leakscan.pipeline.tree import scan_paths
    from leakscan.reporters import REPORTERS, ReportOptions

    (finding,) = scan_paths([str(_leaky_tree(tmp_path))], engine).findings
    bad = "\x1b[31mX\nY\x9b\u2066"
    loc = replace(finding.location, pointer=f"/k{bad}", commit=f"c{bad}", extra=(("author", f"au{bad}"),))
    hostile = replace(finding, location=loc, name=f"n{bad}", reasons=(f"r{bad}",), also_at=(f"p{bad}",),
                      suggestion=replace(finding.suggestion, text=f"s{bad}"))
    report = Report((hostile,), (ScanError(f"e{bad}", f"m{bad}"),), ScanStats(1, 1, 0.0, 1))
    out = io.StringIO()
    REPORTERS["text"](report, out, ReportOptions(verbose=True))
    text = out.getvalue()
    assert "\x1b" not in text and "\x9b" not in text and "\u2066" not in text
    # heading (path @ commit), pointer, commit, author, name, reason, also_at, fix, error path and message
    assert text.count("\\e[31mX\\nY\\x9b\\u2066") == 10


def _action_summary_script() -> str:
    (step,) = [s for s in yaml.safe_load((ROOT / "action.yml").read_text())["runs"]["steps"] if s.get("id") == "scan"]
    script = step["run"]
    start = script.index("<<'PY' || true\n") + len("<<'PY' || true\n")
    return script[start:script.index("\nPY\n", start)]


def test_action_annotations_cannot_inject_workflow_commands(tmp_path):
    uri = "src/a%0A::stop-commands::tok%2Cx:y.env"  # a percent-encoded file name holding a newline
    message = "Token: ghp_****\r\n::set-output name=x::1 100%"
    sarif = {"runs": [{"results": [{"message": {"text": message}, "properties": {"commit": "abc"},
                                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri},
                                                                        "region": {"startLine": 3}}}]}],
                       "invocations": [{"toolExecutionNotifications": [{"message": {"text": "bad\n::error::x"}}]}]}]}
    path = tmp_path / "r.sarif"
    path.write_text(json.dumps(sarif))
    proc = subprocess.run([sys.executable, "-", str(path)], input=_action_summary_script(), capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines == [
        "::error file=src/a%0A%3A%3Astop-commands%3A%3Atok%2Cx%3Ay.env,line=3::"
        "Token: ghp_****%0D%0A::set-output name=x::1 100%25 (commit abc)",
        "::warning::bad%0A::error::x",
        "leakscan: 1 finding(s)",
    ]



def test_error_messages_escape_control_characters(tmp_path):
    missing = str(tmp_path / "gone\x1b[2J\n::forged")
    result = run("scan", missing, "--no-progress")
    assert result.exit_code == 2 and "\x1b" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "gone\\e[2J\\n::forged" in line


def test_mask_fail_on_error(tmp_path):
    weird = tmp_path / "weird.har"  # JSON, but no log.entries: an errors entry, masked as JSON anyway
    weird.write_text(json.dumps({"password": "9nhFyJfm%5di4P", "note": "x"}))
    plain = run("mask", str(weird), "-o", str(tmp_path / "safe.har"), "--no-progress")
    assert plain.exit_code == 0 and "warning: " in plain.stderr
    strict = run("mask", str(weird), "-o", str(tmp_path / "safe2.har"), "--no-progress", "--fail-on-error")
    assert strict.exit_code == 2 and (tmp_path / "safe2.har").exists()
