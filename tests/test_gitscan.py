from __future__ import annotations

from dataclasses import replace

import pytest

from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.pipeline.history import scan_history, scan_staged
from leakscan.sources.git.repo import open_repository, tip_revisions

from .conftest import fake_aws_secret_key, fake_github_token
from .gitrepo import GitRepo


def history(path, engine, branches=()):
    repo = open_repository(str(path))
    return scan_history(repo, tip_revisions(repo, branches), engine)


def only(report, rule_id="github.pat.classic"):
    found = [f for f in report.findings if f.rule_id == rule_id]
    assert len(found) == 1, [(f.rule_id, f.location) for f in report.findings]
    return found[0]


def test_secret_committed_then_deleted_is_found_at_its_introducing_commit(tmp_path, engine):
    token = fake_github_token(21)
    repo = GitRepo(tmp_path / "r")
    repo.commit("readme", {"README.md": "hello\n"})
    added = repo.commit("add config", {"config/settings.py": f"DEBUG = False\nTOKEN = '{token}'\n"},
                        author="Bob Leaker")
    repo.commit("remove config", {"config/settings.py": None})
    finding = only(history(repo.path, engine))
    assert finding.location.path == "config/settings.py"
    assert (finding.location.line, finding.location.column) == (2, 10)
    assert finding.location.commit == added
    extra = dict(finding.location.extra)
    assert extra["author"] == "Bob Leaker <alice@example.com>"
    assert extra["date"].startswith("2024-01-03")
    assert finding.masked.startswith("ghp_") and token not in finding.masked


def test_secret_replaced_by_env_lookup_on_the_same_line_is_found(tmp_path, engine):
    key = fake_aws_secret_key(5)
    repo = GitRepo(tmp_path / "r")
    added = repo.commit("client", {"app.py": f"import os\nclient = make(aws_secret_access_key='{key}')\n"})
    repo.commit("use env", {"app.py": "import os\nclient = make(aws_secret_access_key=os.environ['AWS_KEY'])\n"})
    repo.commit("more", {"app.py": "import os\nclient = make(aws_secret_access_key=os.environ['AWS_KEY'])\nprint(1)\n"})
    finding = only(history(repo.path, engine), "aws.secret-access-key")
    assert finding.location.commit == added and finding.location.line == 2


