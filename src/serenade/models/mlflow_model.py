"""A trained MusicVAE as an MLflow model (`pyfunc` flavour), so that `mlflow.pyfunc.load_model`
and `mlflow models serve` sample, encode, decode and interpolate with it.

Requests are DataFrame rows; `mode` says what each row asks for:

| mode | reads | returns one row per |
|---|---|---|
| `sample` | `num_outputs` (1), `temperature` (0.5), `seed` | sample |
| `encode` | `events`: one window as a JSON list | window: `z`, `mu`, `sigma` |
| `decode` | `z`: a JSON list, `temperature`, `seed` | window |
| `interpolate` | `events`, `events_to`, `num_steps` (7), `temperature` | point of the path |

A chord-conditioned model (cat-mel_2bar_med_chords) also reads `chords`, a progression such as
"C G Am F" spread over the window as magenta.js does, for every mode.

Windows are JSON lists of class indices, as `serenade extract` writes them (a [T, P] list for
models of several parts). Each answer row carries `request` (the row it answers), `events`,
`z` (JSON lists) and `midi` (the window as a base64 MIDI file at 120 qpm); encode rows carry `mu`
and `sigma` too. The same request with the same seed gives the same answer.
"""

from __future__ import annotations

import base64
import io
import json
from importlib.metadata import requires
from pathlib import Path
from typing import Any

import mlflow.pyfunc
from mlflow.models import ModelSignature
from mlflow.types.schema import AnyType, ColSpec, Schema
import numpy as np
import pandas as pd

MODES = ("sample", "encode", "decode", "interpolate")
# Numbers are declared as any type: a request of several rows leaves some empty (NaN, so a
# float column), while one row of whole numbers is an integer column; MLflow would refuse one
# of the two under either numeric type. `answer` converts them.
REQUEST_COLUMNS = {"mode": "string", "num_outputs": "any", "temperature": "any", "seed": "any",
                   "events": "string", "events_to": "string", "z": "string", "num_steps": "any",
                   "chords": "string"}
ANSWER_COLUMNS = {"request": "long", "events": "string", "z": "string", "midi": "string",
                  "mu": "string", "sigma": "string"}


class MusicVAEPyfunc(mlflow.pyfunc.PythonModel):
    """The pyfunc wrapper: loads the Serenade checkpoint logged beside it."""

    def load_context(self, context) -> None:
        from serenade.models.checkpoint import load_model

        self.model = load_model(context.artifacts["checkpoint"])

    def predict(self, context, model_input: pd.DataFrame,
                params: dict | None = None) -> pd.DataFrame:
        return answer(self.model, model_input)


def _value(row: dict, key: str, default: Any) -> Any:
    value = row.get(key)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return default
    return value


def _window(model, text: str, key: str) -> np.ndarray:
    try:
        return np.asarray(json.loads(text), np.int64).reshape(model.window_shape)
    except (TypeError, ValueError) as error:
        shape = " x ".join(map(str, model.window_shape))
        raise ValueError(f"`{key}` must be one window, a JSON list of {shape} class indices "
                         f"({error})") from None


def _controls(model, row: dict, index: int) -> np.ndarray | None:
    """The control vectors [T, depth] of the row's `chords` for a chord-conditioned model."""
    if not model.control_depth:
        return None
    text = _value(row, "chords", None)
    if not text:
        raise ValueError(f"row {index}: this model is conditioned on chords: give `chords`, "
                         "e.g. \"C G Am F\"")
    converter = model.config.converter
    classes = converter.progression(str(text).replace(",", " ").split())
    return np.asarray(converter.controls(np.asarray(classes)[None]))[0]


def _midi_base64(model, events: np.ndarray) -> str:
    from note_seq import midi_io

    sequence = model.config.converter.to_note_sequence(np.asarray(events), qpm=120.0)
    buffer = io.BytesIO()
    midi_io.note_sequence_to_pretty_midi(sequence).write(buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def answer(model, requests: pd.DataFrame) -> pd.DataFrame:
    """The answer rows of `requests` (see the module docstring)."""
    rows: list[dict[str, Any]] = []
    for index, row in enumerate(requests.to_dict("records")):
        mode = _value(row, "mode", "sample")
        if mode not in MODES:
            raise ValueError(f"row {index}: mode must be one of {', '.join(MODES)}, got {mode!r}")
        temperature = float(_value(row, "temperature", 0.5))
        seed = _value(row, "seed", None)
        seed = None if seed is None else int(seed)
        controls = _controls(model, row, index)
        extra: list[dict[str, str]] = []
        if mode == "sample":
            rng = np.random.default_rng(seed)
            count = int(_value(row, "num_outputs", 1))
            z = rng.standard_normal((count, model.z_size), dtype=np.float32)
            events, _ = model.decode(z, temperature, seed=int(rng.integers(2**31)),
                                     keep_logits=False, controls=controls)
        elif mode == "decode":
            z = np.asarray(json.loads(_value(row, "z", "[]")), np.float32).reshape(-1, model.z_size)
            events, _ = model.decode(z, temperature, seed=seed, keep_logits=False,
                                     controls=controls)
        elif mode == "encode":
            window = _window(model, _value(row, "events", None), "events")
            z, mu, sigma = model.encode(window[None], seed=seed, controls=controls)
            events = window[None]
            extra = [{"mu": json.dumps(mu[0].tolist()), "sigma": json.dumps(sigma[0].tolist())}]
        else:
            start = _window(model, _value(row, "events", None), "events")
            end = _window(model, _value(row, "events_to", None), "events_to")
            z, events, _ = model.interpolate(start, end, int(_value(row, "num_steps", 7)),
                                             temperature, seed=seed, controls=controls)
        for k in range(len(events)):
            rows.append({"request": index, "events": json.dumps(np.asarray(events[k]).tolist()),
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
