"""Network properties: kernels match the algebra, permutation equivariance, gradients, init variances, shapes."""

import pytest
import torch
from conftest import perturb

from equiscale import algebra as A
from equiscale.models import GATr
from equiscale.models.gatr import EquiLinear, geometric_product_module, join_module, to_internal, to_storage
from equiscale.models.gatr.layout import PAIRED_GRADES

D = torch.float64


def test_structured_products_match_dense_algebra():
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(2, 7, 3, 16, generator=gen, dtype=D)
    gp, join = geometric_product_module(), join_module()
    torch.testing.assert_close(to_storage(gp(to_internal(x), to_internal(y))), A.geometric_product(x, y))
    torch.testing.assert_close(to_storage(join(to_internal(x), to_internal(y))), A.join(x, y))
    assert sum(run[1] for run in gp.forward_table.runs) == 192
    assert sum(run[1] for run in join.forward_table.runs) == 81


@pytest.mark.parametrize("make", [geometric_product_module, join_module])
def test_large_products_split_across_threads_match_the_algebra(make):
    """Operands of ≥ 32768 multivectors are cut into column blocks computed in parallel: same values, same grads,
    also under inference mode."""
    gen = torch.Generator().manual_seed(8)
    x, y = torch.randn(2, 2100, 17, 16, generator=gen, dtype=D, requires_grad=True)
    dense = A.geometric_product if make is geometric_product_module else A.join
    threads = torch.get_num_threads()
    torch.set_num_threads(2)  # CI runs with one thread; the split needs two
    try:
        out = to_storage(make()(to_internal(x), to_internal(y)))
        expected = dense(x, y)
        torch.testing.assert_close(out, expected)
        g = torch.randn(expected.shape, generator=gen, dtype=D)
        torch.testing.assert_close(torch.autograd.grad(out, (x, y), g), torch.autograd.grad(expected, (x, y), g))
        with torch.inference_mode():  # the workers inherit the caller's (thread-local) inference mode
            torch.testing.assert_close(to_storage(make()(to_internal(x), to_internal(y))), expected.detach())
    finally:
        torch.set_num_threads(threads)


@pytest.mark.parametrize("make", [geometric_product_module, join_module])
def test_product_backward_and_jvp_are_exact(make):
    """The transposed-table backward and the forward-mode rule agree with finite differences (float64)."""
    gen = torch.Generator().manual_seed(5)
    x, y = torch.randn(2, 16, 3, 2, generator=gen, dtype=D, requires_grad=True)
    torch.autograd.gradcheck(make(), (x, y), check_forward_ad=True, check_backward_ad=True)
    torch.autograd.gradcheck(make(), (x, y[:, :1]), check_forward_ad=True)  # broadcasting the right factor


def test_equilinear_matches_nine_basis_maps():
    """The bmm kernel equals Σ_a W_a B_a with B_a = grade projections and e0-multiplications from the algebra."""
    layer = EquiLinear(3, 2).double()
    perturb(layer, 1)
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(5, 3, 16, generator=gen, dtype=D)
    y, _ = layer(to_internal(x))
    basis = [lambda z, k=k: A.grade_project(z, k) for k in range(5)]
    basis += [lambda z, k=k: A.multiply_e0(A.grade_project(z, k)) for k in range(4)]
    expected = sum(torch.einsum("nci,co->noi", b(x), layer.weight[a]) for a, b in enumerate(basis))
    expected[..., 0] += layer.bias_mv
    torch.testing.assert_close(to_storage(y), expected)


def test_equilinear_backward_and_jvp_are_exact():
    """The hand-written backward and forward-mode rule agree with finite differences, parameters included."""
    layer = EquiLinear(3, 2, in_s=2, out_s=3).double()
    gen = torch.Generator().manual_seed(6)
    x, s = torch.randn(16, 4, 3, generator=gen, dtype=D), torch.randn(4, 2, generator=gen, dtype=D)
    names = [n for n, _ in layer.named_parameters()]

    def f(x, s, *params):
        return torch.func.functional_call(layer, dict(zip(names, params, strict=True)), (x, s))

    inputs = (x, s, *(p.detach().clone() for p in layer.parameters()))
    for t in inputs:
        t.requires_grad_(True)
    torch.autograd.gradcheck(f, inputs, check_forward_ad=True)


def test_permutation_equivariance_over_tokens():
    net = GATr(2, 1, 8, 2, 3, 8, num_blocks=2, num_heads=4).double()
    perturb(net, 3, scale=0.1)
    gen = torch.Generator().manual_seed(4)
    mv, s = torch.randn(3, 6, 2, 16, generator=gen, dtype=D), torch.randn(3, 6, 2, generator=gen, dtype=D)
    perm = torch.randperm(6, generator=gen)
    out, out_s = net(mv, s)
    pout, pout_s = net(mv[:, perm], s[:, perm])
    torch.testing.assert_close(pout, out[:, perm])
    torch.testing.assert_close(pout_s, out_s[:, perm])