def test_secret_only_on_an_unmerged_branch_is_found(tmp_path, engine):
    token = fake_github_token(22)
    repo = GitRepo(tmp_path / "r")
    repo.commit("base", {"app.py": "x = 1\n"})
    repo.git("checkout", "-q", "-b", "feature/wip")
    on_branch = repo.commit("wip", {"deploy.sh": f"export GH_TOKEN={token}\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main moves on", {"app.py": "x = 2\n"})
    finding = only(history(repo.path, engine))
    assert finding.location.commit == on_branch and finding.location.path == "deploy.sh"
    # --branch narrows the history: main alone never held the token.
    assert history(repo.path, engine, branches=("main",)).findings == ()
    assert only(history(repo.path, engine, branches=("feature/wip",))).location.commit == on_branch


def test_each_unique_blob_is_read_once_and_a_secret_kept_across_versions_is_one_finding(tmp_path, engine):
    token = fake_github_token(23)
    repo = GitRepo(tmp_path / "r")
    first = repo.commit("add", {"ci.env": f"GITHUB_TOKEN={token}\n", "same.txt": "shared\n"})
    for n in range(5):  # five more versions of ci.env, all still holding the token; same.txt never changes
        repo.commit(f"edit {n}", {"ci.env": "\n" * (n + 1) + f"GITHUB_TOKEN={token}\n"})
    repo.commit("copy", {"copy.txt": "shared\n"})  # the same blob at another path: not read again
    report = history(repo.path, engine)
    assert report.stats.files == 7  # 6 versions of ci.env + 1 blob of same.txt, however many commits
    finding = only(report)
    assert finding.location.commit == first and finding.location.line == 1 and finding.also_at == ()


def test_only_what_a_version_adds_is_scanned_and_line_numbers_stay_true(tmp_path, engine):
    old, new = fake_github_token(32), fake_github_token(33)
    body = "".join(f"line {n}\n" for n in range(200))
    repo = GitRepo(tmp_path / "r")
    first = repo.commit("add", {"conf.py": f"OLD = '{old}'\n" + body})
    repo.commit("unrelated edit", {"conf.py": f"OLD = '{old}'\n" + body.replace("line 50", "line fifty")})
    added = repo.commit("new token", {"conf.py": f"OLD = '{old}'\n" + body.replace("line 150\n", f"NEW = '{new}'\n")})
    removed = repo.commit("drop old", {"conf.py": body.replace("line 150\n", f"NEW = '{new}'\n")})
    repo.commit("old is back, lower", {"conf.py": body + f"OLD = '{old}'\n"})
    report = history(repo.path, engine)
    by_commit = {f.location.commit: f for f in report.findings}
    assert set(by_commit) == {first, added}
    assert (by_commit[first].location.line, by_commit[added].location.line) == (1, 152)
    # The old token, re-added later at another line, is the same finding: also seen there.
    assert [a.split("@")[0] for a in by_commit[first].also_at] == ["conf.py:201"]
    assert removed not in by_commit


def test_secret_added_on_two_branches_lists_both_introductions(tmp_path, engine):
    token = fake_github_token(24)
    repo = GitRepo(tmp_path / "r")
    repo.commit("base", {"a.txt": "a\n"})
    repo.git("checkout", "-q", "-b", "other")
    on_other = repo.commit("add on other", {"k.env": f"T={token}\n"})
    repo.git("checkout", "-q", "main")
    on_main = repo.commit("add on main", {"k.env": f"T={token}\n"})
    finding = only(history(repo.path, engine))
    assert finding.location.commit == on_other  # the earlier of the two
    assert dict(finding.location.extra)["introduced_in"] == f"{on_other} {on_main}"


def test_the_earliest_introduction_is_told_by_the_instant_not_by_the_date_text(tmp_path, engine):
    token = fake_github_token(28)
    repo = GitRepo(tmp_path / "r")
    repo.commit("base", {"k.env": "X=1\n"})

    def commit_at(date: str) -> str:
        repo.write("k.env", f"X=1\nT={token}\n# {date}\n")  # two blobs: two findings of one secret
        repo.git("add", "-A")
        repo.git("commit", "-q", "-m", date, env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})
        return repo.head()

    repo.git("checkout", "-q", "-b", "other")
    earlier = commit_at("2024-03-01T00:30:00+08:00")  # 16:30 UTC on 29 February
    repo.git("checkout", "-q", "main")
    later = commit_at("2024-02-29T10:00:00-07:00")  # 17:00 UTC on 29 February, though its text sorts first
    finding = only(history(repo.path, engine))
    assert finding.location.commit == earlier and finding.also_at == (f"k.env:2@{later[:12]}",)


