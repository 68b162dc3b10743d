"""Sandwich products implement E(3); the action matrix agrees with the versor; the commutant has dimension 9."""

import math

import pytest
import torch

from equiscale import algebra as A

D = torch.float64


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _orthogonal(n: int, gen: torch.Generator) -> torch.Tensor:
    """Random orthogonal matrices, half of them improper (det −1)."""
    q, r = torch.linalg.qr(torch.randn(n, 3, 3, generator=gen, dtype=D))
    q = q * torch.sign(torch.diagonal(r, dim1=-2, dim2=-1))[..., None, :]
    det = torch.linalg.det(q)
    flip = torch.ones(n, 3, dtype=D)
    flip[::2, 0] = -1
    return q * (det[:, None] * flip)[:, None, :]


def _hamilton_matrix(q: torch.Tensor) -> torch.Tensor:
    x, y, z, w = q
    return torch.tensor(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ],
        dtype=D,
    )


def test_translator_moves_origin():
    t = torch.tensor([0.3, -1.2, 2.5], dtype=D)
    moved = A.sandwich(A.translator(t), A.embed_point(torch.zeros(3, dtype=D)))
    torch.testing.assert_close(moved, A.embed_point(t), rtol=0, atol=1e-14)


def test_rotor_rotates_points_like_hamilton_matrix():
    gen = _gen(3)
    for _ in range(10):
        q = torch.randn(4, generator=gen, dtype=D)
        q = q / q.norm()
        x = torch.randn(3, generator=gen, dtype=D)
        got = A.sandwich(A.rotor_from_quaternion(q), A.embed_point(x))
        torch.testing.assert_close(got, A.embed_point(_hamilton_matrix(q) @ x), rtol=0, atol=1e-13)
        torch.testing.assert_close(A.quaternion_from_matrix(_hamilton_matrix(q)).abs(), q.abs(), atol=1e-12, rtol=0)


def test_reflection_fixes_points_on_the_plane_up_to_sign():
    gen = _gen(4)
    n = torch.randn(3, generator=gen, dtype=D)
    n = n / n.norm()
    p = torch.randn(3, generator=gen, dtype=D)
    v = A.embed_plane(n, p)
    reflected = A.sandwich(v, A.embed_point(p), parity=1)
    torch.testing.assert_close(reflected, -A.embed_point(p), rtol=0, atol=1e-13)
    torch.testing.assert_close(A.extract_point(reflected), p, rtol=0, atol=1e-13)


def test_incidence_and_joins():
    gen = _gen(5)
    n = torch.randn(3, generator=gen, dtype=D)
    p, q, s = torch.randn(3, 3, generator=gen, dtype=D)
    v = A.embed_plane(n, p)
    assert abs(A.outer_product(v, A.embed_point(p))[15]) < 1e-13
    assert abs(A.outer_product(v, A.embed_point(q))[15]) > 1e-3
    line = A.join(A.embed_point(p), A.embed_point(q))
    assert line.abs().sum() > 1e-3
    assert torch.all(A.grade_project(line, 2) == line)
    plane = A.join(line, A.embed_point(s))
    assert torch.all(A.grade_project(plane, 1) == plane) and plane.abs().sum() > 1e-3
    for point in (p, q, s):  # the joined plane contains all three points
        assert abs(A.outer_product(plane, A.embed_point(point))[15]) < 1e-12


def test_action_matrix_matches_versor_and_moves_points():
    gen = _gen(6)
    R = _orthogonal(8, gen)
    t = 3 * torch.randn(8, 3, generator=gen, dtype=D)
    M = A.e3_action_matrix(R, t)
    u, parity = A.e3_versor(R, t)
    assert parity.tolist() == [1, 0] * 4
    torch.testing.assert_close(M, A.versor_action_matrix(u, parity), rtol=0, atol=1e-13)
    x = torch.randn(8, 3, generator=gen, dtype=D)
    image = (M @ A.embed_point(x)[..., None]).squeeze(-1)
    target = (R @ x[..., None]).squeeze(-1) + t
    det = torch.linalg.det(R)
    torch.testing.assert_close(image, det[:, None] * A.embed_point(target), rtol=0, atol=1e-12)
    torch.testing.assert_close(A.extract_point(image), target, rtol=0, atol=1e-12)
    torch.testing.assert_close(M[:, 15, 15], det)  # pseudoscalar flips under reflections
    torch.testing.assert_close(M[:, 0, 0], torch.ones(8, dtype=D))


