"""Shared fixtures: synthetic run records from known laws (no training) and one report built from them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from equiscale.laws import fit_study, synthetic_records
from equiscale.laws.synthetic import DEFAULT_LAWS
from equiscale.report import REPORT_AXES, build_report

BOOTSTRAP = 20
#: transformer+aug: like the transformer, but augmentation shrinks its data-limited term (fewer "effective" gaps).
LAWS = {**DEFAULT_LAWS, "transformer+aug": {**DEFAULT_LAWS["transformer"], "data_B": 8.0}}


def equivariance_of(record: dict[str, Any]) -> dict[str, Any]:
    """A plausible probe result: GATr exact to float precision, the transformer improving with training."""
    cfg = record["config"]
    err = 1e-6 if cfg["family"] == "gatr" else 0.5 * cfg["steps"] ** -0.3 * (0.5 if cfg["augment"] else 1.0)
    return {"groups": {"E3": {"mean_relative": err, "ree2": err**2}, "SE3": {"mean_relative": err}}}


@pytest.fixture(scope="session")
def records() -> list[dict[str, Any]]:
    recs = synthetic_records(LAWS, params=(1e3, 1e4, 1e5), steps=(100, 1000, 10000), n_train=(128, 512, 2048, 8192),
                             seed=1)
    for r in recs:
        r["equivariance"] = equivariance_of(r)
    return recs


@pytest.fixture(scope="session")
def study(records: list[dict[str, Any]]):
    return fit_study(records, compute_axis=list(REPORT_AXES), bootstrap=BOOTSTRAP, seed=0)


@pytest.fixture(scope="session")
def report_dir(tmp_path_factory: pytest.TempPathFactory, records, study) -> Path:
    out = tmp_path_factory.mktemp("report") / "report"
    build_report(records, out, fits=study, data_equivariance={"rigid": 2e-7}, theory=True)
    return out


@pytest.fixture(scope="session")
def summary(report_dir: Path) -> dict[str, Any]:
    return json.loads((report_dir / "summary.json").read_text())
