from __future__ import annotations

import os
import random

import pytest

from leakscan.sources.git import blobdelta
from leakscan.sources.git.blobdelta import Version, VersionCache, common_prefix, common_suffix, fresh_part


def naive_prefix(a: bytes, b: bytes) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def naive_suffix(a: bytes, b: bytes, limit: int) -> int:
    n = 0
    while n < limit and a[len(a) - 1 - n] == b[len(b) - 1 - n]:
        n += 1
    return n


@pytest.mark.parametrize("seed", range(40))
def test_prefix_and_suffix_match_a_byte_by_byte_count(seed):
    rng = random.Random(seed)
    base = os.urandom(rng.choice([0, 1, 100, 4096, 4097, 20000, 70000]))
    a, b = bytearray(base), bytearray(base)
    for _ in range(rng.randint(0, 3)):
        if b:
            b[rng.randrange(len(b))] ^= 1 + rng.randrange(255)
    if rng.random() < 0.5:
        b[rng.randrange(len(b) + 1):0] = os.urandom(rng.randint(1, 300))
    a, b = bytes(a), bytes(b)
    prefix = common_prefix(a, b)
    assert prefix == naive_prefix(a, b)
    limit = min(len(a), len(b)) - prefix
    assert common_suffix(a, b, limit) == naive_suffix(a, b, limit)


def lines_of(fresh) -> dict[int, bytes]:
    """Kept (non-empty) lines by 1-based line number in the file."""
    return {fresh.line_offset + i + 1: line for i, line in enumerate(fresh.data.split(b"\n")) if line}


def test_only_added_lines_and_a_little_context_are_kept_at_their_numbers():
    old = b"".join(b"line %d\n" % n for n in range(1, 101))
    new = old.replace(b"line 40\n", b"line 40\nsecret = 'x'\n").replace(b"line 90\n", b"line ninety\n")
    fresh = fresh_part(old, new)
    new_lines = new.split(b"\n")
    expected = {n: new_lines[n - 1] for n in [*range(38, 44), *range(88, 94)]}  # 3 lines before, 2 after
    assert lines_of(fresh) == expected and fresh.added == {41, 91}
    assert fresh.is_new(41, 41) and not fresh.is_new(40, 40) and fresh.is_new(39, 41)


def test_a_private_key_replaced_between_unchanged_markers_is_kept_whole():
    body_a = [b"A" * 64] * 20
    body_b = [b"B" * 64] * 20
    frame = [b"config:", b"  key: |"]
    old = b"\n".join(frame + [b"-----BEGIN PRIVATE KEY-----", *body_a, b"-----END PRIVATE KEY-----", b"x: 1"])
    new = old.replace(b"A" * 64, b"B" * 64)
    kept = b"\n".join(line for line in fresh_part(old, new).data.split(b"\n") if line)
    assert kept.count(b"-----BEGIN PRIVATE KEY-----") == 1 and b"\n".join(body_b) in kept
    assert b"-----END PRIVATE KEY-----" in kept


def test_nothing_new_means_nothing_to_scan():
    old = b"a\nb\nc\nd\n"
    assert fresh_part(old, b"a\nc\nd\n") is None  # a deletion
    assert fresh_part(old, b"d\nc\nb\na\n") is None  # lines moved
    assert fresh_part(old, b"\n" + old) is None  # only an empty line: nothing to find there


def test_first_version_and_utf16_are_scanned_whole():
    new = b"x = 1\n"
    assert fresh_part(None, new).data is new
    utf16 = "a = 1\nb = 2\n".encode("utf-16")
    assert fresh_part(utf16, utf16 + "c\n".encode("utf-16-le")).data.startswith(b"\xff\xfe")


def test_a_line_split_or_joined_is_new():
    assert lines_of(fresh_part(b"key = abc\n", b"key =\nabc\n")) == {1: b"key =", 2: b"abc"}
    assert lines_of(fresh_part(b"key =\nabc\n", b"key = abc\n")) == {1: b"key = abc"}


