"""RunConfig: validation messages, JSON round-trip, resolution and the identity hash."""

from __future__ import annotations

import dataclasses

import pytest

from equiscale.errors import EquiscaleError
from equiscale.models.registry import PRESETS
from equiscale.train import RunConfig, effective_lr


def test_json_round_trip_and_unknown_fields(tiny: RunConfig) -> None:
    resolved = tiny.resolve()
    for cfg in (tiny, resolved):
        assert RunConfig.from_json(cfg.to_json()) == cfg
    with pytest.raises(EquiscaleError, match="unknown run config field"):
        RunConfig.from_dict({**tiny.to_dict(), "stepz": 3})
    with pytest.raises(EquiscaleError, match="not valid JSON"):
        RunConfig.from_json("{")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"family": "mlp"}, "unknown model family 'mlp'"),
        ({"size": "huge"}, "unknown transformer size 'huge'"),
        ({"steps": 0}, "steps must be an integer ≥ 1"),
        ({"n_train": 65}, "n_train=65 exceeds the 64 training samples"),
        ({"optimizer": "sgd"}, "unknown optimizer 'sgd'"),
        ({"lr": -1.0}, "lr must be a finite number > 0"),
        ({"warmup_steps": 20}, "warmup_steps \\(20\\) must be smaller than steps"),
        ({"device": "tpu"}, "unknown device 'tpu'"),
        ({"augment_group": "E4"}, "unknown augment_group"),
        ({"dataset": ""}, "needs a dataset directory"),
    ],
)
def test_validation_names_the_problem(tiny: RunConfig, change: dict, message: str) -> None:
    with pytest.raises(EquiscaleError, match=message):
        dataclasses.replace(tiny, **change).resolve(available=64)


def test_resolve_fills_derived_fields(tiny: RunConfig) -> None:
    cfg = dataclasses.replace(tiny, size="xs", n_train=None, eval_every=None, checkpoint_every=None, warmup_steps=None)
    r = cfg.resolve()
    assert (r.width, r.depth) == PRESETS["transformer"]["xs"]
    assert r.n_train == 64 and r.eval_every == 2 and r.checkpoint_every == 4 and r.warmup_steps == 1
    assert r.lr_base_width == min(w for w, _ in PRESETS["transformer"].values())
    assert r.epochs == pytest.approx(20 * 16 / 64)
    assert r.resolve() == r  # idempotent: a record's config resolves to itself


def test_hash_is_the_identity_of_the_result(tiny: RunConfig) -> None:
    h = tiny.config_hash()
    assert len(h) == 16 and h == tiny.resolve().config_hash()
    same = [{"device": "cuda"}, {"eval_every": 7}, {"checkpoint_every": 3}, {"eval_batch_size": 8}, {"size": "16x1"}]
    for change in same:
        assert dataclasses.replace(tiny, **change).config_hash() == h, change
    different = [{"lr": 1e-3}, {"seed": 1}, {"augment": False}, {"n_train": 32}, {"bf16": True}, {"steps": 21}]
    for change in different:
        assert dataclasses.replace(tiny, **change).config_hash() != h, change
    # a preset name and its (width, depth) are one run
    xs = PRESETS["transformer"]["xs"]
    assert dataclasses.replace(tiny, size="xs").config_hash() == dataclasses.replace(tiny, size=xs).config_hash()


def test_learning_rate_scales_inversely_with_width() -> None:
    assert effective_lr(1e-3, 32, 32, "inverse_width") == 1e-3
    assert effective_lr(1e-3, 16, 32, "inverse_width") == 1e-3  # never above the base rate
    assert effective_lr(1e-3, 128, 32, "inverse_width") == pytest.approx(2.5e-4)
    assert effective_lr(1e-3, 128, 32, "none") == 1e-3


def test_resolved_lr_uses_the_family_base_width(nbody_dir: object) -> None:
    cfg = RunConfig(dataset=str(nbody_dir), family="transformer", size="l", lr=1e-3).resolve()
    base = min(w for w, _ in PRESETS["transformer"].values())
    assert cfg.lr_effective == pytest.approx(1e-3 * base / PRESETS["transformer"]["l"][0])
