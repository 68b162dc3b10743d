"""The GATr layers' Function base: same results as torch's apply, no per-call signature binding, transforms intact."""

from __future__ import annotations

import inspect

import pytest
import torch
from torch.autograd.function import once_differentiable

from equiscale.models.gatr.function import Function


class _Cube(Function):
    """y = a·x³ with a hand-written backward and jvp."""

    @staticmethod
    def forward(x: torch.Tensor, a: float) -> torch.Tensor:
        return a * x**3

    @staticmethod
    def setup_context(ctx, inputs, output) -> None:
        ctx.save_for_backward(inputs[0])
        ctx.save_for_forward(inputs[0])
        ctx.a = inputs[1]

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: torch.Tensor):
        (x,) = ctx.saved_tensors
        return 3 * ctx.a * x**2 * grad, None

    @staticmethod
    def jvp(ctx, dx: torch.Tensor, _):
        (x,) = ctx.saved_tensors
        return 3 * ctx.a * x**2 * dx


def test_apply_skips_signature_binding_outside_transforms(monkeypatch: pytest.MonkeyPatch) -> None:
    real = inspect.signature

    def refuse(obj, *args, **kwargs):
        if obj is _Cube.forward:  # what torch's apply binds on every call
            raise AssertionError("the Function's signature was inspected")
        return real(obj, *args, **kwargs)

    monkeypatch.setattr(inspect, "signature", refuse)
    x = torch.randn(5, dtype=torch.float64, requires_grad=True)
    y = _Cube.apply(x, 2.0)
    y.sum().backward()
    torch.testing.assert_close(y, 2 * x.detach() ** 3)
    torch.testing.assert_close(x.grad, 6 * x.detach() ** 2)


def test_reverse_and_forward_mode_match_autograd() -> None:
    x = torch.randn(4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: _Cube.apply(t, 1.5), (x,), check_forward_ad=True)


def test_functorch_transforms_take_torchs_path() -> None:
    x, dx = torch.randn(6, dtype=torch.float64), torch.randn(6, dtype=torch.float64)
    value, tangent = torch.func.jvp(lambda t: _Cube.apply(t, 2.0), (x,), (dx,))
    torch.testing.assert_close(value, 2 * x**3)
    torch.testing.assert_close(tangent, 6 * x**2 * dx)
    grad = torch.func.grad(lambda t: _Cube.apply(t, 2.0).sum())(x)
    torch.testing.assert_close(grad, 6 * x**2)


def test_apply_takes_positional_arguments_only() -> None:
    with pytest.raises(TypeError):
        _Cube.apply(torch.randn(3), a=2.0)
