"""The whole study in one call: dataset (generated or reused), sweep into ``DIR/runs.db``, fits, report.

A study file is one or more sweep plans (YAML documents separated by ``---``, each in the sweep plan format of
docs/sweeps.md) run into one store: e.g. a full size × steps grid at the largest training set plus a thinner grid
over training-set sizes, which a single Cartesian plan cannot express cheaply. Presets ``smoke``, ``quick`` and
``paper`` ship as package data (``equiscale/presets/*.yaml``). Re-running is idempotent: finished runs are skipped,
interrupted ones resumed, and the report is rebuilt from the store.
"""

from __future__ import annotations

import contextlib
import time
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from equiscale.errors import EquiscaleError

PRESETS = ("smoke", "quick", "paper")
#: Bootstrap resamples of the report's fits per preset (plan files use DEFAULT_BOOTSTRAP).
PRESET_BOOTSTRAP = {"smoke": 40, "quick": 200, "paper": 2000}
DEFAULT_BOOTSTRAP = 400


def preset_path(name: str) -> Path:
    """Path of a packaged preset file."""
    if name not in PRESETS:
        raise EquiscaleError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)} or give a plan file")
    return Path(str(resources.files("equiscale") / "presets" / f"{name}.yaml"))


def load_study(plan_or_preset: str | Path) -> tuple[str, list[Any], Path]:
    """(study name, validated sweep plans, source file) of a preset name or a study/plan YAML file."""
    from equiscale.sweep.plan import parse_plan

    text_arg = str(plan_or_preset)
    if text_arg in PRESETS:
        path = preset_path(text_arg)
    else:
        path = Path(plan_or_preset)
        if path.suffix not in (".yaml", ".yml") and not path.exists():
            raise EquiscaleError(f"unknown preset {text_arg!r}; choose one of {', '.join(PRESETS)} or give a "
                                 f"plan file (.yaml)")
    try:
        docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    except FileNotFoundError:
        raise EquiscaleError(f"plan file not found: {path}") from None
    except (IsADirectoryError, UnicodeDecodeError, PermissionError) as exc:
        raise EquiscaleError(f"cannot read plan {path}: {type(exc).__name__}") from None
    except yaml.YAMLError as exc:
        raise EquiscaleError(f"plan {path} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not docs:
        raise EquiscaleError(f"plan {path} is empty")
    plans = [parse_plan(d, source=f"{path.name}#{i + 1}" if len(docs) > 1 else path.name, base_dir=path.parent)
             for i, d in enumerate(docs)]
    datasets = {repr(p.dataset) for p in plans}
    if len(datasets) > 1:
        raise EquiscaleError(f"plan {path}: every document of a study must use the same dataset")
    name = text_arg if text_arg in PRESETS else path.stem
    return name, plans, path


def _status(message: str, show: bool) -> contextlib.AbstractContextManager:
    """A spinner with elapsed time on stderr for the study's steps without countable progress."""
    from rich.console import Console

    return Console(stderr=True).status(message) if show else contextlib.nullcontext()


def _measure_data_equivariance(dataset: str) -> dict[str, float]:
    """The dataset's data equivariance error under E(3) (exact for simulated benchmarks), for the report."""
    from equiscale.equivariance.dataset_error import dataset_equivariance

    res = dataset_equivariance(dataset, n_inputs=64, n_elements=4, bootstrap=0, mmd=False)
    return {f"{res['benchmark']} data ({res['method']}, {res['group']})": float(res["relative_error"])}


def run_study(
    plan_or_preset: str | Path,
    out_dir: str | Path,
    *,
    executor: str = "local",
    address: str | None = None,
    workers: int | None = None,
    progress: bool = True,
    quiet: bool = False,
    data_dir: str | Path | None = None,
    bootstrap: int | None = None,
    seed: int = 0,
    theory: bool = True,
    data_equivariance: Any = None,
) -> dict[str, Any]:
    """Run a study (preset name or plan file) into ``out_dir``: ``runs.db``, ``checkpoints/``, ``report/``.

    ``data_dir``: where generated datasets are cached (default: the data room's shared cache). ``bootstrap``:
    resamples for the report's intervals (default per preset). ``data_equivariance``: the dataset's measured data
    equivariance error (number or {label: number}), or a callable taking the dataset path and returning it.
    Returns a summary: sweep summaries, counts, dataset path and cache, report path, verdicts, timings.
    """
    from equiscale.report import build_report
    from equiscale.sweep import read_records, run_sweep

    t0 = time.monotonic()
    name, plans, source = load_study(plan_or_preset)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    store = out / "runs.db"
    sweeps = []
    for plan in plans:
        sweeps.append(run_sweep(plan, store, executor=executor, address=address, workers=workers,
                                progress=progress, quiet=quiet, checkpoint_dir=out / "checkpoints",
                                data_dir=data_dir))
    t_sweep = time.monotonic() - t0
    dataset = sweeps[0]["dataset"]
    records = read_records(store, status="done")
    if data_equivariance is None:
        data_equivariance = _measure_data_equivariance
    if callable(data_equivariance):
        data_equivariance = data_equivariance(dataset)
    n_boot = bootstrap if bootstrap is not None else PRESET_BOOTSTRAP.get(name, DEFAULT_BOOTSTRAP)
    with _status(f"fitting {len(records)} runs ({n_boot} bootstrap resamples) and writing the report",
                 progress and not quiet):
        index = build_report(records, out / "report", data_equivariance=data_equivariance, theory=theory,
                             bootstrap=n_boot, seed=seed, title=f"equiscale study: {name}")
    import json

    report = json.loads((index.parent / "summary.json").read_text(encoding="utf-8"))
    totals = {k: sum(s["counts"][k] for s in sweeps) for k in sweeps[0]["counts"]}
    planned_ids = {s["plan"]: s["planned"] for s in sweeps}
    return {
        "study": name, "source": str(source), "out": str(out), "store": str(store), "dataset": dataset,
        "dataset_cache": str(Path(dataset).parent), "report": str(index), "summary_json": str(index.parent /
                                                                                                "summary.json"),
        "plans": planned_ids, "new": sum(s["new"] for s in sweeps), "skipped_total": sum(s["skipped"] for s in sweeps),
        "counts_per_plan_total": totals, "runs_done": len(records),
        "failed": [f for s in sweeps for f in s["failed"]], "bootstrap": n_boot,
        "verdicts": [v["text"] for v in report.get("verdicts", [])],
        "sweep_seconds": round(t_sweep, 2), "report_seconds": round(time.monotonic() - t0 - t_sweep, 2),
        "wall_seconds": round(time.monotonic() - t0, 2),
    }
