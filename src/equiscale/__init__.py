"""equiscale: does equivariance matter at my scale?

Trains E(3)-equivariant (GATr) and non-equivariant transformers over grids of model size, training steps and data
size, fits scaling laws with uncertainty, measures equivariance errors of models and data, and reports the answers.
"""

from equiscale.errors import EquiscaleError

__version__ = "0.1.0"
__all__ = ["EquiscaleError", "__version__"]
