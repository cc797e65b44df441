"""The requests a served model takes (`serenade.models.mlflow_model`), checked before any work.

A model server is open to whatever a client sends: every field of every row is checked (known
columns, a known mode, finite numbers, whole counts - 2.7 outputs is refused, not truncated -,
windows and z of the model's shape) and a request's work is bounded: at most MAX_ROWS rows and
MAX_OUTPUTS answer rows in all, and a deadline (the server's own request timeout) checked
between pieces of work, so a request the server has given up on stops instead of running on.
A bad request raises RequestError (a ValueError) naming the row and the field.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from serenade.models import latent_prior as priors

MODES = ("sample", "encode", "decode", "interpolate")
COLUMNS = ("mode", "num_outputs", "temperature", "seed", "events", "events_to", "z",
           "num_steps", "chords", "prior")
# Bounds of one request: rows, answer rows (samples, decoded z, interpolation points), seconds.
MAX_ROWS = 64
MAX_OUTPUTS = 256
DEFAULT_SECONDS = 60.0
TIMEOUT_VARIABLE = "MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT"  # what `mlflow models serve` sets


class RequestError(ValueError):
    """A request the model refuses; the message names the row and field and says why."""


@dataclass(frozen=True)
class Request:
    """One checked row."""

    index: int
    mode: str
    temperature: float = 0.5
    seed: int | None = None
    num_outputs: int = 1
    num_steps: int = 7
    z: np.ndarray | None = None  # [n, z_size] float32
    events: np.ndarray | None = None  # one window
    events_to: np.ndarray | None = None
    chords: str | None = None
    prior: str = priors.STANDARD  # what a sample's z are drawn from

    @property
    def outputs(self) -> int:
        """Answer rows this request makes."""
        return {"sample": self.num_outputs, "encode": 1, "interpolate": self.num_steps,
                "decode": 0 if self.z is None else len(self.z)}[self.mode]


class Deadline:
    """Seconds a request may take: the server's timeout (its environment variable), else
    DEFAULT_SECONDS."""

    def __init__(self, seconds: float | None = None) -> None:
        if seconds is None:
            try:
                seconds = float(os.environ.get(TIMEOUT_VARIABLE, DEFAULT_SECONDS))
            except ValueError:
                seconds = DEFAULT_SECONDS
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise RequestError(f"the request took longer than {self.seconds:g} s and was "
                               f"stopped; ask for fewer outputs per request")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _number(row: dict, key: str, where: str) -> float | None:
    value = row.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise RequestError(f"{where}: `{key}` must be a number, got {value!r}") from None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise RequestError(f"{where}: `{key}` must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise RequestError(f"{where}: `{key}` must be a finite number, got {value}")
    return value


def _whole(row: dict, key: str, where: str, low: int, high: int | None,
           default: int | None) -> int | None:
    value = _number(row, key, where)
    if value is None:
        return default
    if not value.is_integer():
        raise RequestError(f"{where}: `{key}` must be a whole number, got {value:g}")
    if value < low or (high is not None and value > high):
        top = f"..{high}" if high is not None else " or more"
        raise RequestError(f"{where}: `{key}` must be {low}{top}, got {value:g}")
    return int(value)


def _json_array(row: dict, key: str, where: str) -> np.ndarray | None:
    text = row.get(key)
    if _missing(text):
        return None
    if not isinstance(text, str):
        raise RequestError(f"{where}: `{key}` must be a JSON list (a string), got {type(text).__name__}")
    try:
        array = np.asarray(json.loads(text), dtype=np.float64)
    except (ValueError, TypeError, RecursionError):
        raise RequestError(f"{where}: `{key}` must be a JSON list of numbers") from None
    if not np.isfinite(array).all():
        raise RequestError(f"{where}: `{key}` holds NaN or infinite values")
    return array


def _window(model, row: dict, key: str, where: str) -> np.ndarray:
    array = _json_array(row, key, where)
    shape = " x ".join(map(str, model.window_shape))
    if array is None:
        raise RequestError(f"{where}: mode {row.get('mode')} needs `{key}`: one window, a JSON "
                           f"list of {shape} class indices")
    if array.shape != tuple(model.window_shape):
        raise RequestError(f"{where}: `{key}` must be one window, a JSON list of {shape} class "
                           f"indices, got shape {' x '.join(map(str, array.shape))}")
    if not (array == np.round(array)).all():
        raise RequestError(f"{where}: `{key}` must hold whole class indices")
    by_part = array.reshape(model.window_steps, -1)
    for part, depth in enumerate(model.part_depths):
        if by_part[:, part].min() < 0 or by_part[:, part].max() >= depth:
            raise RequestError(f"{where}: `{key}` classes must be in 0..{depth - 1}")
    return array.astype(np.int64)


def _z(model, row: dict, where: str) -> np.ndarray:
    array = _json_array(row, "z", where)
    size = model.z_size
    if array is None or array.size == 0:
        raise RequestError(f"{where}: mode decode needs `z`: a JSON list of {size} numbers "
                           "(or a list of such lists)")
    if array.ndim > 2 or array.shape[-1] != size:
        raise RequestError(f"{where}: `z` must be {size} numbers (or a list of such lists), got "
                           f"shape {' x '.join(map(str, array.shape))}")
    return array.reshape(-1, size).astype(np.float32)


def parse_row(model, index: int, row: dict) -> Request:
    """The checked request of one row."""
    where = f"row {index}"
    mode = row.get("mode")
    mode = "sample" if _missing(mode) else mode
    if mode not in MODES:
        raise RequestError(f"{where}: mode must be one of {', '.join(MODES)}, got {mode!r}")
    temperature = _number(row, "temperature", where)
    if temperature is not None and temperature < 0:
        raise RequestError(f"{where}: `temperature` must be at least 0, got {temperature:g}")
    chords = row.get("chords")
    if not _missing(chords) and not isinstance(chords, str):
        raise RequestError(f"{where}: `chords` must be a string such as \"C G Am F\"")
    fields: dict[str, Any] = dict(
        index=index, mode=mode, temperature=0.5 if temperature is None else temperature,
        seed=_whole(row, "seed", where, 0, 2**63 - 1, None),
        chords=None if _missing(chords) else chords)
    if mode == "sample":
        fields["num_outputs"] = _whole(row, "num_outputs", where, 1, MAX_OUTPUTS, 1)
        prior = row.get("prior")
        if not _missing(prior) and prior not in priors.CHOICES:
            raise RequestError(f"{where}: `prior` must be one of {', '.join(priors.CHOICES)}, "
                               f"got {prior!r}")
        fields["prior"] = priors.STANDARD if _missing(prior) else prior
    elif mode == "decode":
        fields["z"] = _z(model, row, where)
    elif mode == "encode":
        fields["events"] = _window(model, row, "events", where)
    else:
        fields["events"] = _window(model, row, "events", where)
        fields["events_to"] = _window(model, row, "events_to", where)
        fields["num_steps"] = _whole(row, "num_steps", where, 2, MAX_OUTPUTS, 7)
    return Request(**fields)


def parse_requests(model, frame: pd.DataFrame) -> list[Request]:
    """Every row checked, and the request's size within MAX_ROWS and MAX_OUTPUTS."""
    unknown = [str(c) for c in frame.columns if c not in COLUMNS]
    if unknown:
        raise RequestError(f"unknown column(s) {', '.join(unknown)}; the columns are "
                           f"{', '.join(COLUMNS)}")
    if len(frame) > MAX_ROWS:
        raise RequestError(f"{len(frame)} rows in one request; at most {MAX_ROWS}")
    requests = [parse_row(model, i, {k: (None if _missing(v) else v) for k, v in row.items()})
                for i, row in enumerate(frame.to_dict("records"))]
    total = sum(request.outputs for request in requests)
    if total > MAX_OUTPUTS:
        raise RequestError(f"the request asks for {total} answer rows; at most {MAX_OUTPUTS} "
                           "per request (send several requests)")
    return requests
