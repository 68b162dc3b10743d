"""Exhaustive identities of the G(3,0,1) tables on basis blades, and clifford as an oracle."""

import numpy as np
import pytest
import torch

from equiscale import algebra as A
from equiscale.algebra import tables as T


def test_nonzero_counts():
    assert np.count_nonzero(T.GP_TABLE) == 192 == len(A.GP_TERMS)
    assert np.count_nonzero(T.OUTER_TABLE) == 81 == len(A.OUTER_TERMS)
    assert np.count_nonzero(T.JOIN_TABLE) == 81 == len(A.JOIN_TERMS)
    terms_per_output = np.count_nonzero(T.GP_TABLE.reshape(16, -1), axis=1)
    assert sorted(set(terms_per_output[list(A.E0_FREE)])) == [8]
    assert sorted(set(terms_per_output[list(A.E0_CONTAINING)])) == [16]


def test_gp_associative_on_all_blade_triples():
    g = T.GP_TABLE.astype(np.int64)
    left = np.einsum("imc,mab->iabc", g, g)  # (ab)c
    right = np.einsum("iam,mbc->iabc", g, g)  # a(bc)
    np.testing.assert_array_equal(left, right)


def test_reverse_of_product_on_all_blade_pairs():
    g = T.GP_TABLE.astype(np.int64)
    r = T.REVERSE_SIGNS.astype(np.int64)
    lhs = r[:, None, None] * g  # rev(e_j e_k)
    rhs = np.einsum("ikj,j,k->ijk", g, r, r)  # rev(e_k) rev(e_j)
    np.testing.assert_array_equal(lhs, rhs)


def test_dual_laws():
    d = T.DUAL_MATRIX.astype(np.int64)
    assert (np.abs(d).sum(0) == 1).all() and (np.abs(d).sum(1) == 1).all()  # signed permutation
    for j in range(16):
        i = int(np.nonzero(d[:, j])[0][0])
        assert T.GRADES[i] == 4 - T.GRADES[j]
        wedge = d[i, j] * T.OUTER_TABLE[:, j, i]
        assert wedge[15] == 1 and np.count_nonzero(wedge) == 1  # e_a ∧ dual(e_a) = +e0123
    expected = {"e1": (-1, "e023"), "e0": (1, "e123"), "e13": (-1, "e02"), "e123": (-1, "e0"), "e0123": (1, "1")}
    for name, (sign, target) in expected.items():
        j = T.BLADE_NAMES.index(name)
        assert d[T.BLADE_NAMES.index(target), j] == sign


def test_join_is_dual_of_outer_of_duals():
    d = torch.as_tensor(T.DUAL_MATRIX, dtype=torch.float64)
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(2, 50, 16, generator=gen, dtype=torch.float64)
    via_dual = A.dual(A.outer_product(A.dual(x), A.dual(y)))
    torch.testing.assert_close(A.join(x, y), via_dual, rtol=0, atol=1e-12)
    assert torch.equal(A.dual(x), x @ d.T)


def test_outer_agrees_with_gp_on_disjoint_blades():
    for j, a in enumerate(T.BLADES):
        for k, b in enumerate(T.BLADES):
            if not a & b:
                np.testing.assert_array_equal(T.OUTER_TABLE[:, j, k], T.GP_TABLE[:, j, k])
            else:
                assert not T.OUTER_TABLE[:, j, k].any()


def test_inner_product_is_scalar_part_of_reverse_product():
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn(2, 20, 16, generator=gen, dtype=torch.float64)
    torch.testing.assert_close(A.inner_product(x, y)[..., 0], A.geometric_product(A.reverse(x), y)[..., 0])


@pytest.fixture(scope="module")
def clifford_layout():
    clifford = pytest.importorskip("clifford")
    layout, _ = clifford.Cl(3, 0, 1, firstIdx=0)
    return clifford, layout


def test_clifford_layout_matches_ours(clifford_layout):
    _, layout = clifford_layout
    names = ["1" if n == "" else n for n in layout.names]
    assert tuple(names) == T.BLADE_NAMES
    assert list(layout.sig) == [0, 1, 1, 1]


def test_products_match_clifford(clifford_layout):
    clifford, layout = clifford_layout
    rng = np.random.default_rng(2)
    for _ in range(20):
        xv, yv = rng.normal(size=(2, 16))
        x, y = clifford.MultiVector(layout, xv), clifford.MultiVector(layout, yv)
        tx, ty = torch.as_tensor(xv), torch.as_tensor(yv)
        np.testing.assert_allclose(A.geometric_product(tx, ty).numpy(), (x * y).value, atol=1e-12)
        np.testing.assert_allclose(A.outer_product(tx, ty).numpy(), (x ^ y).value, atol=1e-12)
        np.testing.assert_allclose(A.reverse(tx).numpy(), (~x).value, atol=1e-12)
        np.testing.assert_allclose(A.grade_involution(tx).numpy(), x.gradeInvol().value, atol=1e-12)
        for k in range(5):
            np.testing.assert_allclose(A.grade_project(tx, k).numpy(), x(k).value, atol=1e-12)