@pytest.mark.parametrize("op", ["gp", "outer", "equi_join"])
def test_action_is_automorphism(op):
    gen = _gen(7)
    u, parity = A.random_versors(24, gen)
    M = A.versor_action_matrix(u, parity)
    x, y, r = torch.randn(3, 24, 16, generator=gen, dtype=D)

    def act(z):
        return (M @ z[..., None]).squeeze(-1)

    f = {
        "gp": A.geometric_product,
        "outer": A.outer_product,
        "equi_join": lambda a, b: A.equi_join(a, b, r),
    }[op]
    lhs = A.equi_join(act(x), act(y), act(r)) if op == "equi_join" else f(act(x), act(y))
    torch.testing.assert_close(lhs, act(f(x, y)), rtol=0, atol=1e-11)


def test_plain_join_is_odd_under_reflections():
    gen = _gen(8)
    u, parity = A.random_versors(32, gen)
    M = A.versor_action_matrix(u, parity)
    x, y = torch.randn(2, 32, 16, generator=gen, dtype=D)
    lhs = A.join((M @ x[..., None]).squeeze(-1), (M @ y[..., None]).squeeze(-1))
    rhs = (M @ A.join(x, y)[..., None]).squeeze(-1)
    sign = (1 - 2 * parity).to(D)[:, None]
    torch.testing.assert_close(lhs, sign * rhs, rtol=0, atol=1e-11)
    assert parity.min() == 0 and parity.max() == 1


def test_action_preserves_grades_inner_product_and_e0():
    gen = _gen(9)
    u, parity = A.random_versors(32, gen)
    M = A.versor_action_matrix(u, parity)
    for k, sl in enumerate(A.GRADE_SLICES):
        others = [i for i in range(16) if not sl.start <= i < sl.stop]
        assert M[:, others, sl].abs().max() < 1e-12, k
    x, y = torch.randn(2, 32, 16, generator=gen, dtype=D)
    mx, my = (M @ x[..., None]).squeeze(-1), (M @ y[..., None]).squeeze(-1)
    torch.testing.assert_close(A.inner_product(mx, my), A.inner_product(x, y), rtol=0, atol=1e-10)
    torch.testing.assert_close(M[:, :, 1], torch.zeros(32, 16, dtype=D).index_fill(1, torch.tensor([1]), 1.0))


def test_commutant_has_dimension_nine():
    gen = _gen(10)
    u, parity = A.random_versors(16, gen)
    assert parity.min() == 0 and parity.max() == 1  # odd elements are needed to cut the commutant down to 9
    M = A.versor_action_matrix(u, parity)
    eye = torch.eye(16, dtype=D)
    # W M − M W = 0  ⇔  (Mᵀ ⊗ I − I ⊗ M) vec(W) = 0 (column-major vec)
    rows = [torch.kron(m.T.contiguous(), eye) - torch.kron(eye, m.contiguous()) for m in M]
    sv = torch.linalg.svdvals(torch.cat(rows))
    assert int((sv < 1e-9).sum()) == 9
    assert sv[sv > 1e-9].min() > 1e-3


def test_unit_planes_square_to_one():
    gen = _gen(11)
    v = A.unit_plane(torch.randn(5, 3, generator=gen, dtype=D), torch.randn(5, generator=gen, dtype=D))
    sq = A.geometric_product(v, v)
    torch.testing.assert_close(sq, A.embed_scalar(torch.ones(5, dtype=D)), rtol=0, atol=1e-14)
    assert math.isclose(float(v[0, 2:5].norm()), 1.0)
