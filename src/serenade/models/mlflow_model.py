"""A trained MusicVAE as an MLflow model (`pyfunc` flavour), so that `mlflow.pyfunc.load_model`
and `mlflow models serve` sample, encode, decode and interpolate with it.

Requests are DataFrame rows; `mode` says what each row asks for:

| mode | reads | returns one row per |
|---|---|---|
| `sample` | `num_outputs` (1), `temperature` (0.5), `seed`, `prior` (`standard`: N(0, I); `fitted`: the checkpoint's fitted latent prior) | sample |
| `encode` | `events`: one window as a JSON list | window: `z`, `mu`, `sigma` |
| `decode` | `z`: a JSON list, `temperature`, `seed` | window |
| `interpolate` | `events`, `events_to`, `num_steps` (7), `temperature` | point of the path |

A chord-conditioned model (cat-mel_2bar_med_chords) also reads `chords`, a progression such as
"C G Am F" spread over the window as magenta.js does, for every mode.

Windows are JSON lists of class indices, as `serenade extract` writes them (a [T, P] list for
models of several parts). Every field is checked before any work (`serenade.models.requests`:
finite numbers, whole counts, sizes, at most MAX_OUTPUTS answer rows per request, the server's
timeout as a deadline); a bad request is a 400 naming the row and field. Each answer row carries `request` (the row it answers), `events`,
`z` (JSON lists) and `midi` (the window as a base64 MIDI file at 120 qpm); encode rows carry `mu`
and `sigma` too. The same request with the same seed gives the same answer.
"""

from __future__ import annotations

import base64
import io
import json
import logging
from dataclasses import replace
from importlib.metadata import requires
from pathlib import Path
from typing import Any

import mlflow.pyfunc
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import INTERNAL_ERROR
from mlflow.models import ModelSignature
from mlflow.types.schema import AnyType, ColSpec, Schema
from note_seq import midi_io
import numpy as np
import pandas as pd

from serenade.conversion import controls as ctl
from serenade.models.latent_paths import walk
from serenade.models.requests import Deadline, Request, RequestError, parse_requests

LOG = logging.getLogger(__name__)
DECODE_BATCH = 32  # rows decoded between two looks at the deadline
# Numbers are declared as any type: a request of several rows leaves some empty (NaN, so a
# float column), while one row of whole numbers is an integer column; MLflow would refuse one
# of the two under either numeric type. `answer` converts them.
REQUEST_COLUMNS = {"mode": "string", "num_outputs": "any", "temperature": "any", "seed": "any",
                   "events": "string", "events_to": "string", "z": "string", "num_steps": "any",
                   "chords": "string", "prior": "string"}
ANSWER_COLUMNS = {"request": "long", "events": "string", "z": "string", "midi": "string",
                  "mu": "string", "sigma": "string"}


class MusicVAEPyfunc(mlflow.pyfunc.PythonModel):
    """The pyfunc wrapper: loads the Serenade checkpoint logged beside it."""

    def load_context(self, context) -> None:
        from serenade.models.checkpoint import load_model

        self.model = load_model(context.artifacts["checkpoint"])

    def predict(self, context, model_input: pd.DataFrame,
                params: dict | None = None) -> pd.DataFrame:
        """The answer; a bad request is MLflow's 400 with the reason, and nothing else wrong
        sends a traceback to the client (it goes to the server's log)."""
        try:
            return answer(self.model, model_input)
        except RequestError as error:
            raise MlflowException.invalid_parameter_value(str(error)) from None
        except Exception as error:  # noqa: BLE001 - a server answers, its log keeps the trace
            LOG.exception("request failed")
            raise MlflowException(f"the model failed on this request ({type(error).__name__}); "
                                  "the server's log has the details",
                                  error_code=INTERNAL_ERROR) from None


def _chords(model, request: Request) -> np.ndarray | None:
    """The chord classes [T] of the request's `chords` for a chord-conditioned model."""
    if not model.control_depth:
        return None
    if not request.chords:
        raise RequestError(f"row {request.index}: this model is conditioned on chords: give "
                           "`chords`, e.g. \"C G Am F\"")
    converter = model.config.converter
    try:
        classes = converter.progression(request.chords.replace(",", " ").split())
    except ValueError as error:
        raise RequestError(f"row {request.index}: `chords`: {error}") from None
    return np.asarray(classes)


