"""The JSON report written one finding at a time: the same bytes as the whole report dumped at once."""
from __future__ import annotations

import io
import json
import shutil
import tracemalloc
from dataclasses import replace

import pytest

from leakscan.model import Endpoint, Report, RepositoryStatus, ScanError, ScanStats, Verification
from leakscan.pipeline.tree import scan_paths
from leakscan.reporters import REPORTERS, ReportOptions
from leakscan.reporters.json_report import report_dict
from leakscan.reporters.sarif import sarif_dict

from ..conftest import FIXTURES, fake_github_token, fake_password, fake_user_name


class Recorder(io.StringIO):
    """A stream that remembers each string written to it."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


@pytest.fixture(scope="module")
def report(tmp_path_factory, engine) -> Report:
    """Many findings (tokens, passwords, a capture's PII), an endpoint, an error, repositories, a verification."""
    root = tmp_path_factory.mktemp("streamed")
    for part in range(6):
        tokens = (fake_github_token(100 * part + i) for i in range(100))
        (root / f"tokens-{part}.env").write_text("".join(f"GH_{i}={token}\n" for i, token in enumerate(tokens)))
    (root / "dé jà.env").write_text(f"DB_USER={fake_user_name(7)}\nDB_PASSWORD={fake_password(7)}\n")
    shutil.copy(FIXTURES / "captures" / "shop-session.har", root / "shop-session.har")
    scanned = scan_paths([str(root)], engine)
    assert len(scanned.findings) > 600
    first = replace(scanned.findings[0], verification=Verification("invalid", "2026-01-01T00:00:00Z", "github"))
    return Report((first, *scanned.findings[1:]), (ScanError(str(root / "ünreadable"), "permission denied"),),
                  ScanStats(scanned.stats.files, scanned.stats.bytes, 1.5, 1, (("binary", 2),), incomplete=True),
                  endpoints=(Endpoint("GET", "shop.example", "/users/{id}", ("bearer",), (200,), ("email",)),),
                  rules_hash="abc123",
                  repositories=(RepositoryStatus("r", "scanned", findings=3, workers=("w1",)),))


def streamed(report: Report, fmt: str, show_secrets: bool = False) -> Recorder:
    out = Recorder()
    REPORTERS[fmt](report, out, ReportOptions(show_secrets=show_secrets))
    return out


@pytest.mark.parametrize("show_secrets", [False, True])
def test_json_streamed_is_the_dumped_report_byte_for_byte(report, show_secrets):
    whole = json.dumps(report_dict(report, show_secrets), indent=2, ensure_ascii=False) + "\n"
    assert streamed(report, "json", show_secrets).getvalue() == whole


@pytest.mark.parametrize("show_secrets", [False, True])
def test_sarif_streamed_is_the_dumped_log_byte_for_byte(report, show_secrets):
    whole = json.dumps(sarif_dict(report, show_secrets), indent=2, ensure_ascii=False) + "\n"
    assert streamed(report, "sarif", show_secrets).getvalue() == whole


@pytest.mark.parametrize("fmt, key", [("json", '"fingerprint": '), ("sarif", '"leakscan/v1": ')])
def test_no_write_holds_more_than_one_finding(report, fmt, key):
    out = streamed(report, fmt)
    assert out.getvalue().count(key) == len(report.findings)
    assert max(write.count(key) for write in out.writes) == 1
    assert max(len(write) for write in out.writes) < len(out.getvalue()) / 4


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_no_findings_is_an_empty_list(report, fmt):
    empty = Report((), (), ScanStats(0, 0, 0.0, 0))
    whole = report_dict(empty) if fmt == "json" else sarif_dict(empty)
    assert streamed(empty, fmt).getvalue() == json.dumps(whole, indent=2, ensure_ascii=False) + "\n"


class Discard(io.TextIOBase):
    """A stream that keeps nothing: what the reporter itself holds is all that is measured."""

    def write(self, text: str) -> int:
        return len(text)


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_the_report_is_never_held_whole(report, fmt):
    size = len(streamed(report, fmt).getvalue())
    tracemalloc.start()
    try:
        REPORTERS[fmt](report, Discard(), ReportOptions())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # The findings' dicts or text all at once would take about the report's size (or more).
    assert peak < size / 5


class _Text(str):
    pass


class _Number(float):
    pass


_AWKWARD = [None, True, False, 0, -7, 10 ** 30, 1.5, 1e16, 1e-7, float("nan"), float("inf"), float("-inf"),
            "é\n\"q\\\u2028\x00\ud800", _Text("a str subclass"), _Number(2.5), {}, [], (), {"a": []},
            {3: 2, 2.5: 3, True: 4, None: 5, "k": {}, _Number(1.25): 6, float("nan"): 7},
            {"nested": [[[]], [{}], [{"x": [1, {"y": None}]}]]}]


@pytest.mark.parametrize("indent", ["", "  ", "    "])
def test_a_value_is_encoded_as_json_dump_writes_it_at_its_depth(indent):
    """The report's own indented encoder (the standard library's is pure Python, a tenth of a large
    capture's scan) gives json.dump's bytes for every kind of value a finding or envelope can hold."""
    from leakscan.reporters.json_report import _encoded

    for value in [*_AWKWARD, _AWKWARD]:
        expected = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + indent)
        assert _encoded(value, indent) == expected, value


def test_a_key_json_turns_down_is_turned_down_as_json_does():
    from leakscan.reporters.json_report import _encoded

    with pytest.raises(TypeError, match="keys must be str"):
        _encoded({object(): 1}, "")
