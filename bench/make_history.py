"""Build a large synthetic git history for bench/history.py (no network, seconds to build).

    python bench/make_history.py OUT_DIR [--commits N] [--files-per-commit K] [--source DIR]

The first commit imports a source tree (this Python's standard library by
default, about 2,000 text files); each later commit edits K files (inserts,
deletes and rewrites lines), now and then adds or deletes one. A few
generated fake GitHub tokens are planted: one committed then deleted, one on
a branch that is never merged. Everything goes through `git fast-import`, so
thousands of commits take seconds. The result is deterministic for given
arguments.
"""
from __future__ import annotations

import argparse
import random
import string
import subprocess
import sys
import sysconfig
import zlib
from pathlib import Path

import _common  # noqa: F401  (puts the package on sys.path)

from leakscan.engine.validators import base62

MAX_SIZE = 512 * 1024
SKIP_PARTS = {"site-packages", "__pycache__", "idlelib", "tkinter"}


def fake_token(rng: random.Random) -> str:
    body = "".join(rng.choice(string.digits + string.ascii_letters) for _ in range(30))
    return "ghp_" + body + base62(zlib.crc32(body.encode()), 6)


def source_files(root: Path) -> dict[str, bytes]:
    files = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or SKIP_PARTS & set(rel.parts) or path.stat().st_size > MAX_SIZE:
            continue
        data = path.read_bytes()
        if b"\0" not in data[:8192]:
            files[rel.as_posix()] = data
    return files


class Stream:
    """Writes a fast-import stream: commits with inline file contents."""

    def __init__(self, out) -> None:
        self.out = out
        self.mark = 0
        self.time = 1_600_000_000

    def commit(self, ref: str, message: str, changes: dict[str, bytes | None], parent: int | None = None) -> int:
        self.mark += 1
        self.time += 3600
        w = self.out.write
        w(f"commit {ref}\nmark :{self.mark}\n".encode())
        w(f"committer Bench Bot <bench@example.com> {self.time} +0000\n".encode())
        msg = message.encode()
        w(b"data %d\n%s\n" % (len(msg), msg))
        if parent is not None:
            w(f"from :{parent}\n".encode())
        for path, data in sorted(changes.items()):
            if data is None:
                w(f"D {path}\n".encode())
            else:
                w(f"M 100644 inline {path}\ndata {len(data)}\n".encode())
                w(data + b"\n")
        w(b"\n")
        return self.mark


def edit(data: bytes, rng: random.Random, n: int) -> bytes:
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(lines) + 1)
        action = rng.random()
        if action < 0.5:
            word = "".join(rng.choice(string.ascii_lowercase) for _ in range(24)).encode()
            lines.insert(at, b"# edit %d: %s" % (n, word))
        elif action < 0.8 and len(lines) > 3:
            del lines[min(at, len(lines) - 1)]
        else:
            lines[min(at, len(lines) - 1)] += b"  # touched %d" % n
    return b"\n".join(lines)


def build(out_dir: Path, commits: int, per_commit: int, source: Path, seed: int = 7) -> None:
    rng = random.Random(seed)
    files = source_files(source)
    subprocess.run(["git", "init", "-q", "--bare", str(out_dir)], check=True)
    proc = subprocess.Popen(["git", "--git-dir", str(out_dir), "fast-import", "--quiet"], stdin=subprocess.PIPE)
    stream = Stream(proc.stdin)
    head = stream.commit("refs/heads/main", "import", dict(files))
    names = sorted(files)
    planted_at = commits // 3
    for n in range(1, commits):
        changes: dict[str, bytes | None] = {}
        for name in rng.sample(names, per_commit):
            files[name] = edit(files[name], rng, n)
            changes[name] = files[name]
        if n == planted_at:  # committed, then deleted a few commits later
            changes["deploy/settings.env"] = f"GITHUB_TOKEN={fake_token(rng)}\n".encode()
        if n == planted_at + 5:
            changes["deploy/settings.env"] = None
        head = stream.commit("refs/heads/main", f"change {n}", changes, head)
        if n == commits // 2:  # a branch that is never merged
            secret = f"export GH_TOKEN={fake_token(rng)}\n".encode()
            stream.commit("refs/heads/experiment", "wip", {"scripts/ci.sh": secret}, head)
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "--git-dir", str(out_dir), "gc", "-q"], check=True)  # one pack, deltified, as clones are


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--commits", type=int, default=5000)
    parser.add_argument("--files-per-commit", type=int, default=6)
    parser.add_argument("--source", type=Path, default=Path(sysconfig.get_paths()["stdlib"]))
    args = parser.parse_args()
    if args.out.exists():
        sys.exit(f"{args.out} exists; remove it first")
    build(args.out, args.commits, args.files_per_commit, args.source)
    count = subprocess.run(["git", "--git-dir", str(args.out), "count-objects", "-vH"], capture_output=True, text=True)
    print(f"built {args.out}: {args.commits} commits\n{count.stdout}")


if __name__ == "__main__":
    main()
