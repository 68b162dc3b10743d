"""Plan validation: every mistake is caught up front with a one-line message naming the key."""

import pytest
import yaml

from equiscale.errors import EquiscaleError
from equiscale.sweep.plan import load_plan, parse_plan

GOOD = {
    "name": "t",
    "dataset": {"benchmark": "nbody", "n_train": 64, "n_val": 16, "n_test": 16, "seed": 3},
    "axes": {"family": ["gatr", "transformer"], "size": ["xs", [8, 1]], "steps": [20, 40], "n_train": [32, 64],
             "seed": [0, 1], "augment": [False, True]},
    "fixed": {"batch_size": 16, "lr": 1e-3},
    "overrides": {"gatr": {"lr": 3e-3}},
}


def _with(path: str, value) -> dict:
    plan = yaml.safe_load(yaml.safe_dump(GOOD))
    *parents, last = path.split(".")
    node = plan
    for p in parents:
        node = node[p]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return plan


_DELETE = object()


def test_good_plan_expands_to_the_full_grid_with_overrides() -> None:
    plan = parse_plan(GOOD)
    configs = plan.configs("/data/x")
    assert plan.size == len(configs) == 2 * 2 * 2 * 2 * 2 * 2
    gatr = [c for c in configs if c["family"] == "gatr"]
    assert {c["lr"] for c in gatr} == {3e-3} and {c["lr"] for c in configs if c not in gatr} == {1e-3}
    assert {c["size"] for c in configs} == {"xs", (8, 1)} and all(c["dataset"] == "/data/x" for c in configs)
    assert all(c["batch_size"] == 16 for c in configs)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("colour", "red", r"colour: unknown key"),
        ("axes.width", [8], r"axes.width: unknown key"),
        ("dataset.nbodies", 4, r"dataset.nbodies: unknown key"),
        ("axes.family", ["gatr", "mlp"], r"axes.family: unknown family 'mlp'"),
        ("axes.steps", [20, -5], r"axes.steps: must be >= 1, got -5"),
        ("axes.steps", [20.5], r"axes.steps: must be an integer"),
        ("axes.n_train", [32, 128], r"axes.n_train: 128 exceeds the dataset's 64 training samples"),
        ("axes.size", ["huge"], r"axes.size\[0\]: unknown size preset 'huge'"),
        ("axes.size", [[8, 0, 1]], r"axes.size\[0\]: must be a preset name or \[width, depth\]"),
        ("axes.augment", ["yes"], r"axes.augment: must be true or false"),
        ("axes.family", [], r"axes.family: must not be empty"),
        ("axes.steps", _DELETE, r"axes.steps: missing"),
        ("fixed.lrr", 0.1, r"fixed.lrr: unknown hyper-parameter"),
        ("fixed.steps", 10, r"fixed.steps: set by the plan's axes"),
        ("overrides.mlp", {"lr": 1.0}, r"overrides.mlp: family not in axes.family"),
        ("dataset.benchmark", "fluid", r"dataset.benchmark: unknown benchmark 'fluid'"),
        ("dataset.n_train", 0, r"dataset.n_train: must be >= 1"),
    ],
)
def test_mistakes_fail_with_one_line_naming_the_key(path, value, message) -> None:
    with pytest.raises(EquiscaleError, match=message) as info:
        parse_plan(_with(path, value), source="p.yaml")
    assert "\n" not in str(info.value) and str(info.value).startswith("p.yaml: ")


def test_bad_yaml_and_missing_file(tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("axes: {family: [gatr\nsteps: 3\n")
    with pytest.raises(EquiscaleError, match=r"bad.yaml: bad YAML at line \d+"):
        load_plan(bad)
    with pytest.raises(EquiscaleError, match="plan file not found"):
        load_plan(tmp_path / "none.yaml")
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just a string\n")
    with pytest.raises(EquiscaleError, match="must be a mapping"):
        load_plan(scalar)


def test_dataset_path_must_be_a_dataset_directory(tmp_path) -> None:
    plan = _with("dataset", {"path": str(tmp_path)})
    with pytest.raises(EquiscaleError, match=r"dataset.path: not a dataset directory"):
        parse_plan(plan)
    plan = _with("dataset", {"path": "x", "seed": 1})
    with pytest.raises(EquiscaleError, match=r"dataset: give exactly one|dataset.seed: only allowed"):
        parse_plan(plan)
