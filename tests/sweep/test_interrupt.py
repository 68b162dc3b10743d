"""Ctrl-C in `equiscale sweep` / `study`: one line on how to resume, exit code 130, no traceback."""

import pytest
import typer

from equiscale.cli._common import resumable


def test_keyboard_interrupt_becomes_exit_130_with_a_resume_hint(capsys):
    with pytest.raises(typer.Exit) as info, resumable():
        raise KeyboardInterrupt
    assert info.value.exit_code == 130
    assert capsys.readouterr().err.strip() == "interrupted: re-run the same command to resume"


def test_other_errors_pass_through():
    with pytest.raises(ValueError), resumable():
        raise ValueError("not an interrupt")
