"""Do two revisions of leakscan report the same thing? JSON reports and baselines, compared byte for byte.

    python bench/compare_reports.py BEFORE_REV AFTER_REV [--corpus NAME ...]

Each revision is exported with `git archive` and installed (no dependencies,
they come from this environment) into a directory of its own, so each run
uses that revision's code and rule packs and nothing of the working tree.
Both then scan the public corpora in ../shared/bench: the leaky repository
(`scan`, and `baseline create`), the HAR samples (`scan`) and the OpenAPI
specs (`spec`). Timing fields are the only thing set aside (`stats.seconds`);
every other byte of the report must match. Prints one line per corpus and
exits 1 on any difference.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import REPO, SHARED_BENCH

VOLATILE_STATS = ("seconds",)


def corpora() -> dict[str, list[list[str]]]:
    leaky = str(SHARED_BENCH / "leaky-repo")
    return {
        "leaky-repo": [["scan", leaky, "--format", "json"], ["baseline", "create", leaky, "-o", "{baseline}"]],
        "har-samples": [["scan", str(SHARED_BENCH / "har-samples"), "--format", "json"]],
        "openapi-specs": [["spec", str(SHARED_BENCH / "openapi-specs"), "--format", "json"]],
    }


def install(rev: str, work: Path) -> Path:
    """Export REV and install it (package and rule packs) into a directory of its own."""
    source, site = work / f"src-{rev}", work / f"site-{rev}"
    source.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", rev], cwd=REPO, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--target", str(site), str(source)], check=True, capture_output=True)
    return site


def run(site: Path, args: list[str], work: Path) -> bytes:
    """One CLI run of the installed revision; the report (or baseline) as canonical bytes."""
    baseline = work / f"baseline-{site.name}.json"
    args = [a.replace("{baseline}", str(baseline)) for a in args]
    env = {**os.environ, "PYTHONPATH": str(site), "LEAKSCAN_CACHE_DIR": str(work / f"cache-{site.name}")}
    proc = subprocess.run([sys.executable, "-m", "leakscan", *args, "--no-progress"],
                          cwd=work, env=env, capture_output=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{site.name}: {' '.join(args)} exited {proc.returncode}: {proc.stderr.decode()[-400:]}")
    if "baseline" in args:
        return baseline.read_bytes()
    report = json.loads(proc.stdout)
    for key in VOLATILE_STATS:
        report.get("stats", {}).pop(key, None)
    return json.dumps(report, sort_keys=True, ensure_ascii=False).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--corpus", action="append", choices=sorted(corpora()))
    args = parser.parse_args()
    if not SHARED_BENCH.is_dir():
        raise SystemExit(f"no benchmark data at {SHARED_BENCH}")
    differ = False
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sites = {rev: install(rev, work) for rev in (args.before, args.after)}
        for name, commands in corpora().items():
            if args.corpus and name not in args.corpus:
                continue
            for command in commands:
                before, after = (run(sites[rev], command, work) for rev in (args.before, args.after))
                label = f"{name}: leakscan {' '.join(command[:2] if command[0] == 'baseline' else command[:1])}"
                if before == after:
                    findings = "" if command[0] == "baseline" else f", {len(json.loads(before)['findings'])} findings"
                    print(f"{label}: identical ({len(before):,} bytes{findings})")
                else:
                    differ = True
                    print(f"{label}: DIFFERENT ({len(before):,} vs {len(after):,} bytes)")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
