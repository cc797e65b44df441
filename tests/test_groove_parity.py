"""serenade.groove against magenta's own GrooveConverter (tests/fixtures/magenta/groove, made by
tools/oracle/make_groove_fixture.py with the six GrooVAE configs' converters).

Proven exactly (floats within 1e-6), window for window, for every config, input and mode (eval:
the Roland training classes; infer: the reduced classes): inputs, outputs, controls, lengths,
the inputs that give nothing and the ones magenta rejects (KeyError), and `from_tensors` (the
NoteSequences of the outputs and of random tensors) note for note. Note dropout, the one random
option, is matched exactly when drawing from `np.random.RandomState(seed)` (the draws magenta
makes from numpy's global state after `np.random.seed(seed)`), and by distribution with a
`np.random.Generator` (the kept-hit rate of magenta's draws).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from note_seq import midi_io
from note_seq.protobuf import music_pb2

from serenade.groove import GrooveConverter, UnmappedDrumPitch
from serenade.groove.configs import CONVERTERS

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "magenta" / "groove"
RECORD = json.loads((FIXTURE / "fixture.json").read_text(encoding="utf-8"))
NAMES = RECORD["inputs"]
MODES = ("eval", "infer")
ATOL = 1e-6


def _inputs() -> list[music_pb2.NoteSequence]:
    edges = np.load(FIXTURE / "edge_cases.npz")
    sequences = []
    for name in NAMES:
        if name.endswith(".mid"):
            sequences.append(midi_io.midi_file_to_note_sequence(str(FIXTURE / "cases" / name)))
        else:
            sequences.append(music_pb2.NoteSequence.FromString(edges[name].tobytes()))
    return sequences


INPUTS = _inputs()


def _seed(k: int, mode: str) -> int:
    return 4321 + 10 * k + (mode == "infer")  # as fixture.json's "dropout_seed" says


def _notes(sequence: music_pb2.NoteSequence) -> list[list]:
    return [[n.pitch, n.velocity, n.start_time, n.end_time, n.instrument, bool(n.is_drum)]
            for n in sequence.notes]


def _assert_same_notes(ours: list[list], theirs: list[list]) -> None:
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a[0:2] == b[0:2] and a[4:] == b[4:], (a, b)
        np.testing.assert_allclose(a[2:4], b[2:4], rtol=0, atol=ATOL)


def test_the_fixture_covers_every_groovae_config():
    assert sorted(RECORD["configs"]) == sorted(CONVERTERS)


@pytest.mark.parametrize("config", sorted(CONVERTERS))
def test_to_tensors_window_for_window(config):
    converter = CONVERTERS[config]
    expected = np.load(FIXTURE / f"{config}.npz")
    cases = RECORD["configs"][config]["cases"]
    checked = 0
    for k, sequence in enumerate(INPUTS):
        for mode in MODES:
            case = cases[f"{k}_{mode}"]
            rng = np.random.RandomState(_seed(k, mode))
            if "error" in case:
                assert case["error"] == "KeyError"
                with pytest.raises(KeyError):
                    converter.to_tensors(sequence, mode, rng=rng)
                continue
            ours = converter.to_tensors(sequence, mode, rng=rng)
            assert len(ours) == case["windows"], (NAMES[k], mode)
            if not case["windows"]:
                assert converter.explain(sequence, mode)
                continue
            key = f"{k}_{mode}"
            np.testing.assert_allclose(ours.outputs, expected[f"{key}_outputs"], rtol=0,
                                       atol=ATOL)
            np.testing.assert_allclose(ours.inputs, expected[f"{key}_inputs"], rtol=0, atol=ATOL)
            np.testing.assert_array_equal(ours.controls, expected[f"{key}_controls"])
            np.testing.assert_array_equal(ours.lengths, expected[f"{key}_lengths"])
            assert converter.explain(sequence, mode) == ""
            checked += len(ours)
    assert checked >= (10 if config == "groovae_4bar" else 22)  # windows compared


def test_the_fixture_reaches_every_rule():
    """The inputs exercise what they are meant to: off-grid notes, every velocity, two notes of
    a class in a step, rejected pitches, inputs with no window."""
    outputs = np.load(FIXTURE / "groovae_2bar_humanize.npz")["0_eval_outputs"]
    offsets, velocities = outputs[..., 18:], outputs[..., 9:18]
    assert np.abs(offsets).max() > 0.5 and (np.abs(offsets) > 0.05).mean() > 0.05
    assert len(np.unique(velocities)) > 40
    cases = RECORD["configs"]["groovae_4bar"]["cases"]
    assert sum("error" in case for case in cases.values()) == 3
    assert sum(case.get("windows") == 0 for case in cases.values()) >= 10


@pytest.mark.parametrize("config", ["groovae_4bar", "groovae_2bar_humanize"])
def test_from_tensors_note_for_note(config):
    converter = CONVERTERS[config]
    expected = np.load(FIXTURE / f"{config}.npz")
    for key, case in RECORD["configs"][config]["cases"].items():
        if not case.get("windows"):
            continue
        mode = key.split("_")[1]
        decoded = converter.from_tensors(expected[f"{key}_outputs"], mode)
        assert len(decoded) == len(case["decoded"])
        for ours, theirs in zip(decoded, case["decoded"]):
            _assert_same_notes(_notes(ours), theirs)
            assert [t.qpm for t in ours.tempos] == [120.0]


@pytest.mark.parametrize("mode", MODES)
def test_from_tensors_of_random_tensors(mode):
    """Rounding and clipping of velocities (outside [0, 1]) and offsets (outside [-1, 1]), the
    0.5 hit threshold and the exemplar pitches of each mode's classes."""
    samples = np.load(FIXTURE / "random.npz")["random_samples"]
    converter = CONVERTERS["groovae_2bar_humanize"]
    decoded = converter.from_tensors(samples, mode)
    for ours, theirs in zip(decoded, RECORD[f"random_decoded_{mode}"], strict=True):
        _assert_same_notes(_notes(ours), theirs)
    pitches = {n.pitch for s in decoded for n in s.notes}
    assert pitches == ({36, 38, 42, 46, 43, 47, 50, 49, 51} if mode == "eval"
                       else {36, 38, 42, 46, 45, 48, 50, 49, 51})


