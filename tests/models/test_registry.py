"""Registry: families, presets spanning decades of parameters, size parsing, seeded building, errors."""

import math

import pytest
import torch

from equiscale.errors import EquiscaleError
from equiscale.models.registry import FAMILIES, PRESETS, build_model, resolve_size
from tests.models._fixtures import PHYSICS


def _gatr_available() -> bool:
    try:
        from equiscale.models.gatr import GATr  # noqa: F401
    except ImportError:
        return False
    return True


def test_families_and_presets_are_listed() -> None:
    assert {"gatr", "transformer"} <= set(FAMILIES)
    for family in ("gatr", "transformer"):
        assert list(PRESETS[family]) == ["xs", "s", "m", "l", "xl"]
        assert PRESETS[family] == FAMILIES[family].presets


@pytest.mark.parametrize("family", ["transformer", "gatr"])
def test_presets_span_two_decades_of_parameters(family: str) -> None:
    if family == "gatr" and not _gatr_available():
        pytest.skip("GATr network not available yet")
    names = list(PRESETS[family]) if family == "transformer" else ["xs", "m", "l"]  # GATr xl init is slow
    counts = [build_model(family, name, PHYSICS).num_params for name in names]
    assert counts == sorted(counts)
    assert math.log10(counts[-1] / counts[0]) >= 2


def test_size_spec_forms() -> None:
    assert resolve_size("gatr", "m") == PRESETS["gatr"]["m"]
    assert resolve_size("transformer", "48x3") == (48, 3)
    assert resolve_size("transformer", (48, 3)) == (48, 3)
    for bad in ("huge", "0x3", (16,), "16x"):
        with pytest.raises(EquiscaleError):
            resolve_size("transformer", bad)


def test_unknown_family_lists_choices() -> None:
    with pytest.raises(EquiscaleError, match=r"gatr.*transformer"):
        build_model("mlp", "s", PHYSICS)
    with pytest.raises(EquiscaleError, match="xs, s, m, l, xl"):
        build_model("transformer", "xxl", PHYSICS)


def test_seeded_building_is_deterministic_and_leaves_global_rng_alone() -> None:
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = build_model("transformer", "xs", PHYSICS, seed=5)
    after = torch.rand(1)
    b = build_model("transformer", "xs", PHYSICS, seed=5)
    c = build_model("transformer", "xs", PHYSICS, seed=6)
    assert torch.equal(before, after)
    sa, sb, sc = (m.state_dict() for m in (a, b, c))
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not all(torch.equal(sa[k], sc[k]) for k in sa)
    assert (a.family, a.width, a.depth, a.seed) == ("transformer", 32, 2, 5)
    assert a.describe()["params"] == a.num_params == sum(p.numel() for p in a.parameters())


def test_residual_pairs_are_validated() -> None:
    model = build_model("transformer", "xs", PHYSICS, residual={"pos_next": "pos"})
    assert model.residual == {"pos_next": "pos"}
    with pytest.raises(EquiscaleError, match="differs"):
        build_model("transformer", "xs", PHYSICS, residual={"pos_next": "vel"})
    with pytest.raises(EquiscaleError, match="must name"):
        build_model("transformer", "xs", PHYSICS, residual={"nope": "pos"})
