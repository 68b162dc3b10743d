"""Multiplication tables of the projective geometric algebra G(3,0,1), generated from first principles.

Basis blades are bitmasks over the generators (bit 0 = e0, ..., bit 3 = e3); the metric is e0² = 0, e1² = e2² = e3² = 1.
Tables are plain Python/numpy at import (a few microseconds) and are turned into tensors on demand, cached per
(device, dtype). Entries are 0/±1, exact in every dtype.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

#: Blade bitmasks in the storage order [1, e0, e1, e2, e3, e01, e02, e03, e12, e13, e23, e012, e013, e023, e123, e0123].
BLADES: tuple[int, ...] = (
    0b0000, 0b0001, 0b0010, 0b0100, 0b1000, 0b0011, 0b0101, 0b1001,
    0b0110, 0b1010, 0b1100, 0b0111, 0b1011, 0b1101, 0b1110, 0b1111,
)  # fmt: skip
BLADE_NAMES: tuple[str, ...] = tuple(
    "1" if b == 0 else "e" + "".join(str(i) for i in range(4) if b >> i & 1) for b in BLADES
)
INDEX: dict[int, int] = {b: i for i, b in enumerate(BLADES)}
METRIC: tuple[int, ...] = (0, 1, 1, 1)
GRADES: tuple[int, ...] = tuple(bin(b).count("1") for b in BLADES)
#: Index ranges of each grade (grades are contiguous in storage order).
GRADE_SLICES: tuple[slice, ...] = (slice(0, 1), slice(1, 5), slice(5, 11), slice(11, 15), slice(15, 16))
E0_FREE: tuple[int, ...] = tuple(i for i, b in enumerate(BLADES) if not b & 1)  # (0, 2, 3, 4, 8, 9, 10, 14)
E0_CONTAINING: tuple[int, ...] = tuple(i for i, b in enumerate(BLADES) if b & 1)  # (1, 5, 6, 7, 11, 12, 13, 15)


def reorder_sign(a: int, b: int) -> int:
    """Sign of sorting the concatenated generator lists of blades a and b: (-1)^#{(i in a, j in b): i > j}."""
    a >>= 1
    swaps = 0
    while a:
        swaps += bin(a & b).count("1")
        a >>= 1
    return -1 if swaps % 2 else 1


def blade_product(a: int, b: int) -> tuple[int, int]:
    """Geometric product of basis blades: (coefficient in {0, ±1}, result bitmask)."""
    coeff = reorder_sign(a, b)
    for i in range(4):
        if a & b & (1 << i):
            coeff *= METRIC[i]
    return coeff, a ^ b


def _bilinear_table(rule) -> np.ndarray:
    """T[i, j, k] = coefficient of output blade i in rule(blade j, blade k)."""
    table = np.zeros((16, 16, 16), dtype=np.int8)
    for j, a in enumerate(BLADES):
        for k, b in enumerate(BLADES):
            coeff, out = rule(a, b)
            if coeff:
                table[INDEX[out], j, k] = coeff
    return table


def _outer_rule(a: int, b: int) -> tuple[int, int]:
    return (reorder_sign(a, b), a | b) if not a & b else (0, 0)


def _dual_matrix() -> np.ndarray:
    """Right complement: dual(e_a) = reorder_sign(a, a^c) e_(a^c); D[out, in]."""
    dual = np.zeros((16, 16), dtype=np.int8)
    for j, a in enumerate(BLADES):
        comp = 0b1111 ^ a
        dual[INDEX[comp], j] = reorder_sign(a, comp)
    return dual


GP_TABLE: np.ndarray = _bilinear_table(blade_product)
OUTER_TABLE: np.ndarray = _bilinear_table(_outer_rule)
DUAL_MATRIX: np.ndarray = _dual_matrix()
# join(x, y) = dual(dual(x) ∧ dual(y)):  J[i, j, k] = Σ D[i, a] W[a, b, c] D[b, j] D[c, k]
JOIN_TABLE: np.ndarray = np.einsum("ia,abc,bj,ck->ijk", DUAL_MATRIX, OUTER_TABLE, DUAL_MATRIX, DUAL_MATRIX).astype(
    np.int8
)
REVERSE_SIGNS: np.ndarray = np.array([(-1) ** (g * (g - 1) // 2) for g in GRADES], dtype=np.int8)
INVOLUTION_SIGNS: np.ndarray = np.array([(-1) ** g for g in GRADES], dtype=np.int8)
INNER_MASK: np.ndarray = np.array([0 if b & 1 else 1 for b in BLADES], dtype=np.int8)


def sparse_terms(table: np.ndarray) -> list[tuple[int, int, int, int]]:
    """The non-zeros of a bilinear table as (i, j, k, sign) with (x·y)_i = Σ sign x_j y_k."""
    return [(int(i), int(j), int(k), int(table[i, j, k])) for i, j, k in zip(*np.nonzero(table), strict=True)]


GP_TERMS: list[tuple[int, int, int, int]] = sparse_terms(GP_TABLE)  # 192 entries
OUTER_TERMS: list[tuple[int, int, int, int]] = sparse_terms(OUTER_TABLE)  # 81 entries
JOIN_TERMS: list[tuple[int, int, int, int]] = sparse_terms(JOIN_TABLE)  # 81 entries

_NAMED = {
    "gp": GP_TABLE,
    "outer": OUTER_TABLE,
    "join": JOIN_TABLE,
    "dual": DUAL_MATRIX,
    "reverse": REVERSE_SIGNS,
    "involution": INVOLUTION_SIGNS,
    "inner": INNER_MASK,
}


@functools.lru_cache(maxsize=64)
def table(name: str, device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """A table ('gp', 'outer', 'join', 'dual', 'reverse', 'involution', 'inner') as a cached tensor.

    Do not call this inside a compiled region with a changing device/dtype; layers build their own buffers instead.
    """
    return torch.as_tensor(_NAMED[name], dtype=dtype, device=torch.device(device))