def test_note_dropout_by_distribution():
    """Drawing from a Generator (not magenta's stream): the rate of kept hits matches magenta's
    over as many draws, and the analytic rate 1 - E[p] * mean(max(0.2, 1 - velocity))."""
    stats = RECORD["dropout_stats"]
    converter = GrooveConverter(split_bars=2, max_note_dropout_probability=0.8)
    sequence = INPUTS[NAMES.index(stats["input"])]
    rng = np.random.default_rng(11)
    kept = total = 0.0
    kept_cells = 0
    for _ in range(stats["draws"]):
        tensors = converter.to_tensors(sequence, "eval", rng=rng)
        kept += tensors.inputs[..., :9].sum()
        total += tensors.outputs[..., :9].sum()
        hits_in, hits_out = tensors.inputs[..., :9], tensors.outputs[..., :9]
        kept_cells = kept_cells + hits_in
        assert np.all(hits_in <= hits_out)  # dropout only removes hits
        for values in (tensors.inputs[..., 9:18], tensors.inputs[..., 18:]):
            np.testing.assert_array_equal(values * (1 - hits_in), 0)  # a dropped note's too
    grid = converter.grid(sequence, "eval")
    weights = np.maximum(0.2, 1 - grid.velocities[grid.hits == 1])
    analytic = 1 - 0.4 * weights.mean()
    # the per-sequence p makes draws correlated: sd of the mean rate over 400 draws ~0.008
    assert abs(kept / total - stats["kept_hit_rate"]) < 0.04
    assert abs(kept / total - analytic) < 0.03
    # per hit: the rate it is kept at (softer notes are dropped more) matches magenta's
    magenta_rates = np.load(FIXTURE / "dropout_stats.npz")["kept_counts"] / stats["draws"]
    hits = tensors.outputs[..., :9] == 1
    ours, theirs = kept_cells[hits] / stats["draws"], magenta_rates[hits]
    assert np.abs(ours - theirs).max() < 0.12
    assert np.corrcoef(ours, theirs)[0, 1] > 0.7
    assert np.all(magenta_rates[~hits] == 0)


def test_dropout_follows_numpys_legacy_stream():
    """A RandomState draws as magenta does from np.random after np.random.seed: the inputs of
    the dropout config match the fixture only with the right seed."""
    converter = CONVERTERS["groovae_2bar_tap_fixed_velocity_note_dropout"]
    expected = np.load(FIXTURE / "groovae_2bar_tap_fixed_velocity_note_dropout.npz")
    ours = converter.to_tensors(INPUTS[0], "eval", rng=np.random.RandomState(_seed(0, "eval")))
    np.testing.assert_allclose(ours.inputs, expected["0_eval_inputs"], rtol=0, atol=ATOL)
    other = converter.to_tensors(INPUTS[0], "eval", rng=np.random.RandomState(1))
    assert not np.allclose(other.inputs, expected["0_eval_inputs"])


def test_unmapped_pitch_is_a_key_error_naming_the_pitch():
    with pytest.raises(UnmappedDrumPitch, match="pitch 90"):
        CONVERTERS["groovae_4bar"].to_tensors(INPUTS[NAMES.index("unmapped_pitch_90")])