def test_the_last_version_at_each_path_and_the_versions_it_replaced_are_found():
    versions = VersionCache(budget=20, latest_share=0.5)  # 10 bytes for last versions, 10 for replaced ones
    versions.put(Version("a1", "a", b"123"))
    versions.put(Version("a2", "a", b"456"))
    assert versions.latest("a").sha == "a2" and versions.get("a1").data == b"123" and versions.size == 6
    assert versions.get(None) is None and versions.get("zz") is None and versions.latest("nowhere") is None


def test_busy_paths_do_not_push_out_the_last_version_of_quiet_ones():
    versions = VersionCache(budget=20, latest_share=0.5)
    versions.put(Version("q1", "quiet", b"12345"))
    for n in range(10):  # a busy file: each version replaces the last
        versions.put(Version(f"b{n}", "busy", b"abcde"))
    assert versions.latest("quiet").sha == "q1"  # one LRU over all versions would have lost it
    assert versions.get("b8") is not None and versions.get("b6") is None  # replaced ones: the recent few
    assert versions.size <= 20


def test_each_tier_forgets_its_least_recently_used_first():
    versions = VersionCache(budget=20, latest_share=0.5)
    for path in "abc":
        versions.put(Version(f"{path}1", path, b"1234"))
    assert versions.latest("a") is None and versions.get("a1").data == b"1234"  # moved to the replaced tier
    versions.get("b1")  # used: now the most recent of the last versions
    versions.put(Version("d1", "d", b"1234"))
    assert versions.latest("b").sha == "b1" and versions.latest("c") is None and versions.get("c1") is not None
    versions.put(Version("huge", "h", b"x" * 11))  # larger than a tier: not kept
    assert versions.get("huge") is None and versions.latest("h") is None and versions.size <= 20


def test_a_blob_that_is_the_last_version_at_two_paths_stays_found_at_both():
    versions = VersionCache(budget=100)
    versions.put(Version("s", "a", b"same"))
    versions.put(Version("s", "b", b"same"))
    versions.put(Version("a2", "a", b"new"))
    assert versions.latest("b").sha == "s" and versions.get("s") is not None


def reference(old: bytes, new: bytes) -> set[int]:
    """Line numbers (1-based) of `new` whose content is in no line of `old`: what must be scanned."""
    before = set(old.split(b"\n"))
    return {i + 1 for i, line in enumerate(new.split(b"\n")) if line and line not in before}


@pytest.mark.parametrize("few", [0, 32])  # lines marked one by one, or found by search
@pytest.mark.parametrize("seed", range(25))
def test_every_new_line_is_kept_whichever_way_it_is_found(seed, few, monkeypatch):
    monkeypatch.setattr(blobdelta, "_FEW", few)
    rng = random.Random(seed)
    words = [b"alpha", b"beta", b"gamma", b"token = 'x%d'" % seed, b"", b"end"]
    old_lines = [rng.choice(words) + b" %d" % rng.randrange(50) for _ in range(rng.randint(1, 300))]
    new_lines = list(old_lines)
    for _ in range(rng.randint(1, 6)):
        at = rng.randrange(len(new_lines) + 1)
        if rng.random() < 0.6:
            new_lines.insert(at, rng.choice(words) + b" new %d" % rng.randrange(5))
        elif new_lines:
            del new_lines[min(at, len(new_lines) - 1)]
    old, new = b"\n".join(old_lines) + b"\n", b"\n".join(new_lines) + b"\n"
    fresh = fresh_part(old, new)
    must = reference(old, new)
    if fresh is None:
        assert not must
        return
    assert must <= fresh.added  # nothing new is missed
    kept = lines_of(fresh)
    new_by_number = {i + 1: line for i, line in enumerate(new.split(b"\n"))}
    assert all(new_by_number[n] == line for n, line in kept.items())  # kept lines sit at their true numbers
    assert all(n - 1 in kept or not new_by_number.get(n - 1) for n in must)  # with the line before


