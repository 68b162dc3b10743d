"""The ``equiscale`` command: parses arguments and delegates to the package's rooms.

Each sub-command group lives in its own module (``equiscale.cli.<group>``) exposing a ``typer.Typer`` named ``app``.
"""

from __future__ import annotations

import importlib

import typer

from equiscale import __version__

app = typer.Typer(
    name="equiscale",
    help="Does equivariance matter at my scale? Train, sweep, fit, measure and report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# (module, group name): groups register themselves as sub-commands.
_GROUPS: list[tuple[str, str]] = [
    ("data", "data"),
    ("equivariance", "equivariance"),
    ("runs", "runs"),
    ("theory", "theory"),
]
# (module, command name, function name): single commands at the top level.
_COMMANDS: list[tuple[str, str, str]] = [
    ("study", "study", "study_command"),
    ("train", "train", "train_command"),
    ("sweep", "sweep", "sweep_command"),
    ("report", "fit", "fit_command"),
    ("report", "report", "report_command"),
]

for _module, _name in _GROUPS:
    app.add_typer(importlib.import_module(f"equiscale.cli.{_module}").app, name=_name)
for _module, _name, _func in _COMMANDS:
    app.command(_name)(getattr(importlib.import_module(f"equiscale.cli.{_module}"), _func))


@app.command("version")
def version() -> None:
    """Print the installed version of equiscale."""
    typer.echo(__version__)


def main() -> None:
    """Console-script entry point."""
    app()
