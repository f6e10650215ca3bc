"""Worst rules on adversarial inputs: how long each takes on 64 KB and 1 MB.

Every rule is timed on its generated adversarial inputs of 64 KB
(leakscan/rules/adversarial.py: keywords and example prefixes repeated, long
runs without a terminator); the slowest are timed again at 1 MB. Times are
CPU seconds of the scanning thread, so other work on the machine matters
little. `--no-re2` runs every rule on `regex`, as before RE2 was used.

    python bench/rules_redos.py [--top 15] [--no-re2] [--rule ID ...]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from leakscan.engine.matcher import LINEAR, Matcher  # noqa: E402
from leakscan.pipeline.rule_screen import screen_rule  # noqa: E402
from leakscan.rules.loader import load_rules  # noqa: E402

SMALL, LARGE = 64 * 1024, 1024 * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=15, help="rules shown (and timed at 1 MB)")
    parser.add_argument("--no-re2", action="store_true", help="every rule on regex (the old engine)")
    parser.add_argument("--rule", action="append", default=[], help="only these rule ids")
    parser.add_argument("--guard", type=float, default=2.0, help="regex guard per search, seconds")
    args = parser.parse_args()
    rules = [r for r in load_rules() if r.pattern and (not args.rule or r.id in args.rule)]
    matcher = Matcher(rules, use_hyperscan=False, use_re2=not args.no_re2,
                      regex_timeout=args.guard, file_budget=float("inf"))
    started = time.perf_counter()
    small = sorted((screen_rule(matcher, i, SMALL) for i in range(len(matcher.rules))), key=lambda t: -t.seconds)
    engines = [matcher.compiled(i).engine for i in range(len(matcher.rules))]
    print(f"{len(rules)} rules: {engines.count(LINEAR)} on re2 (linear time), "
          f"{len(rules) - engines.count(LINEAR)} on regex (backtracking); "
          f"64 KB screen took {time.perf_counter() - started:.1f} s")
    index = {r.id: i for i, r in enumerate(matcher.rules)}
    print(f"{'rule':45} {'engine':6} {'64 KB':>9} {'1 MB':>9}  worst 64 KB input")
    for timing in small[:args.top]:
        large = screen_rule(matcher, index[timing.rule_id], LARGE)
        guard = " (guard hit)" if matcher.take_skipped() else ""
        print(f"{timing.rule_id:45} {timing.engine:6} {timing.seconds * 1000:7.1f}ms "
              f"{large.seconds * 1000:7.1f}ms  {timing.input_name}{guard}")


if __name__ == "__main__":
    main()
