"""Shared CLI plumbing: one-line errors with exit code 2, JSON output, atomic writes of text files."""

from __future__ import annotations

import contextlib
import functools
import json
import math
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import typer

from equiscale.errors import EquiscaleError

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str) -> None:
    """Print ``error: message`` on stderr as one line and exit with code 2."""
    line = " ".join(str(message).split())
    typer.echo(f"error: {line}", err=True)
    raise typer.Exit(code=2)


def user_errors(func: F) -> F:
    """Decorate a command so that EquiscaleError (and bad files) become one-line errors with exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except EquiscaleError as exc:
            fail(str(exc))
        except FileNotFoundError as exc:
            fail(f"file not found: {exc.filename or exc}")
        except PermissionError as exc:
            fail(f"permission denied: {exc.filename or exc}")

    return wrapper  # type: ignore[return-value]


def working(message: str) -> contextlib.AbstractContextManager:
    """A spinner with elapsed time on stderr while a long step without countable progress runs (fits, reports)."""
    from rich.console import Console

    return Console(stderr=True).status(message)


@contextlib.contextmanager
def resumable() -> Iterator[None]:
    """Ctrl-C during a sweep or study: one line on how to resume and exit code 130, no traceback."""
    try:
        yield
    except KeyboardInterrupt:
        typer.echo("interrupted: re-run the same command to resume", err=True)
        raise typer.Exit(code=130) from None


def exit_if_runs_failed(failed: list[dict[str, Any]], *, announce: bool = True) -> None:
    """Exit with code 1 if any run failed (re-running the command retries them), naming each on stderr when
    ``announce`` (the ``--json`` output already lists them)."""
    for f in failed if announce else ():
        typer.echo(f"failed {f['run_id']}: {f['error']}", err=True)
    if failed:
        raise typer.Exit(code=1)


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    raise TypeError(f"not JSON-serialisable: {type(obj).__name__}")


def to_json(obj: Any) -> str:
    """Serialise plain data (numpy arrays/scalars and paths allowed) to indented JSON."""
    return json.dumps(obj, indent=2, default=_jsonable, allow_nan=False)


def emit_json(obj: Any) -> None:
    """Print ``obj`` as JSON on stdout (the ``--json`` output of every command)."""
    sys.stdout.write(to_json(obj) + "\n")
    sys.stdout.flush()
