"""The file MLflow runs to build the pyfunc model when it loads one (MLflow's "models from
code", instead of a pickled object): see `serenade.models.mlflow_model`."""

import mlflow.models

from serenade.models.mlflow_model import MusicVAEPyfunc

mlflow.models.set_model(MusicVAEPyfunc())
