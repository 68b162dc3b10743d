"""Equivariance of trained models on the rigid benchmark: GATr exact, the transformer not, augmentation teaches it."""

from pathlib import Path

import pytest

from equiscale import data
from equiscale.train import RunConfig, train_run


@pytest.fixture(scope="module")
def rigid_dir(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("rigid") / "ds"
    params = {"bodies": 3, "particles_per_body": 3, "steps": 10}
    return str(data.generate("rigid", n_train=256, n_val=32, n_test=32, seed=0, params=params, out=out,
                             progress=False).path)  # fmt: skip


def _probe(rigid_dir: str, tmp: Path, family: str, steps: int, augment: bool) -> dict:
    cfg = RunConfig(family=family, size="xs", steps=steps, dataset=rigid_dir, batch_size=32, augment=augment,
                    lr=3e-3, eval_every=0, checkpoint_every=0, seed=0)  # fmt: skip
    return train_run(cfg, workdir=tmp / f"{family}-{steps}-{augment}")["equivariance"]["groups"]


def test_gatr_exact_transformer_not(rigid_dir: str, tmp_path: Path) -> None:
    gatr = _probe(rigid_dir, tmp_path, "gatr", 2, False)
    assert gatr["SE3"]["mean_relative"] < 1e-4 and gatr["permutation"]["mean_relative"] < 1e-5
    plain = _probe(rigid_dir, tmp_path, "transformer", 2, False)
    assert plain["SE3"]["mean_relative"] > 1e-2 and plain["rotation"]["mean_relative"] > 1e-2
    assert plain["permutation"]["mean_relative"] < 1e-5  # no positional encoding: permutation-equivariant


def test_augmented_transformer_error_falls_with_training(rigid_dir: str, tmp_path: Path) -> None:
    early = _probe(rigid_dir, tmp_path, "transformer", 2, True)["E3"]["mean_relative"]
    late = _probe(rigid_dir, tmp_path, "transformer", 300, True)["E3"]["mean_relative"]
    assert late < 0.6 * early, (early, late)
    print(f"E3 relative error of transformer+aug: {early:.3g} after 2 steps, {late:.3g} after 300")
