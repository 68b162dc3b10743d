from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).parent / "data" / "chinchilla_svg_extracted_data.csv"


@pytest.fixture(scope="session")
def chinchilla() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(N, D, loss) of the digitised Chinchilla data, D = C/6N, the 5 highest-loss points dropped (Epoch)."""
    rows = np.genfromtxt(DATA, delimiter=",", names=True, dtype=None, encoding="utf-8", comments=None)
    n = rows["Model_Size"].astype(float)
    c = rows["Training_FLOP"].astype(float)
    loss = rows["loss"].astype(float)
    keep = np.argsort(loss)[:-5]
    return n[keep], (c / (6 * n))[keep], loss[keep]


def _parametric_grid(noise: float, seed: int, law=(0.01, 2.0, 3.0, 0.5, 0.45)):
    """7×7 (N, S) grid spanning 3 decades each, losses from a known law with multiplicative noise."""
    E, A, B, al, be = law
    n = np.repeat(np.logspace(3, 6, 7), 7)
    s = np.tile(np.logspace(2, 5, 7), 7)
    rng = np.random.default_rng(seed)
    loss = (E + A * n**-al + B * s**-be) * np.exp(rng.normal(0.0, noise, n.size))
    return n, s, loss


@pytest.fixture
def parametric_grid():
    """Factory: (noise, seed, law=(E, A, B, alpha, beta)) → (N, S, loss) on a 7×7 grid."""
    return _parametric_grid
