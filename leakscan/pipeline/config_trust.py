"""Configuration that a scanned change brings is not applied to that change.

Otherwise a pull request could add `.leakscan.yaml` with `allow_paths: ['*']`, list its own
secret in the baseline, or disable the rule that would catch it, and pass CI. For a git scan
with a base revision (`--range A..B`: A; `--since-commit REV`: REV; staged content: HEAD),
every configuration file inside the repository -- the config file (found, or named with
--config), the baseline (--baseline, or `baseline:`) and extra rule packs (--rules, or
`rules:`) -- is read as the base revision has it, never from the work tree, and one the base
does not have is not applied. Where the work tree's version differs, the report says so in
`errors` ("configuration changed in scanned range: not applied"). A whole-history scan has
no base: a config file found in the repository is not applied (also said in `errors`), files
named on the command line are (the operator chose them). Files outside the repository are
the operator's and are applied as they are.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

from leakscan.config import ConfigError, find_config_file, parse_settings
from leakscan.model import ScanError
from leakscan.sources.git.repo import Repository, file_at

NOT_APPLIED = "configuration changed in scanned range: not applied"


class TrustedFiles:
    """Which version of each configuration file a scan may use, and notices for the others."""

    def __init__(self, repo: Repository, base: Callable[[], str | None]) -> None:
        self.runner = repo.runner
        self.root = Path(repo.runner.work_tree).resolve() if repo.runner.work_tree else None
        self._base_of = base
        self._copies: Path | None = None
        self.notices: list[ScanError] = []

    @property
    def copies(self) -> Path:
        """Where the base revision's versions are written, at their paths from the root; made
        for the first of them (a run without configuration files makes none)."""
        if self._copies is None:
            import tempfile

            self._copies = Path(tempfile.mkdtemp(prefix="leakscan-config-"))
        return self._copies

    def remove_copies(self) -> None:
        if self._copies is not None:
            import shutil

            shutil.rmtree(self._copies, ignore_errors=True)

    @cached_property
    def base(self) -> str | None:
        """The base revision, resolved when a file inside the repository first asks for it: a
        pre-commit run in a repository without configuration files runs no git for it."""
        return self._base_of()

    def take(self, path: str, explicit: bool) -> str | None:
        """The file to read for `path`: itself (outside the repository, or named for a scan
        without base), the base revision's copy, or None (not applied)."""
        rel = self._in_repository(Path(path))
        if rel is None:
            return path
        if self.base is None:
            if explicit:
                return path
            current = _read(Path(path))
            if current is not None and _has_settings(Path(path), current):
                    self._notice(rel, "a whole-history scan has no base revision to read it from "
                                  "(name it with --config to apply it)")
            return None
        committed = file_at(self.runner, self.base, rel)
        current = _read(Path(path))
        if committed is None:
            if current is not None and _has_settings(Path(path), current):
                self._notice(rel, f"the base revision {self.base[:12]} does not have it")
            return None
        if current != committed and not _same_settings(Path(path), current, committed):
            self._notice(rel, f"it differs from the base revision {self.base[:12]}, whose version is used")
        copy = self.copies / rel
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(committed)
        return str(copy)

    def adjust(self, settings: dict[str, Any]) -> dict[str, Any]:
        """A config file's settings, with the files it names (resolved next to the copy) taken
        from the base revision too."""
        out = dict(settings)
        if out.get("baseline"):
            baseline = self.take(self._from_copy(out["baseline"]), explicit=True)
            if baseline is None:
                del out["baseline"]
            else:
                out["baseline"] = baseline
        if out.get("rule_files"):
            taken = (self.take(self._from_copy(p), explicit=True) for p in out["rule_files"])
            out["rule_files"] = tuple(p for p in taken if p is not None)
        return out

    def _from_copy(self, path: str) -> str:
        """A path resolved next to a copy stands for the same path in the work tree."""
        if self._copies is None:  # no copy made, so none to resolve next to
            return path
        try:
            rel = Path(path).resolve().relative_to(self.copies.resolve())
        except ValueError:
            return path
        return str(self.root / rel) if self.root else path

    def _in_repository(self, path: Path) -> str | None:
        if self.root is None:
            return None
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return None

    def _notice(self, rel: str, why: str) -> None:
        notice = ScanError(rel, f"{NOT_APPLIED}: {why}")
        if notice not in self.notices:  # a file both named by the config and on the command line
            self.notices.append(notice)


@contextmanager
def trusted_settings(repo: Repository, base: Callable[[], str | None],
                     engine_kw: dict[str, Any]) -> Iterator[tuple[dict[str, Any], list[ScanError]]]:
    """`engine_kw` for make_config with every configuration file from the repository taken
    as the base revision (`base()`, asked once, only if a file needs it) has it; and the
    notices for the report. The copies live until the scan is done."""
    trust = TrustedFiles(repo, base)
    try:
        kw = dict(engine_kw)
        named = kw.pop("config_file", None)
        found = Path(named) if named else find_config_file(Path.cwd())
        kw["config_file"] = trust.take(str(found), explicit=bool(named)) if found else None
        kw.update(discover=False, adjust=trust.adjust)
        if kw.get("baseline"):
            kw["baseline"] = trust.take(str(kw["baseline"]), explicit=True)
        if kw.get("rule_files"):
            kw["rule_files"] = tuple(p for p in (trust.take(str(r), explicit=True) for r in kw["rule_files"]) if p)
        yield kw, trust.notices
    finally:
        trust.remove_copies()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _settings(path: Path, data: bytes) -> dict[str, Any] | None:
    try:
        return parse_settings(data.decode("utf-8"), path)
    except (ConfigError, UnicodeDecodeError):
        return None


def _has_settings(path: Path, data: bytes) -> bool:
    """Whether a file holds leakscan settings (a pyproject.toml may hold none)."""
    return path.name != "pyproject.toml" or bool(_settings(path, data))


def _same_settings(path: Path, current: bytes | None, committed: bytes) -> bool:
    """For a pyproject.toml, only [tool.leakscan] counts: a change elsewhere in it is not a
    configuration change."""
    if path.name != "pyproject.toml" or current is None:
        return False
    now, before = _settings(path, current), _settings(path, committed)
    return now is not None and now == before