def test_extra_batch_dims_and_shapes():
    net = GATr(1, 2, 8, 1, 3, 8, num_blocks=1, num_heads=2)
    mv, s = torch.randn(2, 3, 5, 1, 16), torch.randn(2, 3, 5, 1)
    out, out_s = net(mv, s)
    assert out.shape == (2, 3, 5, 2, 16) and out_s.shape == (2, 3, 5, 3)
    flat, _flat_s = net(mv.reshape(6, 5, 1, 16), s.reshape(6, 5, 1))
    torch.testing.assert_close(out.reshape(6, 5, 2, 16), flat)


def test_every_parameter_receives_a_gradient():
    net = GATr(1, 1, 8, 1, 1, 8, num_blocks=2, num_heads=4)
    mv, s = torch.randn(4, 5, 1, 16), torch.randn(4, 5, 1)
    out, out_s = net(mv, s)
    (out.square().sum() + out_s.square().sum()).backward()
    for name, p in net.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


@pytest.mark.parametrize(("c_in", "c_out", "s_in"), [(16, 32, 8), (64, 16, 0)])
def test_init_variance_per_grade(c_in, c_out, s_in):
    torch.manual_seed(5)
    layer = EquiLinear(c_in, c_out, in_s=s_in, out_s=4)
    x = torch.randn(16, 4096, c_in)
    s = torch.randn(4096, s_in) if s_in else None
    with torch.no_grad():
        y, ys = layer(x, s)
    grades = torch.tensor(PAIRED_GRADES)
    for k in range(5):
        ratio = float(y[grades == k].var())
        assert 0.5 < ratio < 2.0, (k, ratio)
    assert 0.5 < float(ys.var()) < 2.0


def test_layer_norm_output_scale():
    from equiscale.models.gatr import equi_layer_norm

    x = 7.0 * torch.randn(16, 64, 10, 12)
    y, _ = equi_layer_norm(x)
    sq = y[:8].square().sum(0).mean(-1)
    torch.testing.assert_close(sq, torch.ones_like(sq), rtol=1e-4, atol=1e-4)


def test_bfloat16_autocast_runs_and_keeps_dtypes():
    net = GATr(1, 1, 8, 1, 1, 8, num_blocks=1, num_heads=4)
    mv, s = torch.randn(2, 5, 1, 16), torch.randn(2, 5, 1)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out, _out_s = net(mv, s)
    ref, _ = net(mv, s)
    assert torch.isfinite(out).all()
    assert float((out.float() - ref).detach().norm() / ref.detach().norm()) < 5e-2


@pytest.mark.parametrize("which", ["layer_norm", "gated_gelu"])
def test_pointwise_backward_and_jvp_are_exact(which):
    """The hand-written backward and forward-mode rules of the layer norm and gated GELU agree with finite
    differences, with the layer norm's ε-clamp active for some tokens."""
    from equiscale.models.gatr import equi_layer_norm, gated_gelu

    gen = torch.Generator().manual_seed(7)
    x = torch.randn(16, 3, 4, 2, generator=gen, dtype=D)
    x[:, 0, 0] *= 0.01  # mean square below ε: the clamp holds the scale fixed there
    x.requires_grad_(True)
    fn = (lambda t: equi_layer_norm(t)[0]) if which == "layer_norm" else (lambda t: gated_gelu(t)[0])
    torch.autograd.gradcheck(fn, (x,), check_forward_ad=True)


@pytest.mark.parametrize("key", [False, True], ids=["query", "key"])
def test_qk_features_backward_and_jvp_are_exact(key):
    """The packed query/key features (inner-product components + distance features + scalars, 2 heads) have a
    hand-written backward and forward-mode rule; both agree with finite differences."""
    from equiscale.models.gatr.features import distance_features, qk_features

    gen = torch.Generator().manual_seed(9)
    mv = torch.randn(16, 3, 5, 4, generator=gen, dtype=D, requires_grad=True)
    s = torch.randn(3, 5, 6, generator=gen, dtype=D, requires_grad=True)
    torch.autograd.gradcheck(lambda m, t: qk_features(m, t, 2, key=key), (mv, s), check_forward_ad=True)
    packed = qk_features(mv, s, 2, key=key).detach()  # heads token-major; head 1 of token 2 of sample 0:
    torch.testing.assert_close(packed[0, 2 * 2 + 1, 14:24].view(5, 2), distance_features(mv, key=key)[:, 0, 2, 2:4])


def test_compiled_network_matches_eager():
    """Under torch.compile the products switch to an in-place-free form; the traced graph (aot_eager: dynamo +
    functionalization, no code generation) gives the eager values and gradients."""
    net = GATr(1, 1, 8, 1, 1, 8, num_blocks=1, num_heads=4)
    gen = torch.Generator().manual_seed(10)
    mv, s = torch.randn(3, 5, 1, 16, generator=gen), torch.randn(3, 5, 1, generator=gen)
    torch._dynamo.reset()
    compiled = torch.compile(net, backend="aot_eager")
    results = []
    for fn in (net, compiled):
        out, out_s = fn(mv, s)
        loss = out.square().sum() + out_s.square().sum()
        results.append((out, out_s, *torch.autograd.grad(loss, list(net.parameters()))))
    torch.testing.assert_close(results[1], results[0], rtol=1e-4, atol=1e-5)