def test_a_note_is_kept_and_forgotten_with_its_version():
    versions = VersionCache(budget=10, latest_share=0.5)
    versions.put(Version("a1", "a", b"12345", True))
    versions.put(Version("b1", "b", b"123", False))  # the last versions' half is 5 bytes: a1 moves on
    assert (versions.get("a1").note, versions.get("b1").note) == (True, False)
    versions.put(Version("a2", "a", b"1234"))  # b1 joins the replaced ones, a1 is forgotten
    assert versions.get("a1") is None and versions.get("b1").note is False and versions.get("a2").note is None


def test_the_changed_region_holds_every_added_line():
    rng = random.Random(3)
    for _ in range(200):
        old = [b"l%d" % rng.randrange(20) for _ in range(rng.randrange(0, 40))]
        new = list(old)
        for _ in range(rng.randrange(1, 4)):
            new.insert(rng.randrange(len(new) + 1), b"new%d" % rng.randrange(9))
        a, b = b"\n".join(old) + b"\n", b"\n".join(new) + b"\n"
        region = blobdelta.changed_region(a, b)
        fresh = fresh_part(a, b)
        if fresh is None:
            continue
        kept = blobdelta.changed_bytes(b, region)
        assert all(line in kept.split(b"\n") for line in lines_of(fresh).values())


@pytest.mark.parametrize("seed", range(20))
def test_with_slack_prefix_and_suffix_fall_short_by_at_most_the_slack(seed):
    rng = random.Random(seed)
    a = os.urandom(rng.choice([10, 5000, 40000]))
    b = bytearray(a)
    b[rng.randrange(len(b))] ^= 0xFF
    b = bytes(b)
    exact = naive_prefix(a, b)
    assert exact - 128 <= common_prefix(a, b, 128) <= exact
    limit = len(a) - exact
    exact_suffix = naive_suffix(a, b, limit)
    assert exact_suffix - 128 <= common_suffix(a, b, limit, 128) <= exact_suffix


def kept_runs(fresh) -> list[bytes]:
    """fresh_part's kept lines (its added lines and their context) as runs of consecutive lines."""
    lines = fresh.data.split(b"\n")
    kept = sorted({n - fresh.line_offset - 1 + d for n in fresh.added
                   for d in range(-blobdelta.CONTEXT_BEFORE, blobdelta.CONTEXT_AFTER + 1)} & set(range(len(lines))))
    runs, current = [], []
    for index in kept:
        if current and index != current[-1] + 1:
            runs.append(current)
            current = []
        current.append(index)
    return [b"\n".join(lines[i] for i in run) for run in runs + [current] if run]


def edited(rng: random.Random, old: list[bytes], edits: int) -> list[bytes]:
    """`old` with lines inserted, replaced, deleted and moved, some of them lines that recur."""
    new = list(old)
    for _ in range(edits):
        kind, at = rng.randrange(4), rng.randrange(len(new) + 1)
        line = rng.choice([b"}", b"", b"    return x", b"new %d" % rng.randrange(50), rng.choice(old or [b"x"])])
        if kind == 0 or not new:
            new.insert(at, line)
        elif kind == 1:
            new[min(at, len(new) - 1)] = line
        elif kind == 2:
            del new[min(at, len(new) - 1)]
        else:
            moved = new.pop(min(at, len(new) - 1))
            new.insert(rng.randrange(len(new) + 1), moved)
    return new


@pytest.mark.parametrize("seed", range(60))
def test_changed_lines_hold_every_run_that_fresh_part_keeps(seed):
    rng = random.Random(seed)
    vocabulary = [b"}", b"", b"    return x", *(b"def f%d(a, b):  # %012x" % (n, rng.getrandbits(48))
                                                 for n in range(rng.choice([5, 60, 400])))]
    old = [rng.choice(vocabulary) for _ in range(rng.choice([50, 300, 3000]))]
    new = edited(rng, old, rng.randint(1, 40))
    a, b = b"\n".join(old) + b"\n", b"\n".join(new) + rng.choice([b"\n", b""])
    region = blobdelta.changed_region(a, b)
    fresh = fresh_part(a, b, region)
    looked_at = blobdelta.changed_lines(a, b, region)
    if fresh is not None:
        for run in kept_runs(fresh):
            assert run in looked_at
    assert len(looked_at) <= len(blobdelta.changed_bytes(b, region)) + len(b) // 8  # (joins add newlines)


