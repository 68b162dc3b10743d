"""Seeded, stateless draws: the training subset, the batch at each step, and derived seeds.

Every draw is a pure function of (run seed, purpose, counter), so a resumed run reproduces the uninterrupted one
exactly without carrying generator state, and each draw can be recomputed from the record's seeds.
"""

from __future__ import annotations

import numpy as np

# Purposes of derived seeds (stable integers: changing them changes every run's draws).
SUBSET, EPOCH, AUGMENT, TORCH = 1, 2, 3, 4


def derive_seed(seed: int, purpose: int, counter: int = 0) -> int:
    """A 63-bit seed derived from (seed, purpose, counter) by numpy's SeedSequence hashing."""
    state = np.random.SeedSequence([int(seed), int(purpose), int(counter)]).generate_state(2, dtype=np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1])) & ((1 << 63) - 1)


def train_subset(available: int, n_train: int, seed: int) -> np.ndarray:
    """Indices of the D = ``n_train`` training samples: the first D of a seeded permutation of the train split.

    The permutation depends on ``seed`` and ``available`` only, so subsets of one seed are nested (a smaller D is a
    prefix of a larger one) — data-scaling runs differ only by how much they see. Returned sorted for locality.
    """
    perm = np.random.default_rng(derive_seed(seed, SUBSET)).permutation(available)
    return np.sort(perm[:n_train])


class EpochSampler:
    """Batches of positions into the training subset, epoch by epoch: each epoch is a fresh seeded permutation.

    ``batch(step)`` is the step-th batch of the concatenated stream of epoch permutations (a batch may straddle two
    epochs), a pure function of (seed, n, batch_size, step).
    """

    def __init__(self, n: int, batch_size: int, seed: int) -> None:
        self.n, self.batch_size, self.seed = int(n), int(batch_size), int(seed)
        self._cache: dict[int, np.ndarray] = {}

    def epoch_permutation(self, epoch: int) -> np.ndarray:
        if epoch not in self._cache:
            if len(self._cache) > 4:
                self._cache.clear()
            self._cache[epoch] = np.random.default_rng(derive_seed(self.seed, EPOCH, epoch)).permutation(self.n)
        return self._cache[epoch]

    def batch(self, step: int) -> np.ndarray:
        """Positions (into the subset) of the samples of optimizer step ``step`` (0-based)."""
        start = step * self.batch_size
        out = np.empty(self.batch_size, dtype=np.int64)
        filled = 0
        while filled < self.batch_size:
            epoch, offset = divmod(start + filled, self.n)
            take = min(self.batch_size - filled, self.n - offset)
            out[filled : filled + take] = self.epoch_permutation(epoch)[offset : offset + take]
            filled += take
        return out
