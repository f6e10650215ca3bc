"""A large capture named on the command line is held once while it is scanned: its text, not its bytes too."""
from __future__ import annotations

import subprocess
import sys

from ..analyzers.capture.test_streaming import _large_body_har

# The peak RSS of the scan alone, in a fresh process, the engine built first (Linux: clear_refs resets
# the peak); tracemalloc would count the read buffer sized by the file limit, allocated but never touched.
_SCAN = """
import sys
from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.pipeline.tree import scan_paths
engine = Engine.build(Config(jobs=1))
with open("/proc/self/clear_refs", "w") as handle:
    handle.write("5")
report = scan_paths([sys.argv[1]], engine)
with open("/proc/self/status") as handle:
    peak = next(int(line.split()[1]) * 1024 for line in handle if line.startswith("VmHWM:"))
print(len(report.findings), len(report.errors), peak)
"""


def _peak_rss(path) -> int:
    out = subprocess.run([sys.executable, "-c", _SCAN, str(path)], capture_output=True, text=True, check=True)
    findings, errors, peak = (int(word) for word in out.stdout.split())
    assert (findings, errors) == (1, 0)  # one email, seen in every entry
    return peak


def test_a_large_har_is_held_once(tmp_path):
    small, large = tmp_path / "small.har", tmp_path / "large.har"
    small.write_text(_large_body_har(25), encoding="utf-8")  # about 7 MB and 22 MB
    large.write_text(_large_body_har(75), encoding="utf-8")
    growth = _peak_rss(large) - _peak_rss(small)
    # The text read whole (once) and an entry or two; its bytes as well would make it twice the input.
    assert growth < 1.5 * (large.stat().st_size - small.stat().st_size), growth
