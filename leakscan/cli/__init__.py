"""Command line: build a Config, run the pipeline, write the report, return an exit code.

Each command group is a module of its own (scan, rules, spec, git and staged,
baseline, mask); what they share lives in `leakscan.cli.options`.
"""
from __future__ import annotations

import errno
import os
import sys
from typing import Any

import click

from leakscan import __version__
from leakscan.cli.options import _DEBUG, _LAST_IN_PROCESS, UsageFailure, debug_option
from leakscan.cli.output import OutputError
from leakscan.reporters.text import printable


class LeakscanGroup(click.Group):
    """Any exception that escapes a command ends as one line on stderr and exit 2.

    The traceback only with --debug: an exception's text may quote scanned content."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        _DEBUG["on"] = bool(os.environ.get("LEAKSCAN_DEBUG"))  # before --debug is parsed; never left from a last run
        return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort,
                KeyboardInterrupt, SystemExit):
            raise
        except OutputError as exc:
            raise UsageFailure(str(exc)) from exc
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise  # click handles a closed stdout
            raise UsageFailure(self._failure(exc, f"{exc.strerror or type(exc).__name__}"
                                             + (f": {printable(exc.filename)}" if exc.filename else ""))) from exc
        except MemoryError as exc:
            raise UsageFailure(self._failure(exc, "out of memory; scan fewer or smaller files at once "
                                                  "(--max-file-size, --jobs)")) from exc
        except Exception as exc:
            raise UsageFailure(self._failure(exc, f"internal error ({type(exc).__name__}); run again with "
                                                  "--debug for the traceback")) from exc

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *(n for names in COMMAND_MODULES.values() for n in names)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            _register_module_of(self, cmd_name)
        return super().get_command(ctx, cmd_name)

    @staticmethod
    def _failure(exc: BaseException, message: str) -> str:
        if _DEBUG["on"]:
            import traceback  # only with --debug: not imported at every start-up (issue 20.3)

            traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
        return message


@click.group(cls=LeakscanGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="leakscan")
@debug_option
def cli() -> None:
    """Find secrets, tokens in URLs, unmasked PII and stack traces."""


def _register_module_of(group: click.Group, cmd_name: str) -> None:
    import importlib

    for module_name, names in COMMAND_MODULES.items():
        if cmd_name in names:
            importlib.import_module(module_name).register(group)


def main() -> None:
    """The `leakscan` program: one command, then the process exits."""
    from leakscan.cli.signals import stopped_by_signals

    _LAST_IN_PROCESS["on"] = True  # make_engine may leave what lives until the exit to the OS
    with stopped_by_signals():  # Ctrl-C, SIGTERM: the scan's partial report, then exit 130 or 143
        try:
            cli(standalone_mode=True)
        except KeyboardInterrupt:  # pragma: no cover
            sys.exit(130)


# Each command module has `register(cli)`, which adds the commands named here; one module per
# line, in help order. A module is imported only when one of its commands runs (or help lists
# them all), so `leakscan staged` does not pay for `spec`, `mask` or `baseline` at start-up.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "leakscan.cli.scan": ("scan",),
    "leakscan.cli.rules": ("rules",),
    "leakscan.cli.spec": ("spec", "inventory"),
    "leakscan.cli.git": ("git", "staged"),
    "leakscan.cli.baseline": ("baseline",),
    "leakscan.cli.mask": ("mask",),
    "leakscan.cli.repos": ("repos",),
    "leakscan.cli.verify": ("verify",),
}
