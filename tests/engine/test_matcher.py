from __future__ import annotations

import posixpath
import random

from leakscan.engine.matcher import GlobGate, compile_globs

_PIECES = ["a", "b", ".", "/", "env", "json", "config", "credentials", "key", ".env", "x.json", "-", "master",
           ".git-credentials", "msmtp", "[", "]", "?", "*"]


def _name(rng: random.Random, pieces: list[str], longest: int) -> str:
    return "".join(rng.choice(pieces) for _ in range(rng.randint(0, longest)))


def test_the_glob_gate_lets_through_every_path_a_glob_matches():
    rng = random.Random(4)
    plain = [p for p in _PIECES if p not in ("*", "?", "[", "]")]
    turned_away = 0
    for _ in range(300):
        globs = [_name(rng, _PIECES, 5) for _ in range(rng.randint(1, 4))]
        gate, test = GlobGate(globs), compile_globs(globs)
        for _ in range(40):
            path = _name(rng, plain, 8)
            base = posixpath.basename(path)
            if test.match(path) or test.match(base):
                assert gate.may_match(path, base), (globs, path)
            elif not gate.may_match(path, base):
                turned_away += 1
    assert turned_away > 1000  # and it does turn paths away


def test_the_glob_gate_reads_a_glob_by_its_text_around_the_wildcards():
    assert GlobGate(["*/msmtp/config"]).may_match("home/msmtp/config", "config")
    assert not GlobGate(["*/msmtp/config"]).may_match("home/config", "config")
    assert GlobGate([".env.*"]).may_match("app/.env.local", ".env.local")
    assert not GlobGate([".env.*"]).may_match("app/x.env", "x.env")
    assert GlobGate(["master.key"]).may_match("config/master.key", "master.key")
    assert GlobGate(["*.[ch]"]).always and not GlobGate(["*.json", "id_?sa"]).always


def test_the_glob_gate_of_the_shipped_rules_answers_as_their_globs(engine):
    matcher = engine.matcher
    globs = sorted({glob for rule in matcher.rules for glob in rule.paths})
    rng = random.Random(6)
    pieces = [*_PIECES[:-4], "src/", "app.py", "README.md", ".npmrc", "settings", ".yaml", ".har", ".pgpass", ".s3cfg"]
    paths = [_name(rng, pieces, 6) for _ in range(3000)] + [glob.replace("*", "x") for glob in globs]
    for path in paths:
        base = posixpath.basename(path)
        expected = tuple(sorted(i for test, ids in matcher._limited if test.match(path) or test.match(base)
                                for i in ids))
        assert matcher.applicable_limited(path) == expected, path
    gate = GlobGate(globs)
    assert not gate.always and not gate.may_match("Lib/asyncio/tasks.py", "tasks.py")


def test_a_glob_list_is_compiled_only_when_a_path_may_match_it(engine):
    matcher = type(engine.matcher)(engine.matcher.rules)
    assert matcher.applicable_limited("src/app.py") == ()
    assert not any(test._pattern for test, _ in matcher._limited)  # a source file compiles no glob list
    assert matcher.applicable_limited("deploy/app.ini")
    compiled = [test for test, _ in matcher._limited if test._pattern is not None]
    assert compiled and all(test.gate.may_match("deploy/app.ini", "app.ini") for test in compiled)


def test_prefilters_made_together_before_a_fork_are_those_made_one_at_a_time(tmp_path, monkeypatch):
    """`prepare` makes the prefilters of several path classes at once (threads, a cold cache): each
    path gets the prefilter of its own rules, as when they are made on first use."""
    from leakscan.engine.matcher import Matcher
    from leakscan.rules.loader import load_rules

    monkeypatch.setenv("LEAKSCAN_CACHE_DIR", str(tmp_path))
    rules = load_rules()
    chosen = [r for r in rules if r.paths] + [r for r in rules if not r.paths][:40]
    paths = ["app/.env", "db/dump.json", "etc/my.cnf", "capture.har", "src/app.py", "conf/app.ini"]
    prepared, lazy = Matcher(chosen), Matcher(chosen)
    prepared.prepare(paths)
    assert len({prepared.applicable_limited(p) for p in paths} - {()}) >= 2  # made together, on threads
    text = "\n".join(example for rule in chosen for example in rule.examples)
    for path in paths:
        assert prepared.applicable_limited(path) in prepared._prefilters
        assert [m.rule.id for m in prepared.find(text, path)] == [m.rule.id for m in lazy.find(text, path)], path
