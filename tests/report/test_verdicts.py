"""Verdict logic on constructed cases: ahead at every budget, crossing, partial, too uncertain, augmentation."""

from __future__ import annotations

import numpy as np

from equiscale.report.verdicts import augmentation_verdict, compute_verdict, data_verdict, exponent_verdict, fmt

C = np.geomspace(1e12, 1e15, 7)


def comparison(ratio, lo, hi, compute=None) -> dict:
    return {"series": "gatr", "other": "transformer", "axis": "flops_measured",
            "curve": {"c": C.tolist(), "ratio": list(ratio), "lo": list(lo), "hi": list(hi),
                      "compute_ratio": list(compute if compute is not None else np.full(7, np.inf))}}


def test_ahead_at_every_budget() -> None:
    r = np.linspace(1.8, 2.1, 7)
    v = compute_verdict(comparison(r, r - 0.2, r + 0.2, compute=np.full(7, 5.0)))
    assert v["status"] == "ahead" and v["numbers"]["leader"] == "gatr"
    assert v["text"].startswith("gatr ahead of transformer by ×1.8–2.1 in test loss at every budget from 1e12 to 1e15")
    assert "needs ×5–5 the compute" in v["text"]


def test_other_ahead_is_named_first() -> None:
    r = np.full(7, 0.5)
    v = compute_verdict(comparison(r, r * 0.9, r * 1.1))
    assert v["status"] == "ahead" and v["numbers"]["leader"] == "transformer"
    assert v["text"].startswith("transformer ahead of gatr by ×2")


def test_crossing() -> None:
    r = np.array([2.0, 1.6, 1.3, 1.0, 0.8, 0.6, 0.5])
    v = compute_verdict(comparison(r, r * 0.9, r * 1.1))
    assert v["status"] == "crossing"
    assert v["text"].startswith("gatr ahead of transformer at low budgets, transformer ahead at high budgets")
    assert 1e13 < v["numbers"]["crossing"] < 1e14


def test_overlapping_intervals_are_too_uncertain() -> None:
    r = np.full(7, 1.5)
    v = compute_verdict(comparison(r, r * 0.5, r * 1.5))
    assert v["status"] == "uncertain" and "too uncertain to say" in v["text"]
    partial = compute_verdict(comparison(r, np.array([1.2, 1.1, 1.05, 0.9, 0.8, 0.7, 0.6]), r * 1.5))
    assert partial["status"] == "partial" and "only from 1e12 to 1e13" in partial["text"]
    none = compute_verdict(comparison(r, np.full(7, np.nan), np.full(7, np.nan)))
    assert none["status"] == "uncertain" and "no bootstrap intervals" in none["text"]


def test_exponent_verdicts() -> None:
    a = {"gamma": 0.30, "intervals": {"gamma": [0.28, 0.32]}}
    b = {"gamma": 0.20, "intervals": {"gamma": [0.18, 0.22]}}
    v = exponent_verdict("gatr", a, "transformer", b)
    assert v["status"] == "different" and v["numbers"]["larger"] == "gatr"
    b["intervals"]["gamma"] = [0.18, 0.29]
    v = exponent_verdict("gatr", a, "transformer", b)
    assert v["status"] == "overlap" and "too uncertain" in v["text"]


def test_data_verdict() -> None:
    x = np.geomspace(100, 10000, 5)
    law = lambda k, s: {"x": x, "loss": k * x**-0.5, "lo": k * x**-0.5 / s, "hi": k * x**-0.5 * s}  # noqa: E731
    v = data_verdict("gatr", {"law": law(1.0, 1.1)}, "transformer", {"law": law(3.0, 1.1)})
    assert v["status"] == "ahead" and v["numbers"]["leader"] == "gatr" and "×3–3 lower" in v["text"]
    v = data_verdict("gatr", {"law": law(1.0, 2.0)}, "transformer", {"law": law(1.5, 2.0)})
    assert v["status"] == "uncertain"


def table(aug_gaps, plain_gaps, epochs=(1, 4, 16, 64)):
    return [{"epochs": e, "gatr": 0.1, "transformer": 0.1 * np.exp(p), "transformer+aug": 0.1 * np.exp(g)}
            for e, g, p in zip(epochs, aug_gaps, plain_gaps, strict=True)]


def test_augmentation_closes_the_gap_after_enough_epochs() -> None:
    v = augmentation_verdict("gatr", "transformer", "transformer+aug", table([0.8, 0.4, 0.02, -0.01],
                                                                            [0.9, 0.9, 0.8, 0.8]), 0.05)
    assert v["status"] == "closes" and v["numbers"]["epochs_to_close"] == 16
    assert v["text"].startswith("augmentation closes the data gap after ~16 epochs")
    v = augmentation_verdict("gatr", "transformer", "transformer+aug", table([0.8, 0.4, 0.3, 0.2], [1, 1, 1, 1]), 0.05)
    assert v["status"] == "open" and "within 64 epochs" in v["text"]
    v = augmentation_verdict("gatr", "transformer", "transformer+aug", table([0.01] * 4, [0.02] * 4), 0.05)
    assert v["status"] == "no_gap"
    v = augmentation_verdict("gatr", "transformer", "transformer+aug", table([0.0] * 4, [0.5] * 4), float("nan"))
    assert v["status"] == "uncertain"


def test_fmt() -> None:
    assert [fmt(1.83), fmt(700.4), fmt(2.1e12), fmt(0.0342), fmt(float("inf"))] == ["1.8", "700", "2.1e12", "0.034",
                                                                                       "n/a"]