def test_a_version_is_compared_with_its_own_parent_not_with_another_branch(tmp_path, engine):
    """Walked by date, main's and a stable branch's versions of one file interleave; the stable
    branch's next version is compared with the stable version it replaced."""
    token = fake_github_token(31)
    lines = [f"v{n} = {n}" for n in range(20)]
    repo = GitRepo(tmp_path / "r")
    repo.commit("base", {"conf.py": "\n".join(lines) + "\n"})
    repo.git("checkout", "-q", "-b", "stable")
    added = repo.commit("stable: token", {"conf.py": "\n".join([f"T = '{token}'"] + lines) + "\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main moves on", {"conf.py": "\n".join(lines + ["m = 1"]) + "\n"})
    repo.git("checkout", "-q", "stable")
    repo.commit("stable: fix", {"conf.py": "\n".join([f"T = '{token}'"] + lines + ["s = 1"]) + "\n"})
    finding = only(history(repo.path, engine))
    assert finding.location.commit == added and finding.also_at == ()


def test_a_merge_reports_only_what_none_of_its_parents_had(tmp_path, engine):
    brought, resolved = fake_github_token(29), fake_github_token(30)
    lines = [f"v{n} = {n}" for n in range(30)]
    repo = GitRepo(tmp_path / "r")
    repo.commit("base", {"conf.py": "\n".join(lines) + "\n"})
    repo.git("checkout", "-q", "-b", "side")
    on_side = repo.commit("side", {"conf.py": "\n".join([f"T = '{brought}'"] + lines) + "\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main", {"conf.py": "\n".join(lines + ["w = 1"]) + "\n"})
    repo.git("merge", "-q", "--no-commit", "--no-ff", "side")
    merged = "\n".join([f"T = '{brought}'"] + lines + ["w = 1", f"U = '{resolved}'"]) + "\n"
    merge = repo.commit("merge", {"conf.py": merged})  # differs from both parents: in the merge's diff
    report = history(repo.path, engine)
    by_commit = {f.location.commit: f for f in report.findings if f.rule_id == "github.pat.classic"}
    assert set(by_commit) == {on_side, merge}
    assert by_commit[on_side].also_at == ()  # not reported again where the merge brings it in
    assert by_commit[merge].location.line == 33


def test_missing_blob_is_reported_and_the_scan_completes(tmp_path, engine):
    token = fake_github_token(25)
    repo = GitRepo(tmp_path / "r")
    lost = repo.commit("data", {"data/lost.txt": "this blob will vanish\n"})
    repo.commit("secret", {"app.cfg": f"token = {token}\n"})
    missing = repo.blob(f"{lost}:data/lost.txt")
    repo.loose_object(missing).unlink()
    report = history(repo.path, engine)
    assert only(report).location.path == "app.cfg"
    (error,) = report.errors
    assert error.path == "data/lost.txt" and missing in error.message and lost in error.message


def test_parallel_and_sequential_scans_agree(tmp_path, engine):
    repo = GitRepo(tmp_path / "r")
    tokens = [fake_github_token(100 + n) for n in range(12)]
    for n in range(80):  # over the sequential threshold: the worker pool runs
        files = {f"pkg/mod{n}.py": f"value = {n}\n"}
        if n % 7 == 0:
            files[f"secrets/s{n}.txt"] = f"token={tokens[n // 7]}\n"
        repo.commit(f"c{n}", files)
    parallel = history(repo.path, replace(engine, config=replace(engine.config, jobs=2)))
    sequential = history(repo.path, engine)
    assert parallel.stats.files == sequential.stats.files == 92
    assert [(f.location.path, f.location.commit) for f in parallel.findings] == \
        [(f.location.path, f.location.commit) for f in sequential.findings]
    assert len(parallel.findings) == 12


def test_range_scans_only_what_those_commits_added(tmp_path, engine):
    old_token, new_token, kept = fake_github_token(26), fake_github_token(27), fake_github_token(34)
    repo = GitRepo(tmp_path / "r")
    base = repo.commit("old secret", {"old.env": f"T={old_token}\n", "app.py": f"K = '{kept}'\nx = 1\n"})
    added = repo.commit("new secret", {"new.env": f"T={new_token}\n", "notes.md": "n\n",
                                       "app.py": f"K = '{kept}'\nx = 2\n"})
    head = repo.commit("docs", {"notes.md": "more notes\n"})
    handle = open_repository(str(repo.path))
    report = scan_history(handle, [f"^{base}", head], engine)
    finding = only(report)  # app.py changed in the range, but its old secret is not the range's doing
    assert finding.location.path == "new.env" and finding.location.commit == added
    assert report.stats.files == 4  # new.env, app.py and two versions of notes.md
    assert scan_history(handle, [f"^{added}", head], engine).findings == ()


def test_staged_content_is_scanned_with_staged_line_numbers(tmp_path, engine):
    token = fake_github_token(28)
    repo = GitRepo(tmp_path / "r")
    repo.commit("base", {"app.py": "a = 1\n"})
    repo.write("app.py", f"a = 1\n\nTOKEN = '{token}'\n")
    repo.git("add", "app.py")
    repo.write("app.py", f"# unstaged line\na = 1\n\nTOKEN = '{token}'\n")  # worktree differs from the index
    repo.write("untracked.py", f"T = '{fake_github_token(29)}'\n")
    report = scan_staged(open_repository(str(repo.path)), (), engine)
    finding = only(report)
    assert (finding.location.path, finding.location.line, finding.location.commit) == ("app.py", 3, None)
    # Given paths: their index content, changed or not.
    repo.git("commit", "-q", "-m", "commit it")
    assert scan_staged(open_repository(str(repo.path)), (), engine).findings == ()
    assert only(scan_staged(open_repository(str(repo.path)), ("app.py",), engine)).location.line == 3


def test_staged_scan_of_the_first_commit_and_of_a_deletion(tmp_path, engine):
    token = fake_github_token(30)
    repo = GitRepo(tmp_path / "r")
    repo.write("first.env", f"T={token}\n")
    repo.git("add", "first.env")
    assert only(scan_staged(open_repository(str(repo.path)), (), engine)).location.path == "first.env"
    repo.git("commit", "-q", "-m", "first")
    repo.git("rm", "-q", "first.env")
    assert scan_staged(open_repository(str(repo.path)), (), engine).findings == ()


def test_binary_blobs_are_skipped_and_huge_ones_reported(tmp_path, engine):
    repo = GitRepo(tmp_path / "r")
    (repo.path / "image.raw").write_bytes(b"\0\1\2 T=" + fake_github_token(31).encode())  # a NUL: binary
    repo.commit("files", {"notes.txt": "some text that is longer than twenty bytes\n"})
    report = history(repo.path, engine)
    assert report.findings == () and report.errors == () and report.stats.files == 1
    small = replace(engine, config=replace(engine.config, max_file_size=20))
    report = history(repo.path, small)
    assert [e.path for e in report.errors] == ["image.raw", "notes.txt"]
    assert all("size limit" in e.message for e in report.errors) and report.stats.files == 0


def test_empty_repository_scans_clean(tmp_path, engine):
    repo = GitRepo(tmp_path / "r")
    report = history(repo.path, engine)
    assert report.findings == () and report.errors == () and report.stats.files == 0


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.build(Config(jobs=1))


def test_a_worker_that_dies_is_retried_and_the_blob_it_dies_on_reported(tmp_path, engine, monkeypatch):
    import os

    from leakscan.pipeline import history as gitscan

    repo = GitRepo(tmp_path / "r")
    repo.commit("many", {f"f{n}.txt": f"{n}\n" for n in range(600)})
    monkeypatch.setattr(gitscan, "BATCH", 8)  # many more batches than a worker's queue holds
    real_scan = gitscan.BlobScanner.scan

    def scan(self, batch):
        if any(t.path == "f7.txt" for t in batch):
            os._exit(3)  # a crash in a worker process (forked: it inherits this patch)
        return real_scan(self, batch)

    monkeypatch.setattr(gitscan.BlobScanner, "scan", scan)
    report = history(repo.path, replace(engine, config=replace(engine.config, jobs=2)))
    # Its batches were scanned again, one blob at a time: only the blob it dies on is left out.
    assert [(e.path, e.message.split(" [")[0]) for e in report.errors] == [
        ("f7.txt", "not scanned: a scan worker died on this blob, also when retried")]
    assert report.stats.files == 599


def _fake_key_body(seed: int) -> str:
    import base64
    import random

    raw = random.Random(seed).randbytes(1190)  # the size of a 2048-bit RSA key, DER
    text = base64.b64encode(raw).decode()
    return "\n".join(text[i:i + 64] for i in range(0, len(text), 64))


def test_a_private_key_rotated_in_place_is_found_in_both_versions(tmp_path, engine):
    repo = GitRepo(tmp_path / "r")

    def config(seed: int) -> str:
        return ("service:\n  name: api\n  tls_key: |\n    -----BEGIN RSA PRIVATE KEY-----\n"
                + "\n".join("    " + line for line in _fake_key_body(seed).splitlines())
                + "\n    -----END RSA PRIVATE KEY-----\n  port: 443\n")

    first = repo.commit("key", {"deploy/service.yaml": config(1)})
    rotated = repo.commit("rotate key", {"deploy/service.yaml": config(2)})
    keys = [f for f in history(repo.path, engine).findings if f.rule_id == "keys.pem.private-key"]
    assert sorted(f.location.commit for f in keys) == sorted([first, rotated])
    assert {f.location.line for f in keys} == {4}


@pytest.mark.parametrize("notes, far_edit", [(50, None), (600, "note 590 ")])
def test_a_file_that_becomes_an_openapi_document_is_analysed_as_one(tmp_path, engine, notes, far_edit):
    """Versions of a path that held no document marker are tested for one only where they
    changed; the version that adds `openapi:` must still be taken for a spec. In a long file
    with another change far below, the marker is among the changed lines (blobdelta.changed_lines)."""
    plain = "info: {title: t, version: '1'}\npaths: {}\n" + "".join(f"# note {n} of many\n" for n in range(notes))
    body = plain.replace(far_edit, "note far below ") if far_edit else plain
    spec = ("openapi: 3.0.3\n" + body + "components:\n  securitySchemes:\n"
            "    q: {type: apiKey, in: query, name: appid}\n")
    repo = GitRepo(tmp_path / "r")
    repo.commit("draft", {"api/service.yaml": plain})
    repo.commit("edit", {"api/service.yaml": plain.replace("note 7 ", "note seven ")})
    became = repo.commit("make it a spec", {"api/service.yaml": spec})
    hit = only(history(repo.path, engine), "openapi.apikey-in-query")
    assert (hit.location.commit, hit.location.pointer) == (became, "/components/securitySchemes/q")


def test_a_document_marker_far_from_a_change_is_still_seen(tmp_path, engine):
    """The version before held the marker: the whole new version is tested again."""
    spec = ("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n"
            + "".join(f"# note {n}\n" for n in range(200)))
    repo = GitRepo(tmp_path / "r")
    repo.commit("spec", {"api/service.yaml": spec})
    added = repo.commit("credential in query", {"api/service.yaml": spec + (
        "components:\n  securitySchemes:\n    q: {type: apiKey, in: query, name: appid}\n")})
    hit = only(history(repo.path, engine), "openapi.apikey-in-query")
    assert hit.location.commit == added


def test_changes_far_apart_in_a_long_file_are_each_scanned(tmp_path, engine):
    """Only the changed lines of a long region are put to the prefilter and the encoded-value
    gate (blobdelta.changed_lines): a token, and one inside a base64 value, in the second of two
    changes thousands of lines apart are found at their lines."""
    import base64

    token, inner = fake_github_token(41), fake_github_token(42)
    encoded = base64.b64encode(f"github_token: {inner}".encode()).decode()
    lines = [f"setting_{n} = compute({n})  # unchanged line" for n in range(3000)]
    repo = GitRepo(tmp_path / "r")
    repo.commit("long file", {"settings.py": "\n".join(lines) + "\n"})
    lines[10] = "setting_10 = compute(11)  # edited"
    lines[2500] = f"GITHUB_TOKEN = '{token}'"
    lines[2990] = f'PAYLOAD = "{encoded}"'
    added = repo.commit("far edits", {"settings.py": "\n".join(lines) + "\n"})
    report = history(repo.path, engine)
    found = sorted((f.location.line, f.location.commit) for f in report.findings if f.rule_id == "github.pat.classic")
    assert found == [(2501, added), (2991, added)]


def test_a_file_that_becomes_a_json_document_below_blank_lines_is_analysed_as_one(tmp_path, engine):
    """The first byte that says `JSON` sits in the changed region, after unchanged blank lines."""
    import json

    blank = "\n" * 8
    repo = GitRepo(tmp_path / "r")
    repo.commit("placeholder", {"fixtures/customer.json": blank + "TODO: fill in\n"})
    filled = repo.commit("fill", {"fixtures/customer.json": blank + json.dumps(
        {"customer": {"contact": {"email": "dana.whitfield@corpmail.net"}}}, indent=1) + "\n"})
    hit = only(history(repo.path, engine), "pii.email")
    assert (hit.location.commit, hit.location.pointer) == (filled, "/customer/contact/email")


def test_workers_forked_while_the_walk_runs_do_not_hold_it_up(tmp_path, engine, monkeypatch):
    """Workers fork while a thread is still starting git processes for the walk: nothing they
    inherit may keep that thread or git waiting (a pipe's write end did, and so did the pipe
    on which subprocess waits for git's exec)."""
    import _posixsubprocess
    import threading
    import time

    from leakscan.sources.git import log as gitlog

    repo = GitRepo(tmp_path / "r")
    for n in range(80):  # more blobs than a scan runs in-process
        repo.commit(f"c{n}", {f"f{n}.txt": f"{n}\n"})
    monkeypatch.setattr(gitlog, "COMMITS_PER_PROCESS", 1)  # one git process per commit
    fork_exec = _posixsubprocess.fork_exec

    def slow_fork_exec(*args, **kwargs):  # widen the moment subprocess waits for the exec
        pid = fork_exec(*args, **kwargs)
        time.sleep(0.05)
        return pid

    monkeypatch.setattr(_posixsubprocess, "fork_exec", slow_fork_exec)
    reports = []
    scan = threading.Thread(target=lambda: reports.append(
        history(repo.path, replace(engine, config=replace(engine.config, jobs=2)))), daemon=True)
    scan.start()
    scan.join(timeout=120)
    assert not scan.is_alive(), "the history scan hung"
    assert reports[0].stats.files == 80 and reports[0].errors == ()

