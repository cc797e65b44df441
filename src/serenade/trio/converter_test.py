"""TrioConverter against magenta's own converter output (tests/fixtures/magenta/trio)."""

import json

import numpy as np
import pytest
from note_seq import midi_io

from serenade.paths import REPO_ROOT
from serenade.conversion import converter_for_config
from serenade.trio import TrioConverter

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "magenta" / "trio"
INFO = json.loads((FIXTURE / "fixture.json").read_text())
EXPECTED = dict(np.load(FIXTURE / "expected.npz"))
CONVERTER = converter_for_config("hierdec-trio_16bar")


def load(case):
    return midi_io.midi_file_to_note_sequence(str(FIXTURE / case["midi"]))


def expected(key, steps=256):
    return EXPECTED.get(key, np.zeros((0, steps, 3), np.int16))


CASES = [pytest.param(k, case, id=case["midi"].split("/")[-1]) for k, case in
         enumerate(INFO["cases"])]


@pytest.mark.parametrize("k, case", CASES)
def test_windows_equal_magentas_in_order(k, case):
    windows = CONVERTER.to_windows(load(case))
    assert windows.dtype == np.int16 and windows.shape == (case["num_windows"], 256, 3)
    np.testing.assert_array_equal(windows, expected(f"case{k}_windows"))


@pytest.mark.parametrize("k, case", CASES)
def test_eval_cap_keeps_magentas_first_windows(k, case):
    windows = CONVERTER.to_windows(load(case), limit=True)
    np.testing.assert_array_equal(windows, expected(f"case{k}_eval_windows"))


@pytest.mark.parametrize("k, case", CASES)
def test_decoding_gives_magentas_note_sequences(k, case):
    if not case["num_windows"]:
        return
    windows = expected(f"case{k}_windows")
    want = EXPECTED[f"case{k}_decoded_notes"]
    totals = EXPECTED[f"case{k}_decoded_total_time"]
    for w, window in enumerate(windows):
        sequence = CONVERTER.to_note_sequence(CONVERTER.one_hot(window))
        got = sorted((n.instrument, n.program, int(n.is_drum), n.pitch, n.velocity,
                      round(n.start_time, 9), round(n.end_time, 9)) for n in sequence.notes)
        mine = sorted(tuple(int(v) for v in row[1:6]) + (round(row[6], 9), round(row[7], 9))
                      for row in want[want[:, 0] == w])
        assert got == mine
        assert sequence.total_time == pytest.approx(totals[w], abs=1e-9)


@pytest.mark.parametrize("k, case", CASES)
def test_explain_is_empty_exactly_when_windows_exist(k, case):
    assert (CONVERTER.explain(load(case)) == "") == (case["num_windows"] > 0)


@pytest.mark.parametrize("name, words", [
    ("no_bass.mid", ["no bass track (programs 32-39)"]),
    ("flute_lead.mid", ["no melody track (programs 0-31)", "'flute' (program 73)",
                        "neither melody"]),
    ("short_drums.mid", ["drum track 2 plays in bars 1-14 only", "16 bars"]),
])
def test_explanations_name_the_track(name, words):
    text = CONVERTER.explain(midi_io.midi_file_to_note_sequence(str(FIXTURE / "cases" / name)))
    for word in words:
        assert word in text


def test_every_config_name_shares_magentas_settings():
    for name in ("flat-trio_16bar", "hierdec-trio_16bar", "hier-trio_16bar"):
        converter = converter_for_config(name)
        assert (converter.slice_bars, converter.gap_bars, converter.max_bars,
                converter.steps_per_quarter, converter.window_steps, converter.depth) == (
            16, 2, 1024, 4, 256, 692)
        assert converter.max_tensors_per_notesequence == 5
    with pytest.raises(ValueError, match="flat-trio_16bar"):
        converter_for_config("trio_16bar")


def test_one_hot_round_trip_and_layout():
    windows = expected("case4_windows")[:2]
    tensors = CONVERTER.one_hot(windows)
    assert tensors.shape == (2, 256, 692) and tensors.dtype == bool
    assert (tensors.sum(-1) == 3).all()
    assert tensors[0, 0, windows[0, 0, 0]] and tensors[0, 0, 90 + windows[0, 0, 1]]
    assert tensors[0, 0, 180 + windows[0, 0, 2]]
    np.testing.assert_array_equal(CONVERTER.from_one_hot(tensors), windows)


def test_training_draws_at_most_five_of_the_windows():
    sequence = load(INFO["cases"][7])  # two melody tracks: 10 windows
    every = {w.tobytes() for w in CONVERTER.to_windows(sequence)}
    rng = np.random.default_rng(0)
    draws = [CONVERTER.to_windows(sequence, training=True, rng=rng) for _ in range(10)]
    assert all(len(d) == 5 and {w.tobytes() for w in d} <= every for d in draws)
    assert len({b"".join(w.tobytes() for w in d) for d in draws}) > 1


def test_windows_know_their_tracks_and_bars():
    windows = CONVERTER.windows_with_origin(load(INFO["cases"][7]))
    assert [w.instruments for w in windows] == [(0, 2, 4)] * 5 + [(1, 2, 4)] * 5
    assert [w.start_bar for w in windows] == [0, 1, 2, 3, 4] * 2


def test_smaller_windows_and_gap_settings_are_accepted():
    converter = TrioConverter(slice_bars=4, gap_bars=0)
    assert converter.to_windows(load(INFO["cases"][4])).shape[1:] == (64, 3)


def test_located_windows_carry_the_melody_track_bar_and_tempo():
    by_name = {case["midi"].split("/")[-1]: case for case in INFO["cases"]}
    two = load(by_name["two_melodies.mid"])
    located = CONVERTER.located_windows(two)
    np.testing.assert_array_equal(np.stack([w.events for w in located]), CONVERTER.to_windows(two))
    assert [(w.track, w.bar) for w in located] == [(0, b) for b in range(5)] + [(1, b) for b in range(5)]
    tempo = CONVERTER.located_windows(load(by_name["tempo_change.mid"]))
    assert [(w.bar, round(w.qpm)) for w in tempo] == [(0, 120), (1, 120), (17, 90), (18, 90)]
    assert CONVERTER.located_windows(load(by_name["no_bass.mid"])) == []


def test_kit_hits_read_the_drum_part_and_reports_name_tracks():
    windows = expected("case4_windows")[:2]
    hits = CONVERTER.kit_hits(windows)
    assert hits.shape == (2, 256, 9) and CONVERTER.kit_pieces[:2] == ("kick", "snare")
    np.testing.assert_array_equal(hits.any(-1), windows[..., 2] != 0)
    assert CONVERTER.part_names == ("melody", "bass", "drums")
    report = CONVERTER.analyze(midi_io.midi_file_to_note_sequence(
        str(FIXTURE / "cases" / "flute_lead.mid")))
    assert any("'flute' (program 73)" in line for line in report.track_problems())
    assert "neither melody" in report.why_track(0) and report.why_track(7) == "there is no such track"
