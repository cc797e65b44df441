import json
import time

import numpy as np
import pandas as pd
import pytest

from serenade.models.checkpoint import load_model
from serenade.models.mlflow_model import answer, input_example, signature

from testing.fixtures import PROJECT_MAGENTA_FIXTURES, fixture_model


def test_sample_requests_repeat_with_their_seed_and_give_midi():
    model = fixture_model()
    request = pd.DataFrame([{"mode": "sample", "num_outputs": 2, "seed": 4, "temperature": 0.5}])
    first, again = answer(model, request), answer(model, request)
    assert list(first["request"]) == [0, 0]
    assert first["events"].tolist() == again["events"].tolist()
    assert all(len(json.loads(e)) == model.window_steps for e in first["events"])
    assert all(m.startswith("TVRoZA") for m in first["midi"])  # base64 of "MThd"


def test_a_sample_request_may_draw_from_the_models_fitted_prior():
    from serenade.models import latent_prior as priors

    model = fixture_model()
    rng = np.random.default_rng(0)
    model.latent_prior = priors.fit(2.0 + 0.1 * rng.standard_normal((64, model.z_size)),
                                    np.full((64, model.z_size), 0.05))
    row = {"mode": "sample", "num_outputs": 8, "seed": 4}
    fitted = answer(model, pd.DataFrame([{**row, "prior": "fitted"}]))
    standard = answer(model, pd.DataFrame([row]))  # magenta's N(0, I) unless asked
    z = lambda rows: np.asarray([json.loads(v) for v in rows["z"]])  # noqa: E731
    assert abs(z(fitted).mean() - 2.0) < 0.1 and abs(z(standard).mean()) < 0.2
    with pytest.raises(ValueError, match="`prior` must be one of standard, fitted"):
        answer(model, pd.DataFrame([{**row, "prior": "uniform"}]))


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


BAD_REQUESTS = [
    ({"mode": "sample", "colour": "red"}, "unknown column(s) colour"),
    ({"mode": "dance"}, "row 0: mode must be one of"),
    ({"mode": "sample", "num_outputs": 2.7}, "`num_outputs` must be a whole number, got 2.7"),
    ({"mode": "sample", "num_outputs": 0}, "`num_outputs` must be 1..256"),
    ({"mode": "sample", "num_outputs": 100000000}, "`num_outputs` must be 1..256"),
    ({"mode": "sample", "num_outputs": "many"}, "`num_outputs` must be a number"),
    ({"mode": "sample", "temperature": "nan"}, "`temperature` must be a finite number"),
    ({"mode": "sample", "temperature": "inf"}, "`temperature` must be a finite number"),
    ({"mode": "sample", "temperature": -1}, "`temperature` must be at least 0"),
    ({"mode": "sample", "seed": 1.5}, "`seed` must be a whole number"),
    ({"mode": "decode"}, "mode decode needs `z`"),
    ({"mode": "decode", "z": json.dumps([0.0] * 7)}, "`z` must be 256 numbers"),
    ({"mode": "decode", "z": "[" + ", ".join(["NaN"] + ["0"] * 255) + "]"}, "NaN or infinite"),
    ({"mode": "decode", "z": "not json"}, "`z` must be a JSON list of numbers"),
    ({"mode": "encode"}, "mode encode needs `events`"),
    ({"mode": "encode", "events": json.dumps([2.5] * 32)}, "whole class indices"),
    ({"mode": "encode", "events": json.dumps([95] * 32)}, "classes must be in 0..89"),
    ({"mode": "interpolate", "events": json.dumps([0] * 32), "events_to": json.dumps([0] * 32),
      "num_steps": 1000}, "`num_steps` must be 2..256"),
]


@pytest.mark.parametrize("request_row, message", BAD_REQUESTS)
def test_every_field_is_checked_before_any_work(request_row, message):
    from serenade.models.requests import RequestError

    with pytest.raises(RequestError) as error:
        answer(fixture_model(), pd.DataFrame([request_row]))
    assert message in str(error.value)


def test_a_request_is_bounded_in_rows_outputs_and_time():
    from serenade.models.requests import MAX_OUTPUTS, MAX_ROWS, Deadline, RequestError

    model = fixture_model()
    with pytest.raises(RequestError, match=f"at most {MAX_ROWS}"):
        answer(model, pd.DataFrame([{"mode": "sample"}] * (MAX_ROWS + 1)))
    with pytest.raises(RequestError, match=f"asks for {2 * MAX_OUTPUTS} answer rows"):
        answer(model, pd.DataFrame([{"mode": "sample", "num_outputs": MAX_OUTPUTS}] * 2))
    started = time.monotonic()
    with pytest.raises(RequestError, match="took longer than 0.2 s and was stopped"):
        answer(model, pd.DataFrame([{"mode": "sample", "num_outputs": MAX_OUTPUTS}]),
               deadline=Deadline(0.2))
    assert time.monotonic() - started < 10  # stopped, not run to the end


def test_the_served_model_answers_a_bad_request_with_a_400_and_no_traceback():
    from mlflow.exceptions import MlflowException

    from serenade.models.mlflow_model import MusicVAEPyfunc

    served = MusicVAEPyfunc()
    served.model = fixture_model()
    with pytest.raises(MlflowException) as error:
        served.predict(None, pd.DataFrame([{"mode": "sample", "num_outputs": 2.7}]))
    assert error.value.get_http_status_code() == 400
    assert "num_outputs" in error.value.message and "Traceback" not in error.value.serialize_as_json()


def test_the_request_columns_are_the_ones_checked():
    from serenade.models.mlflow_model import REQUEST_COLUMNS
    from serenade.models.requests import COLUMNS

    assert tuple(REQUEST_COLUMNS) == COLUMNS
