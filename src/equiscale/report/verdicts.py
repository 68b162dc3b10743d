"""Plain-language verdict lines derived from fitted numbers and their intervals — never hard-coded conclusions.

Every verdict is ``{"topic", "status", "text", "numbers"}``. A statement is made only when the 95 % bootstrap
intervals separate; where they overlap (or no intervals exist) the verdict says it is too uncertain to say.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

UNCERTAIN = "too uncertain to say"


def _f(values: Sequence[Any] | None) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in ([] if values is None else list(values))], dtype=np.float64)


def fmt(x: float | None, digits: int = 2) -> str:
    """Short number with ``digits`` significant digits: 1.8, 0.034, 700, 3.2e12."""
    if x is None or not math.isfinite(x):
        return "n/a"
    if x != 0 and not 1e-3 <= abs(x) < 1e5:
        return f"{x:.{digits}g}".replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")
    return f"{float(f'{x:.{digits}g}'):g}"


def _verdict(topic: str, status: str, text: str, **numbers: Any) -> dict[str, Any]:
    return {"topic": topic, "status": status, "text": text, "numbers": numbers}


def _leader_text(lead: str, behind: str, r: np.ndarray, lo: np.ndarray, hi: np.ndarray, c0: float, c1: float,
                 unit: str, compute: np.ndarray | None) -> str:
    text = (f"{lead} ahead of {behind} by ×{fmt(r.min())}–{fmt(r.max())} in test loss at every budget from "
            f"{fmt(c0)} to {fmt(c1)} {unit} (95% interval ×{fmt(np.nanmin(lo), 3)}–{fmt(np.nanmax(hi), 3)})")
    if compute is not None and np.all(np.isfinite(compute)) and np.all(compute > 0):
        text += f"; {behind} needs ×{fmt(compute.min())}–{fmt(compute.max())} the compute for the same loss"
    return text


def compute_verdict(cmp: dict[str, Any], unit: str = "FLOPs") -> dict[str, Any]:
    """Who is ahead on the compute-optimal frontier, from a ``Comparison.to_dict()`` (ratio = L_other / L_series).

    ahead: the ratio's interval excludes 1 on the same side at every budget; crossing: it excludes 1 on opposite
    sides at different budgets; partial: it excludes 1 only on part of the range; uncertain otherwise.
    """
    a, b = cmp["series"], cmp["other"]
    cur = cmp["curve"]
    c, r, lo, hi = _f(cur["c"]), _f(cur["ratio"]), _f(cur["lo"]), _f(cur["hi"])
    comp = _f(cur.get("compute_ratio"))
    c0, c1 = float(c[0]), float(c[-1])
    nums = {"series": a, "other": b, "axis": cmp["axis"], "c_range": [c0, c1], "ratio_range": [r.min(), r.max()],
            "ratio_interval": [np.nanmin(lo) if np.any(np.isfinite(lo)) else None,
                               np.nanmax(hi) if np.any(np.isfinite(hi)) else None]}
    topic = f"compute:{cmp['axis']}:{a}|{b}"
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
        lead = a if np.median(r) > 1 else b
        return _verdict(topic, "uncertain", f"{a} vs {b} on {unit}: no bootstrap intervals (point estimate "
                        f"{lead} ahead by ×{fmt(max(r.max(), 1 / r.min()))} at most); {UNCERTAIN}", **nums)
    a_ahead, b_ahead = lo > 1, hi < 1
    if a_ahead.all():
        inv = None if comp.size == 0 else comp
        return _verdict(topic, "ahead", _leader_text(a, b, r, lo, hi, c0, c1, unit, inv), leader=a, **nums)
    if b_ahead.all():
        return _verdict(topic, "ahead", _leader_text(b, a, 1 / r, 1 / hi, 1 / lo, c0, c1, unit, None),
                        leader=b, **nums)
    if a_ahead.any() and b_ahead.any():
        first, second = (a, b) if np.argmax(a_ahead) < np.argmax(b_ahead) else (b, a)
        sign = np.sign(np.log(r))
        flips = np.flatnonzero(sign[1:] != sign[:-1])
        cross = float(np.sqrt(c[flips[0]] * c[flips[0] + 1])) if flips.size else float("nan")
        return _verdict(topic, "crossing", f"{first} ahead of {second} at low budgets, {second} ahead at high "
                        f"budgets; the frontiers cross near {fmt(cross)} {unit} (range {fmt(c0)}–{fmt(c1)})",
                        crossing=cross, **nums)
    if a_ahead.any() or b_ahead.any():
        lead, mask = (a, a_ahead) if a_ahead.any() else (b, b_ahead)
        sel = c[mask]
        return _verdict(topic, "partial", f"{lead} ahead of {a if lead == b else b} only from {fmt(sel.min())} to "
                        f"{fmt(sel.max())} {unit}; elsewhere in {fmt(c0)}–{fmt(c1)} {unit} {UNCERTAIN} "
                        f"(loss-ratio interval includes 1)", leader=lead, **nums)
    return _verdict(topic, "uncertain", f"{a} vs {b} on {unit} from {fmt(c0)} to {fmt(c1)}: loss ratio "
                    f"×{fmt(np.nanmin(lo))}–{fmt(np.nanmax(hi))} includes 1; {UNCERTAIN} who is ahead", **nums)


def _interval(fit: dict[str, Any], key: str) -> tuple[float, float]:
    iv = (fit.get("intervals") or {}).get(key)
    if not iv or iv[0] is None or iv[1] is None:
        return float("nan"), float("nan")
    return float(iv[0]), float(iv[1])


def exponent_verdict(a: str, fit_a: dict[str, Any], b: str, fit_b: dict[str, Any], key: str = "gamma",
                     what: str = "compute exponent γ") -> dict[str, Any]:
    """Compare one fitted exponent of two series by its intervals (parametric fits' ``to_dict()``)."""
    va, vb = float(fit_a[key]), float(fit_b[key])
    (la, ha), (lb, hb) = _interval(fit_a, key), _interval(fit_b, key)
    nums = {"series": a, "other": b, key: {a: [va, la, ha], b: [vb, lb, hb]}}
    desc = f"{a} {fmt(va)} [{fmt(la)}, {fmt(ha)}], {b} {fmt(vb)} [{fmt(lb)}, {fmt(hb)}]"
    topic = f"{key}:{a}|{b}"
    if any(math.isnan(v) for v in (la, ha, lb, hb)):
        return _verdict(topic, "uncertain", f"{what}: {desc}; no intervals, {UNCERTAIN}", **nums)
    if ha < lb or hb < la:
        hi_name = a if la > hb else b
        consequence = {"gamma": "the loss gap changes with scale (the steeper one gains with more compute)",
                       "a": f"{hi_name} should put a larger share of extra compute into parameters",
                       "beta": f"{hi_name} gains more from longer training",
                       "alpha": f"{hi_name} gains more from larger models"}.get(key, "")
        return _verdict(topic, "different", f"{hi_name} has the larger {what} ({desc}): {consequence}",
                        larger=hi_name, **nums)
    extra = "; consistent with parallel curves" if key == "gamma" else ""
    return _verdict(topic, "overlap", f"{what}: {desc} — intervals overlap{extra}; {UNCERTAIN} whether they differ",
                    **nums)


def data_verdict(a: str, cur_a: dict[str, Any], b: str, cur_b: dict[str, Any]) -> dict[str, Any]:
    """Compare two series' fitted loss-vs-data laws (``summary["data_curves"]`` entries) across their common D."""
    topic = f"data:{a}|{b}"
    la, lb = cur_a.get("law"), cur_b.get("law")
    if not la or not lb:
        return _verdict(topic, "uncertain", f"data efficiency {a} vs {b}: a loss-vs-data law is missing; {UNCERTAIN}")
    x = _f(la["x"])
    xb = _f(lb["x"])
    d0, d1 = max(x.min(), xb.min()), min(x.max(), xb.max())
    if not d0 < d1:
        return _verdict(topic, "uncertain", f"data efficiency {a} vs {b}: no common range of data sizes")
    grid = np.geomspace(d0, d1, 9)

    def at(law: dict[str, Any], key: str) -> np.ndarray:
        return np.exp(np.interp(np.log(grid), np.log(_f(law["x"])), np.log(_f(law[key]))))

    with np.errstate(all="ignore"):
        ra = at(lb, "loss") / at(la, "loss")
        sep_a = at(lb, "lo") > at(la, "hi")
        sep_b = at(la, "lo") > at(lb, "hi")
    nums = {"series": a, "other": b, "d_range": [d0, d1], "ratio_range": [float(ra.min()), float(ra.max())]}
    if np.all(sep_a) or np.all(sep_b):
        lead, behind, r = (a, b, ra) if np.all(sep_a) else (b, a, 1 / ra)
        return _verdict(topic, "ahead", f"{lead} more data-efficient than {behind}: ×{fmt(r.min())}–{fmt(r.max())} "
                        f"lower test loss at every data size from {fmt(d0)} to {fmt(d1)} samples (95% bands "
                        f"separate)", leader=lead, **nums)
    if np.any(sep_a) or np.any(sep_b):
        lead, behind, mask = (a, b, sep_a) if np.any(sep_a) else (b, a, sep_b)
        return _verdict(topic, "partial", f"{lead} more data-efficient than {behind} only from "
                        f"{fmt(grid[mask].min())} to {fmt(grid[mask].max())} samples; elsewhere {UNCERTAIN}",
                        leader=lead, **nums)
    return _verdict(topic, "uncertain", f"data efficiency {a} vs {b}: loss-vs-data bands overlap from {fmt(d0)} to "
                    f"{fmt(d1)} samples; {UNCERTAIN}", **nums)


def augmentation_verdict(reference: str, plain: str, augmented: str, table: list[dict[str, Any]],
                         tolerance: float) -> dict[str, Any]:
    """Does augmentation close the data gap to ``reference`` with enough epochs?

    ``table``: rows ``{"epochs", reference: loss, plain: loss, augmented: loss}`` at the smallest data size, one
    per training length (best loss over model sizes); ``tolerance``: log-loss difference below which two losses are
    indistinguishable (from the fits' residual scatter). The gap is closed from the first epoch count after which
    the augmented series stays within the tolerance of (or below) the reference.
    """
    topic = f"augmentation:{augmented}|{reference}"
    rows = sorted((r for r in table if all(_pos(r.get(k)) for k in (reference, augmented))),
                  key=lambda r: r["epochs"])
    if not rows or not (math.isfinite(tolerance) and tolerance > 0):
        return _verdict(topic, "uncertain", f"augmentation ({augmented} vs {reference}): not enough matching runs or "
                        f"no noise estimate; {UNCERTAIN}")
    gap = np.array([math.log(r[augmented] / r[reference]) for r in rows])
    epochs = np.array([r["epochs"] for r in rows])
    plain_gap = np.array([math.log(r[plain] / r[reference]) if _pos(r.get(plain)) else np.nan for r in rows])
    nums = {"epochs": epochs, "log_gap_augmented": gap, "log_gap_plain": plain_gap, "tolerance": tolerance}
    closed = gap <= tolerance
    tail = np.flatnonzero(~closed)
    first = 0 if tail.size == 0 else tail[-1] + 1
    if first < len(rows):
        e = epochs[first]
        real_gap = bool(np.nanmax(plain_gap) > tolerance) if np.any(np.isfinite(plain_gap)) else None
        if real_gap is False:
            return _verdict(topic, "no_gap", f"augmentation: at the smallest training set, {plain} is already within "
                            f"the run-to-run noise (×{fmt(math.exp(tolerance), 3)}) of {reference} at every training "
                            f"length (up to {fmt(epochs.max())} epochs), so this grid shows no gap for augmentation "
                            "to close; more seeds would narrow the noise", **nums)
        return _verdict(topic, "closes", f"augmentation closes the data gap after ~{fmt(e)} epochs: from there on "
                        f"{augmented} is within noise (×{fmt(math.exp(tolerance), 3)}) of {reference} or better"
                        + (f", while {plain} stays up to ×{fmt(math.exp(np.nanmax(plain_gap)))} behind"
                           if real_gap else ""), epochs_to_close=float(e), **nums)
    return _verdict(topic, "open", f"augmentation does not close the data gap within {fmt(epochs.max())} epochs: "
                    f"{augmented} is still ×{fmt(math.exp(gap[-1]))} behind {reference} "
                    f"(noise ×{fmt(math.exp(tolerance), 3)})", **nums)


def _pos(v: Any) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v) and v > 0
