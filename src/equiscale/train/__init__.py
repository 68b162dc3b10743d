"""One training run: config, fixed-step loop with optional E(3) augmentation, checkpoints and the run record."""

from equiscale.train.config import RunConfig, effective_lr
from equiscale.train.loop import make_optimizer, pick_device, train_run
from equiscale.train.trained import load_trained_model

__all__ = ["RunConfig", "effective_lr", "load_trained_model", "make_optimizer", "pick_device", "train_run"]
