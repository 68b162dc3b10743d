"""Checkpoints: atomic, checksummed snapshots of a run, and finding the newest good one.

File format: one header line ``EQSCKPT1 <sha256 of payload>\\n`` followed by the ``torch.save`` payload. Files are
written through :func:`equiscale.files.atomic_write_bytes`, so a crash never leaves a half-written checkpoint under
the final name; a checksum mismatch (bit rot, manual tampering, a truncated copy) marks a file as corrupted.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from equiscale.files import atomic_write_bytes

MAGIC = b"EQSCKPT1"
PATTERN = "ckpt-*.pt"


class CorruptCheckpointError(Exception):
    """A checkpoint file whose header or checksum does not verify."""


def checkpoint_path(workdir: Path, step: int) -> Path:
    return Path(workdir) / f"ckpt-{step:09d}.pt"


def save_checkpoint(workdir: Path, step: int, state: dict[str, Any], *, keep: int = 2) -> Path:
    """Write ``state`` as the checkpoint of ``step`` and delete all but the ``keep`` newest checkpoints."""
    buf = io.BytesIO()
    torch.save(state, buf)
    payload = buf.getvalue()
    digest = hashlib.sha256(payload).hexdigest().encode("ascii")
    path = atomic_write_bytes(checkpoint_path(workdir, step), MAGIC + b" " + digest + b"\n" + payload)
    for old in list_checkpoints(workdir)[:-keep]:
        old.unlink(missing_ok=True)
    return path


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Read and verify one checkpoint; raise :class:`CorruptCheckpointError` if it does not verify."""
    raw = Path(path).read_bytes()
    header, sep, payload = raw.partition(b"\n")
    parts = header.split(b" ")
    if not sep or len(parts) != 2 or parts[0] != MAGIC:
        raise CorruptCheckpointError(f"{Path(path).name}: not an equiscale checkpoint (bad header)")
    if hashlib.sha256(payload).hexdigest().encode("ascii") != parts[1]:
        raise CorruptCheckpointError(f"{Path(path).name}: checksum mismatch")
    try:
        return torch.load(io.BytesIO(payload), map_location="cpu", weights_only=False)
    except Exception as exc:  # a payload that verifies but does not unpickle is corrupt too
        raise CorruptCheckpointError(f"{Path(path).name}: unreadable payload ({exc})") from None


def list_checkpoints(workdir: Path) -> list[Path]:
    """Checkpoint files in ``workdir``, oldest first."""
    workdir = Path(workdir)
    return sorted(workdir.glob(PATTERN)) if workdir.is_dir() else []


@dataclass
class Found:
    """The newest checkpoint that verified (or None) and the problems met on the way to it."""

    state: dict[str, Any] | None = None
    path: Path | None = None
    problems: list[str] = field(default_factory=list)


def latest_good(workdir: Path, *, rename_corrupt: bool = True) -> Found:
    """Newest checkpoint in ``workdir`` that verifies; corrupted newer ones are reported (and renamed aside to
    ``*.corrupt`` with ``rename_corrupt``, so that they are not met again)."""
    found = Found()
    for path in reversed(list_checkpoints(workdir)):
        try:
            found.state = load_checkpoint(path)
            found.path = path
            return found
        except CorruptCheckpointError as exc:
            found.problems.append(f"corrupted checkpoint skipped: {exc}")
            if rename_corrupt:
                path.rename(path.with_suffix(".corrupt"))
    return found
