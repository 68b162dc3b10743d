"""Packing multivector features into SDPA's per-head layout: exact round trip, adjoint backward, forward mode."""

import torch

from equiscale.models.gatr.heads import PackHeads, UnpackHeads

D = torch.float64


def _parts(seed: int, heads: int = 3, m: int = 2, hs: int = 5):
    gen = torch.Generator().manual_seed(seed)
    a = torch.randn(7, 2, 4, heads * m, generator=gen, dtype=D)
    b = torch.randn(5, 2, 4, heads * m, generator=gen, dtype=D)
    s = torch.randn(2, 4, heads * hs, generator=gen, dtype=D)
    return a, b, s


def test_pack_layout_and_round_trip():
    a, b, s = _parts(0)
    packed = PackHeads.apply(3, s, a, b)
    width = 12 * 2 + 5
    assert packed.shape == (2, 4 * 3, width + (-width % 8))
    # row t·heads + h holds head h of token t: components of a, then of b (each m channels), then scalars, then 0
    t, h = 2, 1
    row = packed[1, t * 3 + h]
    torch.testing.assert_close(row[: 7 * 2].view(7, 2), a[:, 1, t, h * 2 : h * 2 + 2])
    torch.testing.assert_close(row[7 * 2 : 12 * 2].view(5, 2), b[:, 1, t, h * 2 : h * 2 + 2])
    torch.testing.assert_close(row[24:29], s[1, t, h * 5 : h * 5 + 5])
    assert torch.all(row[29:] == 0)
    ua, ub, us = UnpackHeads.apply(packed, (7, 5), 3, 2, 5)
    torch.testing.assert_close((ua, ub, us), (a, b, s))


def test_pack_and_unpack_gradients_and_jvp():
    a, b, s = (t.requires_grad_(True) for t in _parts(1))
    torch.autograd.gradcheck(lambda s, a, b: PackHeads.apply(3, s, a, b), (s, a, b), check_forward_ad=True)
    packed = PackHeads.apply(3, s, a, b).detach().requires_grad_(True)
    torch.autograd.gradcheck(lambda p: UnpackHeads.apply(p, (7, 5), 3, 2, 5), (packed,), check_forward_ad=True)
