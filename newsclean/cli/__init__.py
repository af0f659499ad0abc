"""The `newsclean` command: a thin shell over the library (newsclean.run, newsclean.pipeline).

This module holds the click group and its one-line errors; `options` the options several commands share;
`clean`, `explain`, `rules` and `dedup` one command each.

Every error a user can cause -- an unknown option, a missing or unreadable input, a broken rule file, a
resume that does not match -- ends the command with one line on stderr (``newsclean: error: ...``) and a
non-zero exit status (2 for usage errors, 1 otherwise, 130 when interrupted), never a traceback. An
unexpected failure prints one line too; ``NEWSCLEAN_DEBUG=1`` shows its traceback.
"""
from __future__ import annotations

import errno
import os
import sys
from importlib import import_module

import click

from .. import __version__
from .options import EXIT_INTERNAL, EXIT_INTERRUPTED, run_as_the_command


def _say_error(message: str) -> None:
    click.echo(f"newsclean: error: {' '.join(message.split())}", err=True)


class _OneLineErrors(click.Group):
    """A group whose errors are one line each, whatever goes wrong."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        if args is None:  # the process's own command line: this process is the command (not a test runner)
            run_as_the_command()
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            _say_error(exc.format_message() + hint)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            _say_error(exc.format_message())
            sys.exit(exc.exit_code)
        except click.Abort:
            _say_error("interrupted")
            sys.exit(EXIT_INTERRUPTED)
        except OSError as exc:
            if exc.errno == errno.EPIPE:  # `newsclean clean ... -o - | head`: the reader has gone
                sys.exit(1)
            if os.environ.get("NEWSCLEAN_DEBUG"):
                raise
            _say_error(f"{exc.filename + ': ' if exc.filename else ''}{exc.strerror or exc}")
            sys.exit(1)
        except Exception as exc:  # noqa: BLE001 - a bug: still one line, unless asked for the traceback
            if os.environ.get("NEWSCLEAN_DEBUG"):
                raise
            _say_error(f"internal error: {type(exc).__name__}: {exc} (NEWSCLEAN_DEBUG=1 shows the traceback)")
            sys.exit(EXIT_INTERNAL)
        sys.exit(rv if isinstance(rv, int) else 0)


# Each command's module and function, imported when the command runs (or when help lists it): a run of
# `newsclean clean` does not import the dedup, explain and rules commands and what they need.
COMMANDS = {
    "clean": ("clean", "clean_command"),
    "explain": ("explain", "explain_command"),
    "rules": ("rules", "rules_command"),
    "dedup": ("dedup", "dedup_command"),
}


class _Commands(_OneLineErrors):
    """The group of COMMANDS, each imported on first use (click's lazy-loading pattern for subcommands)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name]
        return getattr(import_module(f".{module}", __name__), attribute)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsclean")
def main() -> None:
    """Clean scraped Chinese news: strip site chrome, collapse repeats, flag numbers with dropped digits."""


if __name__ == "__main__":
    main()
