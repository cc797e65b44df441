"""Where `generation.jobs` imports the latent walk from: it is `serenade.models.latent_paths.walk`,
the one walk that `serenade interpolate`, the MLflow model and the workflow's jobs all take
(held in the models layer because the MLflow model, below generation, walks too)."""

from serenade.models.latent_paths import walk

__all__ = ["walk"]
