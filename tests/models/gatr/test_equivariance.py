"""Pin(3,0,1) equivariance of every GATr layer and of the network, float64 and float32, with a negative control."""

import pytest
import torch
from conftest import act, perturb, rel_err

from equiscale import algebra as A
from equiscale.models import GATr
from equiscale.models.gatr import (
    EquiLinear,
    GATrBlock,
    GeometricAttention,
    GeometricBilinear,
    equi_layer_norm,
    gated_gelu,
    geometric_product_module,
    join_module,
    to_internal,
    to_storage,
)

D = torch.float64
B, T = 24, 5


def _inputs(c: int, cs: int, seed: int, dtype=D):
    gen = torch.Generator().manual_seed(seed)
    mv = torch.randn(B, T, c, 16, generator=gen, dtype=dtype)
    s = torch.randn(B, T, cs, generator=gen, dtype=dtype)
    return mv, s


def _check(layer_fn, group, c=6, cs=5, seed=0, tol=1e-10, dtype=D):
    """layer_fn(mv_storage, s) -> (mv_storage, s_or_None); returns the relative errors (mv, s)."""
    mv, s = _inputs(c, cs, seed, dtype)
    gmv = act(group, mv).to(dtype)
    out, out_s = layer_fn(mv, s)
    out_g, out_gs = layer_fn(gmv, s)
    err = rel_err(out_g, act(group, out.double()))
    err_s = rel_err(out_gs, out_s) if out_s is not None else 0.0
    assert err < tol and err_s < tol, (err, err_s)
    return err, err_s


def _internal(fn):
    def wrapped(mv, s):
        y, ys = fn(to_internal(mv), s)
        return to_storage(y), ys

    return wrapped


def test_equilinear(group):
    layer = EquiLinear(6, 7, in_s=5, out_s=3).double()
    perturb(layer, 0)
    _check(_internal(layer), group)


def test_geometric_product_and_equijoin(group):
    gp, join = geometric_product_module().double(), join_module().double()

    def fn(mv, s):
        x = to_internal(mv)
        ref = x[7].mean(dim=(-2, -1))  # e123 of the mean multivector
        a, b = x[..., :3], x[..., 3:]
        return to_storage(torch.cat([gp(a, b), join(a, b) * ref[None, :, None, None]], -1)), None

    _check(fn, group)


def test_plain_join_is_not_equivariant_under_reflections(group):
    join = join_module().double()
    with pytest.raises(AssertionError):
        _check(lambda mv, s: (to_storage(join(to_internal(mv)[..., :3], to_internal(mv)[..., 3:])), None), group)


def test_pointwise_layers(group):
    _check(_internal(gated_gelu), group)
    _check(_internal(equi_layer_norm), group)


def test_attention(group):
    layer = GeometricAttention(8, 8, num_heads=4).double()
    perturb(layer, 1)
    _check(_internal(layer), group, c=8, cs=8)


def test_bilinear(group):
    layer = GeometricBilinear(6, 8, 5, 4).double()
    perturb(layer, 2)

    def fn(mv, s):
        x = to_internal(mv)
        y, ys = layer(x, s, x[7].mean(dim=(-2, -1)))
        return to_storage(y), ys

    _check(fn, group)


def test_block(group):
    block = GATrBlock(8, 8, num_heads=4).double()
    perturb(block, 3)

    def fn(mv, s):
        x = to_internal(mv)
        y, ys = block(x, s, x[7].mean(dim=(-2, -1)))
        return to_storage(y), ys

    _check(fn, group, c=8, cs=8)


@pytest.mark.parametrize(("dtype", "tol"), [(torch.float64, 1e-10), (torch.float32, 1e-5)])
def test_network(group, dtype, tol):
    net = GATr(2, 3, 8, 3, 2, 8, num_blocks=2, num_heads=4).to(dtype)
    perturb(net, 4, scale=0.1)
    err, err_s = _check(net, group, c=2, cs=3, tol=tol, dtype=dtype)
    print(f"network {dtype}: mv rel err {err:.2e}, scalar rel err {err_s:.2e}")


def test_raw_points_se3_pipeline():
    """Embedded raw points → GATr → extracted point is equivariant under proper E(3) elements (gatr.md §2)."""
    net = GATr(1, 1, 8, 1, 1, 8, num_blocks=1, num_heads=4).double()
    perturb(net, 5, scale=0.1)
    gen = torch.Generator().manual_seed(6)
    x = torch.randn(4, T, 3, generator=gen, dtype=D)
    q, _ = torch.linalg.qr(torch.randn(4, 3, 3, generator=gen, dtype=D))
    R = q * torch.linalg.det(q)[:, None, None]  # proper rotations
    t = torch.randn(4, 1, 3, generator=gen, dtype=D)
    s = torch.zeros(4, T, 1, dtype=D)

    def f(points):
        out, _ = net(A.embed_point(points)[:, :, None], s)
        return A.extract_point(out[:, :, 0])

    moved = x @ R.transpose(-1, -2) + t
    torch.testing.assert_close(f(moved), f(x) @ R.transpose(-1, -2) + t, rtol=1e-9, atol=1e-9)


def test_negative_control_dense_map_is_caught(group):
    """A dense random 16×16 map on the components (not in the commutant) must fail the same check."""
    gen = torch.Generator().manual_seed(7)
    dense = torch.eye(16, dtype=D) + 0.05 * torch.randn(16, 16, generator=gen, dtype=D)
    with pytest.raises(AssertionError):
        _check(lambda mv, s: (mv @ dense.T, None), group)
    bias_on_vector = torch.zeros(16, dtype=D)
    bias_on_vector[2] = 0.1
    with pytest.raises(AssertionError):
        _check(lambda mv, s: (mv + bias_on_vector, None), group)