def _midi_base64(model, events: np.ndarray) -> str:
    sequence = model.config.converter.to_note_sequence(np.asarray(events), qpm=120.0)
    buffer = io.BytesIO()
    midi_io.note_sequence_to_pretty_midi(sequence).write(buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _decoded(model, z: np.ndarray, request: Request, controls, deadline: Deadline) -> np.ndarray:
    """Events of every z, decoded DECODE_BATCH at a time with the deadline checked between
    (batch i samples with seed + i: one batch is exactly `model.decode(z, seed=seed)`)."""
    events = []
    for i, start in enumerate(range(0, len(z), DECODE_BATCH)):
        deadline.check()
        batch, _ = model.decode(z[start:start + DECODE_BATCH], request.temperature,
                                seed=None if request.seed is None else request.seed + i,
                                keep_logits=False, controls=controls)
        events.append(batch)
    return np.concatenate(events)


def _answer_one(model, request: Request, deadline: Deadline):
    """(z, events, extra columns per answer row) of one checked request."""
    chords = _chords(model, request)
    controls = ctl.vectors(model.config.converter, chords)
    if request.mode == "sample":
        rng = np.random.default_rng(request.seed)
        z = model.prior_draws(request.num_outputs, rng, request.prior)
        request = replace(request, seed=int(rng.integers(2**31)))
        return z, _decoded(model, z, request, controls, deadline), []
    if request.mode == "decode":
        return request.z, _decoded(model, request.z, request, controls, deadline), []
    if request.mode == "encode":
        window = request.events
        z, mu, sigma = model.encode(window[None], seed=request.seed, controls=controls)
        return z, window[None], [{"mu": json.dumps(mu[0].tolist()),
                                  "sigma": json.dumps(sigma[0].tolist())}]
    path = walk(model, [request.events, request.events_to], request.num_steps,
                temperature=request.temperature, seed=request.seed,
                chords=None if chords is None else np.stack([chords, chords]))
    return path.z, path.events, []


def answer(model, requests: pd.DataFrame, deadline: Deadline | None = None) -> pd.DataFrame:
    """The answer rows of `requests` (see the module docstring); RequestError for a bad one,
    before any work is done, or when the work passes the deadline."""
    deadline = deadline or Deadline()
    rows: list[dict[str, Any]] = []
    for request in parse_requests(model, requests):
        deadline.check()
        z, events, extra = _answer_one(model, request, deadline)
        for k in range(len(events)):
            if k % DECODE_BATCH == 0:
                deadline.check()
            rows.append({"request": request.index,
                         "events": json.dumps(np.asarray(events[k]).tolist()),
                         "z": json.dumps(np.asarray(z[k]).tolist()),
                         "midi": _midi_base64(model, events[k]),
                         **(extra[k] if extra else {"mu": "", "sigma": ""})})
    return pd.DataFrame(rows, columns=list(ANSWER_COLUMNS))


def signature():
    """The model signature: every request column optional but `mode`."""
    inputs = Schema([ColSpec(AnyType() if kind == "any" else kind, name, required=(name == "mode"))
                     for name, kind in REQUEST_COLUMNS.items()])
    outputs = Schema([ColSpec(kind, name) for name, kind in ANSWER_COLUMNS.items()])
    return ModelSignature(inputs=inputs, outputs=outputs)


def input_example(chords: bool = False) -> pd.DataFrame:
    """A request (with a progression for a chord-conditioned model)."""
    row = {"mode": "sample", "num_outputs": 2, "temperature": 0.5, "seed": 0}
    return pd.DataFrame([{**row, "chords": "C G Am F"} if chords else row])


def requirements() -> list[str]:
    """What a serving environment installs: Serenade's own dependencies (Serenade itself comes
    from its repository, which is not on PyPI)."""
    return [spec for spec in (requires("serenade") or []) if "extra ==" not in spec]


def log_model(checkpoint: str | Path, registered_name: str | None = None,
              chords: bool = False, name: str = "model",
              tags: dict[str, str] | None = None) -> Any:
    """Log the checkpoint as an MLflow model of the active run (and register it when asked);
    `chords`: the model is chord-conditioned (its example request carries a progression);
    `name` and `tags` (its source: MLflow's "Logged from") are what MLflow's model list shows.
    Returns MLflow's ModelInfo."""
    return mlflow.pyfunc.log_model(
        name=name, tags=tags,
        python_model=str(Path(__file__).with_name("mlflow_model_entry.py")),
        artifacts={"checkpoint": str(checkpoint)},
        signature=signature(), input_example=input_example(chords),
        pip_requirements=requirements(),
        registered_model_name=registered_name)
