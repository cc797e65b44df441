import json

import numpy as np
import pandas as pd
import pytest

from serenade.models.checkpoint import load_model
from serenade.models.mlflow_model import answer, input_example, signature
from serenade.testing import PROJECT_MAGENTA_FIXTURES, fixture_model


def test_sample_requests_repeat_with_their_seed_and_give_midi():
    model = fixture_model()
    request = pd.DataFrame([{"mode": "sample", "num_outputs": 2, "seed": 4, "temperature": 0.5}])
    first, again = answer(model, request), answer(model, request)
    assert list(first["request"]) == [0, 0]
    assert first["events"].tolist() == again["events"].tolist()
    assert all(len(json.loads(e)) == model.window_steps for e in first["events"])
    assert all(m.startswith("TVRoZA") for m in first["midi"])  # base64 of "MThd"


def test_decode_of_an_encoded_mu_at_temperature_zero_is_the_greedy_decode():
    model = fixture_model()
    window = np.asarray(model.sample(1, temperature=0.0, seed=1)[0][0])
    encoded = answer(model, pd.DataFrame([{"mode": "encode", "events": json.dumps(window.tolist())}]))
    mu = np.asarray(json.loads(encoded["mu"][0]), np.float32)
    decoded = answer(model, pd.DataFrame([{"mode": "decode", "z": json.dumps(mu.tolist()),
                                           "temperature": 0.0}]))
    expected, _ = model.decode(mu[None], temperature=0.0)
    assert json.loads(decoded["events"][0]) == expected[0].tolist()


def test_bad_requests_say_what_is_wrong():
    model = fixture_model()
    with pytest.raises(ValueError, match="mode must be one of"):
        answer(model, pd.DataFrame([{"mode": "dance"}]))
    with pytest.raises(ValueError, match="`events` must be one window"):
        answer(model, pd.DataFrame([{"mode": "encode", "events": "[1, 2, 3]"}]))


def test_a_chord_model_reads_the_progression():
    folder = PROJECT_MAGENTA_FIXTURES / "cat-mel_2bar_med_chords-tiny"
    model = load_model(folder / "checkpoint", "cat-mel_2bar_med_chords")
    request = {"mode": "sample", "num_outputs": 1, "seed": 2, "temperature": 0.0}
    in_c = answer(model, pd.DataFrame([{**request, "chords": "C G Am F"}]))
    in_e = answer(model, pd.DataFrame([{**request, "chords": "Em Bdim Em B"}]))
    assert in_c["events"][0] != in_e["events"][0]
    with pytest.raises(ValueError, match="conditioned on chords"):
        answer(model, pd.DataFrame([request]))
    assert "chords" in input_example(chords=True).columns
    assert "chords" in signature().inputs.input_names()
