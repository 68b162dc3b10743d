"""Sweeps: YAML plans of many training runs, a SQLite run store, local and Ray executors, progress display."""

from equiscale.sweep.engine import run_sweep
from equiscale.sweep.plan import Plan, load_plan, parse_plan
from equiscale.sweep.store import RunStore, read_records

__all__ = ["Plan", "RunStore", "load_plan", "parse_plan", "read_records", "run_sweep"]