def test_changed_lines_leave_out_what_lies_between_changes_far_apart():
    old = [b"line %d of a long file, unchanged" % n for n in range(3000)]
    new = list(old)
    new[100] = b"token = 'first change'"
    new[2900] = b"password = 'second change'"
    a, b = b"\n".join(old) + b"\n", b"\n".join(new) + b"\n"
    region = blobdelta.changed_region(a, b)
    looked_at = blobdelta.changed_lines(a, b, region)
    assert b"first change" in looked_at and b"second change" in looked_at
    assert b"line 97 of" in looked_at and b"line 2902 of" in looked_at  # the context fresh_part keeps
    assert b"line 1500 of" not in looked_at and len(looked_at) < 1000 < region.end - region.start


def test_small_regions_and_new_files_are_looked_at_whole():
    old = b"".join(b"line %d\n" % n for n in range(50))
    new = old.replace(b"line 3\n", b"line three\n").replace(b"line 45\n", b"line forty-five\n")
    region = blobdelta.changed_region(old, new)
    assert region.end - region.start < blobdelta.WALKED_REGION
    assert blobdelta.changed_lines(old, new, region) == blobdelta.changed_bytes(new, region)
    assert blobdelta.changed_lines(None, new, None) == new


def test_a_block_of_inserted_lines_is_passed_over_by_finding_the_old_line_after_it():
    """Eight or more new lines in a row: none of them is in the old version, so the walk finds the
    old line that follows them in the new one instead of keeping the rest of the region."""
    old = [b"entry %d: a line of the changelog" % n for n in range(3000)]
    new = [b"inserted note %d, not in the old version" % n for n in range(40)] + old
    new[2900] = b"entry 2900: edited far below"
    a, b = b"\n".join(old) + b"\n", b"\n".join(new) + b"\n"
    region = blobdelta.changed_region(a, b)
    looked_at = blobdelta.changed_lines(a, b, region)
    assert b"inserted note 39" in looked_at and b"edited far below" in looked_at
    assert b"entry 1500:" not in looked_at


def test_changes_close_together_are_kept_whole_past_the_walks_budget():
    """A change every 25 lines (about 700 bytes): more than the walk pays for, so after its budget
    the rest of the region is kept whole, unchanged lines between changes too."""
    old = [b"value_%d = compute(%d)" % (n, n) for n in range(400)]
    new = [line + b"  # edited" if n % 25 == 0 else line for n, line in enumerate(old)]
    a, b = b"\n".join(old) + b"\n", b"\n".join(new) + b"\n"
    region = blobdelta.changed_region(a, b)
    looked_at = blobdelta.changed_lines(a, b, region)
    assert b"value_37 = compute(37)\n" not in looked_at  # walked past: 12 lines from a change
    assert b"value_362 = compute(362)\n" in looked_at  # kept whole, past the budget
    assert all(line in looked_at for line in new if line.endswith(b"# edited"))


@pytest.mark.parametrize("seed", range(30))
def test_the_old_regions_lines_are_found_from_the_new_ones(seed):
    """changed_region looks for the margin lines in the new version only: the old version's are
    the same lines, before the common prefix and in the common suffix."""
    rng = random.Random(seed)
    old = [b"line %d" % rng.randrange(30) for _ in range(rng.randrange(0, 60))]
    a = b"\n".join(old) + rng.choice([b"\n", b""])
    b = b"\n".join(edited(rng, old, rng.randint(1, 5))) + rng.choice([b"\n", b""])
    prefix = common_prefix(a, b, 128)
    suffix = common_suffix(a, b, min(len(a), len(b)) - prefix, 128)
    region = blobdelta.changed_region(a, b)
    assert (region.start, region.end) == blobdelta._changed_lines(b, prefix, suffix)
    assert (region.old_start, region.old_end) == blobdelta._changed_lines(a, prefix, suffix)
