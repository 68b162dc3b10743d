import json

import numpy as np
import pytest

from equiscale.errors import EquiscaleError
from equiscale.laws import fit_data_efficiency, fit_study, synthetic_records
from equiscale.laws.synthetic import DEFAULT_LAWS


@pytest.fixture(scope="module")
def study():
    return fit_study(synthetic_records(seed=0), compute_axis="flops_measured", bootstrap=12, seed=0)


def test_recovers_each_series_law(study):
    assert set(study.series) == {"gatr", "transformer"}
    for name, s in study.series.items():
        truth = DEFAULT_LAWS[name]
        assert s.n_train_max == 16384 and s.n_runs_fitted == 30
        assert s.parametric.alpha == pytest.approx(truth["alpha"], abs=0.06)
        assert s.parametric.beta == pytest.approx(truth["beta"], abs=0.03)
        alloc = s.allocations["flops_measured"]
        assert alloc.kappa == pytest.approx(truth["kappa"])
        assert "a" in alloc.intervals and "at_budgets" in alloc.intervals
        assert set(s.compute_laws["flops_measured"]) == {"floor", "pure"}
        de = s.data_efficiency
        assert de.n_train == [256, 1024, 4096, 16384] and de.steps == 10000
        assert de.epochs == pytest.approx([10000 * 64 / d for d in de.n_train])
        assert set(s.sensitivity) == {"drop_smallest_n", "drop_largest_n", "drop_1_highest_loss"}


def test_to_dict_is_strict_json_and_complete(study):
    d = json.loads(json.dumps(study.to_dict(), allow_nan=False))
    g = d["series"]["gatr"]
    assert g["parametric"]["intervals"]["alpha"][0] < g["parametric"]["alpha"]
    assert len(g["curves"]["flops_measured"]["c"]) == 25
    assert {"gamma_power_law", "gamma_parametric"} <= set(g["consistency"]["flops_measured"])
    assert d["comparisons"][0]["series"] == "gatr" and d["bootstrap"] == 12


def test_comparison_of_loss_on_the_frontier(study):
    cmp = study.compare("gatr", "transformer")
    # ratio > 1: the transformer's frontier loss is higher; consistent with the point fits
    c = cmp.c
    expected = study.series["transformer"].allocations["flops_measured"].l_opt(c) / \
        study.series["gatr"].allocations["flops_measured"].l_opt(c)
    np.testing.assert_allclose(cmp.ratio, expected)
    assert cmp.ratio_range[0] <= cmp.ratio_range[1]
    assert np.all(cmp.ratio_lo <= cmp.ratio * 1.0001) and np.all(cmp.ratio_hi >= cmp.ratio * 0.9999)
    back = study.compare("transformer", "gatr", c_range=(c[0], c[-1]))
    np.testing.assert_allclose(back.ratio, 1 / cmp.ratio)
    # compute multiplier > 1 wherever the other series is behind
    assert np.all((cmp.compute_ratio > 1) == (cmp.ratio > 1))
    with pytest.raises(EquiscaleError, match="no series"):
        study.compare("gatr", "mlp")
    with pytest.raises(EquiscaleError, match="not fitted"):
        study.compare("gatr", "transformer", axis="train_seconds")


def test_thin_and_bad_series_become_notes_not_crashes():
    recs = synthetic_records(seed=1)
    thin = [r for r in synthetic_records({"gatr+aug": DEFAULT_LAWS["gatr"]}, params=(1e3, 1e4), steps=(100,),
                                         n_train=(1024,), seed=2)]
    recs += thin
    recs[0] = {**recs[0], "test_loss": float("nan")}
    recs.append({"run_id": "failed1", "status": "failed", "config": {"family": "gatr"}})
    i = next(i for i, r in enumerate(recs) if r["config"]["n_train"] == 16384 and r["config"]["family"] == "gatr")
    recs[i] = {**recs[i], "flops_nominal": None}  # a data-rich run without nominal FLOPs: that axis is skipped
    study = fit_study(recs, compute_axis=["flops_nominal", "train_seconds"], bootstrap=0)
    aug = study.series["gatr+aug"]
    assert aug.parametric is None and aug.augment
    assert any("parametric" in n and "at least 6 runs" in n for n in aug.notes)
    assert any("data efficiency" in n for n in aug.notes)
    assert any("test_loss" in n for n in study.notes) and any("failed1" in n for n in study.notes)
    gatr = study.series["gatr"]
    assert "flops_nominal" not in gatr.allocations and "train_seconds" in gatr.allocations
    assert any("flops_nominal" in n for n in gatr.notes)
    json.dumps(study.to_dict(), allow_nan=False)


def test_study_level_errors():
    with pytest.raises(EquiscaleError, match="unknown compute axis"):
        fit_study(synthetic_records(), compute_axis="gpu_hours")
    with pytest.raises(EquiscaleError, match="no usable finished runs"):
        fit_study([{"run_id": "x", "status": "done", "config": {"family": "gatr"}}])


def test_data_efficiency_uses_longest_training_and_best_run_per_size():
    d = np.array([100, 100, 300, 1000, 3000, 10000, 10000, 100])
    steps = np.array([1000, 1000, 1000, 1000, 1000, 1000, 1000, 10])
    loss = 0.01 + 5 * d**-0.5
    loss[1] *= 2  # a worse model at the same size: not the best run
    loss[-1] = 1e-6  # shorter training: ignored
    fit = fit_data_efficiency(d, steps, np.full(d.size, 32), loss)
    assert fit.n_train == [100, 300, 1000, 3000, 10000] and fit.steps == 1000
    assert fit.epochs[0] == pytest.approx(1000 * 32 / 100)
    assert fit.law.gamma == pytest.approx(0.5, abs=1e-3)
