"""The generation jobs on a chord-conditioned model: the tiny `cat-mel_2bar_med_chords`
checkpoint made by magenta's own code, sampled over a progression, walked between real pieces
over their own chords, edited with an attribute vector and measured, through the job
functions the workflow rules call; the eval and train splits are real MIDI with chords (read
from chord symbols or inferred)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from note_seq.protobuf import music_pb2

from serenade.base.midi_parser import read_midi
from serenade.chords import encoding, voicing
from serenade.conversion import controls as ctl
from serenade.base.tfrecords import read_note_sequences
from serenade.conversion.splits import split_windows, windows_by_sequence
from serenade.generation.features import features_for
from serenade.generation.jobs.context import JobContext
from serenade.generation.jobs.attribute_edits import run_attributes
from serenade.generation.jobs.music_metrics import run_metrics
from serenade.generation.jobs.quality_check import run_quality
from serenade.generation.jobs.samples import run_samples
from serenade.generation.jobs.walks import run_walk
from serenade.generation.metrics import music_metrics, training_keys
from serenade.generation.writing import RenderSettings
from serenade.melody import events as ev

from testing.fixtures import PROJECT_MAGENTA_FIXTURES, chord_fixture_note_sequences
from testing.music_files import midi_text_events, write_note_sequence_tfrecord

CONFIG = "cat-mel_2bar_med_chords"
FOLDER = PROJECT_MAGENTA_FIXTURES / "cat-mel_2bar_med_chords-tiny"
CASES = FOLDER / "cases"
QPM = 120.0
STEP = 60.0 / QPM / 4  # seconds per 16th-note step


def _context(tmp_path, out: str) -> JobContext:
    return JobContext(model_name="lead_sheet", config_name=CONFIG,
                      checkpoint=FOLDER / "checkpoint", out_dir=tmp_path / out,
                      render=RenderSettings(program=0, audio=False),
                      tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}", results_dir=tmp_path)


@pytest.fixture(scope="module")
def model():
    return JobContext("lead_sheet", CONFIG, FOLDER / "checkpoint", "unused").load_model()


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    """Train and eval TFRecords of real MIDI with chords (the chord converter fixture's
    pieces: chord symbols where it has them, inferred chords elsewhere)."""
    sequences = chord_fixture_note_sequences()
    folder = tmp_path_factory.mktemp("splits")
    train = write_note_sequence_tfrecord(folder / "train.tfrecord", sequences)
    eval_ = write_note_sequence_tfrecord(folder / "eval.tfrecord", sequences[::2])
    return [train], [eval_]


def _texts(path) -> list[tuple[float, str]]:
    """(second, text) of the text events of a 120-qpm MIDI file."""
    return [(round(beat / 2, 3), text) for beat, text in midi_text_events(path)]


def _parts(sequence: music_pb2.NoteSequence):
    melody = [n for n in sequence.notes if n.instrument != voicing.INSTRUMENT]
    chords = [n for n in sequence.notes if n.instrument == voicing.INSTRUMENT]
    return melody, chords


def _sounding(chord_notes, second: float) -> set[int]:
    return {n.pitch for n in chord_notes if n.start_time <= second < n.end_time}


def test_samples_follow_the_progression_and_play_it(tmp_path, model):
    out = run_samples(_context(tmp_path, "samples"), n=3, temperatures=[0.5], seed=4, qpm=QPM,
                      chords="C Am F G")
    progression = model.config.converter.progression(["C", "Am", "F", "G"])
    with np.load(out / "samples.npz") as arrays:
        events, chords = arrays["events_t0.5"], arrays["chords"]
    np.testing.assert_array_equal(chords, progression)
    # the job sampled over the progression: the model's own draw with those controls
    expected, _ = model.sample(3, temperature=0.5, seed=4, keep_logits=False,
                               controls=ctl.vectors(model.config.converter, progression))
    np.testing.assert_array_equal(events, expected)
    other, _ = model.sample(3, temperature=0.5, seed=4, keep_logits=False,
                            controls=ctl.vectors(model.config.converter,
                                                 model.config.converter.progression(["F#m"])))
    assert not np.array_equal(events, other)
    for index, row in enumerate(events):
        path = out / "t0.5" / f"sample-{index:03d}.mid"
        assert _texts(path) == [(0.0, "C"), (1.0, "Am"), (2.0, "F"), (3.0, "G")]
        melody, chord_notes = _parts(read_midi(path))
        assert len(melody) == int(np.sum(row >= ev.NOTE_OFF + 1))  # one note per onset
        octave = voicing.octave_under([n.pitch for n in melody])
        for second, figure in ((0.5, "C"), (1.5, "Am"), (2.5, "F"), (3.5, "G")):
            pitches = _sounding(chord_notes, second)
            assert sorted(pitches) == voicing.pitches(encoding.encode_chord(figure), octave)
        assert max(n.velocity for n in chord_notes) < min(n.velocity for n in melody)
        assert (path.with_suffix(".png")).stat().st_size > 1000


def test_an_interpolation_walks_over_each_inputs_own_chords(tmp_path, model):
    inputs = [str(CASES / "bwv244.44_0.mid"), str(CASES / "pop_verse.mid")]
    out = run_walk(_context(tmp_path, "walk"), kind="interpolation", name="a_to_b", inputs=inputs,
                   window="first", num_steps=5, method="slerp", temperature=0.0, seed=0,
                   qpm=QPM, sources=[])
    converter = model.config.converter
    first = converter.located_windows(read_midi(inputs[0]))[0]
    last = converter.located_windows(read_midi(inputs[1]))[0]
    assert not np.array_equal(first.controls, last.controls)
    with np.load(out / "path.npz") as path:
        chords, events = path["chords"], path["events"]
    # points 0-2 nearer input 1 (the middle one too), 3-4 nearer input 2
    for point in range(5):
        np.testing.assert_array_equal(chords[point],
                                      first.controls if point <= 2 else last.controls)
    # each endpoint is its input's greedy reconstruction over the input's own chords
    for point, window in ((0, first), (4, last)):
        controls = ctl.vectors(converter, window.controls[None])
        _, mu, _ = model.encode(window.events[None], controls=controls)
        greedy, _ = model.decode(mu, temperature=0.0, keep_logits=False, controls=controls)
        np.testing.assert_array_equal(events[point], greedy[0])
    ends = json.loads((out / "endpoints.json").read_text())
    assert 0.0 <= ends["endpoint_match"] <= 1.0
    step_4 = out / "step-04.mid"
    expected = [encoding.decode_chord(int(c)) for c in last.controls]
    changes = [(round(i * STEP, 3), f) for i, f in enumerate(expected)
               if i == 0 or f != expected[i - 1]]
    assert _texts(step_4) == changes
    whole = read_midi(out / "interpolation.mid")
    melody, chord_notes = _parts(whole)
    assert len(melody) == int(np.sum(events >= ev.NOTE_OFF + 1)) and chord_notes


def test_attribute_edits_and_quality_keep_each_windows_chords(tmp_path, model, splits):
    train, eval_ = splits
    converter = model.config.converter
    out = run_attributes(_context(tmp_path, "attributes"), train=train, eval=eval_,
                         labels_by_source={}, names=["note_density"], quantiles=[0.3, 0.7],
                         max_train_windows=500, max_eval_windows=100, strength=1.5,
                         pieces=[{"name": "verse_denser", "input": str(CASES / "pop_verse.mid"),
                                  "attribute": "note_density", "max_windows": 2}],
                         qpm=QPM, temperature=0.0, seed=0, window="first", sources=[])
    effects = (out / "effects.csv").read_text()
    assert effects.startswith("kind,") and "note_density" in effects
    located = converter.located_windows(read_midi(CASES / "pop_verse.mid"))
    first = located[0]  # the passage: the first window and the one 2 bars later
    passage = [first, next(w for w in located if (w.track, w.bar) == (first.track, first.bar + 2))]
    expected = [encoding.decode_chord(int(c)) for w in passage for c in w.controls]
    changes = [(round(i * STEP, 3), f) for i, f in enumerate(expected)
               if i == 0 or f != expected[i - 1]]
    assert _texts(out / "verse_denser.mid") == changes  # written at the job's 120 qpm
    for name in ("verse_denser.mid", "verse_denser-original.mid"):  # both play the chords
        assert _parts(read_midi(out / name))[1], name

    figures = run_quality(_context(tmp_path, "quality"), eval=eval_, temperatures=[0.5],
                          num_samples=8, seed=0, chords="C Am F G")
    held_out = split_windows(eval_, converter)
    assert held_out.controls is not None and len(held_out.controls) == len(held_out.windows)
    assert figures["reconstruction.windows"] == len(held_out.windows)
    # every window reconstructed over its own chords, one window at a time
    kept = []
    for window, chords in zip(held_out.windows, held_out.controls):
        controls = ctl.vectors(converter, chords[None])
        _, mu, _ = model.encode(window[None], controls=controls)
        greedy, _ = model.decode(mu, temperature=0.0, keep_logits=False, controls=controls)
        kept.append(greedy[0])
    assert figures["reconstruction.accuracy"] == pytest.approx(
        float(np.mean(np.stack(kept) == held_out.windows)), abs=1e-6)
    assert np.isfinite(figures["samples_t0.5.in_scale"])
    # chord tones: the eval windows' share over their own chords, the samples' over "C Am F G"
    onsets, on_tones = converter.chord_tone_onsets(held_out.windows, held_out.controls)
    assert figures["reference.chord_tones"] == pytest.approx(on_tones.sum() / onsets.sum())
    assert 0.0 <= figures["samples_t0.5.chord_tones"] <= 1.0
    assert "samples_t0.5.chord_tones" in (tmp_path / "quality" / "quality.txt").read_text()
    assert (tmp_path / "quality" / "quality.txt").read_text().startswith("Quality of lead_sheet")


def test_quality_and_metrics_measure_a_seeded_subset_of_a_large_eval_split(tmp_path, model,
                                                                          splits):
    """Past `max_eval_windows` both jobs draw the subset `split_windows` draws as the split
    streams by, each window keeping its own chords."""
    train, eval_ = splits
    converter = model.config.converter
    everything = split_windows(eval_, converter)
    cap = len(everything.windows) // 3
    subset = split_windows(eval_, converter, limit=cap, seed=0)
    assert len(subset.windows) == cap >= 2
    figures = run_quality(_context(tmp_path, "quality"), eval=eval_, temperatures=[0.5],
                          num_samples=8, seed=0, chords="C Am F G", max_eval_windows=cap)
    assert figures["reconstruction.windows"] == cap
    controls = ctl.vectors(converter, subset.controls)
    _, mu, _ = model.encode(subset.windows, controls=controls)
    greedy = np.stack([model.decode(mu[i:i + 1], temperature=0.0, keep_logits=False,
                                    controls=controls[i:i + 1])[0][0] for i in range(cap)])
    assert figures["reconstruction.accuracy"] == pytest.approx(
        float(np.mean(greedy == subset.windows)), abs=1e-6)
    onsets, on_tones = converter.chord_tone_onsets(subset.windows, subset.controls)
    assert figures["reference.chord_tones"] == pytest.approx(on_tones.sum() / onsets.sum())

    samples = run_samples(_context(tmp_path, "samples"), n=4, temperatures=[0.5], seed=0,
                          qpm=QPM, chords="C Am F G")
    out = run_metrics(_context(tmp_path, "metrics.csv"), samples=samples / "samples.npz",
                      train=train, eval=eval_, max_windows=50, max_eval_windows=cap, seed=0)
    features = features_for(converter)
    keys: set[bytes] = set()
    for windows, _, _ in windows_by_sequence(read_note_sequences(train), converter):
        keys |= training_keys(windows, features.key)
    with np.load(samples / "samples.npz") as arrays:
        expected = music_metrics(arrays["events_t0.5"], subset.windows, features=features,
                                 train_keys=keys, max_windows=50, seed=0)
    row = pd.read_csv(out).set_index("set").loc["samples_t0.5"]
    assert row.to_dict() == pytest.approx({k: float(f"{v:.6g}") for k, v in expected.items()},
                                          rel=1e-5, nan_ok=True)
