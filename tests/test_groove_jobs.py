"""`serenade groove humanize/tap/add-hihat/quality` on real drum MIDI (the groove fixture cases)
and magenta's own tiny GrooVAE checkpoints (tests/fixtures/magenta/groove_model), one per job's
config. The checkpoints are barely trained: the tests assert what the jobs guarantee (drums,
velocities and micro-timing written, the right classes, the input's hits kept where the job
keeps them), not musical quality."""

from __future__ import annotations

import json
from pathlib import Path

import note_seq
import numpy as np
import pytest
from note_seq.protobuf import music_pb2

from serenade.cli import main
from serenade.groove import jobs
from serenade.groove.configs import CONVERTERS
from serenade.models.checkpoint import load_model

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "magenta"
MODELS = FIXTURES / "groove_model"
CASES = FIXTURES / "groove" / "cases"
FUNK, ROCK = CASES / "0_funk_97.mid", CASES / "1_rock_fill_120.mid"
# The fixtures' layer sizes: a full config's name with a tiny checkpoint keeps its name with them.
SIZES = ["--hparams", "z_size=8,enc_rnn_size=[32],dec_rnn_size=[32,32]"]
HUMANIZE = ["--config", "groovae_2bar_tiny", "--checkpoint",
            str(MODELS / "groovae_2bar_humanize" / "checkpoint")]
TAP = ["--config", "groovae_2bar_tap_fixed_velocity", *SIZES, "--checkpoint",
       str(MODELS / "groovae_2bar_tap_fixed_velocity" / "checkpoint")]
ADD_HH = ["--config", "groovae_2bar_add_closed_hh", *SIZES, "--checkpoint",
          str(MODELS / "groovae_2bar_add_closed_hh" / "checkpoint")]
CLASSES = CONVERTERS["groovae_2bar_humanize"].classes_for("infer")
CLOSED_HH = 2  # the reduced classes' closed hi-hat (pitch 42's)


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exit_info:  # argparse: a usage error
        code = exit_info.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _read(path: Path) -> music_pb2.NoteSequence:
    return note_seq.midi_file_to_note_sequence(str(path))


def _write(sequence: music_pb2.NoteSequence, path: Path) -> str:
    note_seq.sequence_proto_to_midi_file(sequence, str(path))
    return str(path)


def _step_seconds(sequence: music_pb2.NoteSequence) -> float:
    return 60.0 / sequence.tempos[0].qpm / 4


def _quantized_loop(path: Path) -> str:
    """The funk groove played by a machine: every drum note on its 16th, velocity 100."""
    sequence = _read(FUNK)
    step = _step_seconds(sequence)
    for note in sequence.notes:
        note.start_time = round(note.start_time / step) * step
        note.end_time = note.start_time + step / 2
        note.velocity = 100
    return _write(sequence, path)


def _off_grid(sequence: music_pb2.NoteSequence) -> int:
    step = _step_seconds(sequence)
    return sum(abs(n.start_time / step - round(n.start_time / step)) > 1e-3
               for n in sequence.notes)


def test_humanize_gives_velocities_and_timing_to_a_quantized_loop(tmp_path, capsys):
    loop = _quantized_loop(tmp_path / "loop.mid")
    assert _off_grid(_read(loop)) == 0 and {n.velocity for n in _read(loop).notes} == {100}
    code, out, err = _run(["groove", "humanize", *HUMANIZE, loop, "-o",
                           str(tmp_path / "out" / "human.mid"), "--seed", "1"], capsys)
    assert code == 0, err
    assert "left out" in out  # the funk's 9th bar is no whole 2-bar window
    output = _read(tmp_path / "out" / "human.mid")
    assert output.tempos[0].qpm == pytest.approx(_read(loop).tempos[0].qpm)
    assert output.notes and all(n.is_drum for n in output.notes)
    assert all(CLASSES.class_of(n.pitch) is not None for n in output.notes)
    assert len({n.velocity for n in output.notes}) > 1
    assert _off_grid(output) > len(output.notes) // 2


def test_tap_makes_a_kit_part_of_a_pitched_one_voice_rhythm(tmp_path, capsys):
    """The rock fill's onsets (the first note of each step) played on one piano key."""
    rock = _read(ROCK)
    taps = music_pb2.NoteSequence()
    taps.CopyFrom(rock)
    del taps.notes[:]
    step = _step_seconds(rock)
    seen = set()
    for note in sorted(rock.notes, key=lambda n: n.start_time):
        if round(note.start_time / step) not in seen:
            seen.add(round(note.start_time / step))
            taps.notes.add(pitch=60, velocity=80, start_time=note.start_time,
                           end_time=note.start_time + step, program=0, instrument=0)
    tapped = _write(taps, tmp_path / "taps.mid")
    code, _, err = _run(["groove", "tap", *TAP, tapped, "-o", str(tmp_path / "drums.mid"),
                         "--temperature", "0"], capsys)
    assert code == 0, err
    output = _read(tmp_path / "drums.mid")
    assert output.notes and all(n.is_drum for n in output.notes)
    assert len({CLASSES.class_of(n.pitch) for n in output.notes}) >= 2
    assert len({n.velocity for n in output.notes}) > 1


def _without_closed_hh(path: Path) -> str:
    sequence = _read(FUNK)
    kept = [n for n in sequence.notes if CLASSES.class_of(n.pitch) != CLOSED_HH]
    del sequence.notes[:]
    sequence.notes.extend(kept)
    return _write(sequence, path)


def test_add_hihat_adds_a_closed_hihat_and_keeps_the_other_hits(tmp_path, capsys):
    groove = _without_closed_hh(tmp_path / "no_hh.mid")
    code, _, err = _run(["groove", "add-hihat", *ADD_HH, groove, "-o",
                         str(tmp_path / "hh.mid"), "--temperature", "0"], capsys)
    assert code == 0, err
    output = _read(tmp_path / "hh.mid")
    assert any(n.pitch == 42 for n in output.notes)
    converter = CONVERTERS["groovae_2bar_add_closed_hh"]
    before, after = converter.grid(_read(groove)), converter.grid(output)
    steps = after.steps  # whole windows only
    others = [k for k in range(converter.num_drums) if k != CLOSED_HH]
    np.testing.assert_array_equal(after.hits[:, others], before.hits[:steps, others])
    np.testing.assert_allclose(after.velocities[:, others], before.velocities[:steps, others],
                               atol=0.5 / 127)


def test_add_hihat_whole_writes_the_models_decode():
    model = load_model(MODELS / "groovae_2bar_add_closed_hh" / "checkpoint",
                       "groovae_2bar_add_closed_hh")
    job = jobs.JOBS["add-hihat"]
    funk = _read(FUNK)
    kept = jobs.run_job(model, job, funk, temperature=0.0)
    whole = jobs.run_job(model, job, funk, temperature=0.0, whole=True)
    np.testing.assert_array_equal(kept.decoded, whole.decoded)
    np.testing.assert_array_equal(whole.written, whole.decoded)
    hh = [part * 9 + CLOSED_HH for part in range(3)]
    np.testing.assert_array_equal(kept.written[..., hh], kept.decoded[..., hh])
    others = [c for c in range(27) if c not in hh]
    np.testing.assert_array_equal(kept.written[..., others], kept.performance.outputs[..., others])


PARITY = FIXTURES / "groove_jobs"  # tools/oracle/make_groove_jobs_fixture.py
JOB_ARGS = {"humanize": HUMANIZE, "tap": TAP, "add-hihat": [*ADD_HH, "--whole"]}


def _by_time(note: tuple[int, int, float]) -> tuple[int, float]:
    return note[0], note[2]  # pitch, then start


@pytest.mark.parametrize("job", ["humanize", "tap", "add-hihat"])
def test_each_job_decodes_as_magentas_trained_model(job, tmp_path, capsys):
    """magenta's `TrainedModel.encode` -> `decode(mu, temperature=1e-6)` of the job's input:
    the same notes (magenta's at 120 qpm, ours at the input's tempo: compared in 16ths; a first
    note played early starts at 0 in a MIDI file). The tap input is also given on a piano key:
    read as taps, it is the same input."""
    expected = json.loads((PARITY / "expected.json").read_text())["jobs"][job]["notes"]
    inputs = [str(PARITY / f"{job}_in.mid")]
    if job == "tap":
        pitched = _read(PARITY / "tap_in.mid")
        for note in pitched.notes:
            note.is_drum, note.instrument, note.pitch = False, 0, 72
        inputs.append(_write(pitched, tmp_path / "piano.mid"))
    for k, path in enumerate(inputs):
        out = tmp_path / f"{k}.mid"
        code, _, err = _run(["groove", job, *JOB_ARGS[job], path, "-o", str(out),
                             "--temperature", "0"], capsys)
        assert code == 0, err
        output = _read(out)
        step = _step_seconds(output)
        got = sorted(((n.pitch, n.velocity, n.start_time / step) for n in output.notes),
                     key=_by_time)
        want = sorted(((pitch, velocity, max(start, 0.0)) for pitch, velocity, start in expected),
                      key=_by_time)
        assert [(p, round(t)) for p, _, t in got] == [(p, round(t)) for p, _, t in want]
        for (_, velocity, start), (_, want_velocity, want_start) in zip(got, want):
            assert abs(velocity - want_velocity) <= 1
            assert start == pytest.approx(want_start, abs=0.01)


def _one_bar(path: Path) -> str:
    sequence = _read(FUNK)
    bar = 16 * _step_seconds(sequence)
    kept = [n for n in sequence.notes if n.start_time < bar * 0.9]
    del sequence.notes[:]
    sequence.notes.extend(kept)
    return _write(sequence, path)


def _pitched(path: Path) -> str:
    sequence = _read(FUNK)
    for note in sequence.notes:
        note.is_drum, note.instrument, note.pitch = False, 0, 60
    return _write(sequence, path)


@pytest.mark.parametrize("job, argv, make, words", [
    ("humanize", TAP, None, "config groovae_2bar_tap_fixed_velocity cannot humanize"),
    ("tap", HUMANIZE, None, "use groovae_2bar_tap_fixed_velocity or"),
    ("add-hihat", HUMANIZE, None, "use groovae_2bar_add_closed_hh"),
    ("humanize", HUMANIZE, _pitched, "no drum notes"),
    ("humanize", HUMANIZE, _one_bar, "1 bar of drums, shorter than a 2-bar window"),
    ("humanize", HUMANIZE, "garbage", "not a readable MIDI file"),
])
def test_refusals_name_the_file_and_reason(job, argv, make, words, tmp_path, capsys):
    if make == "garbage":
        path = tmp_path / "bad.mid"
        path.write_bytes(b"not midi")
        path = str(path)
    else:
        path = make(tmp_path / "in.mid") if make else str(FUNK)
    code, _, err = _run(["groove", job, *argv, path, "-o", str(tmp_path / "o.mid")], capsys)
    assert code == 1 and "Traceback" not in err, err
    assert words in err, err
    if make:
        assert path in err, err
    assert not (tmp_path / "o.mid").exists()


def test_usage_errors(tmp_path, capsys):
    code, _, err = _run(["groove", "humanize", *HUMANIZE, str(FUNK), "-o",
                         str(tmp_path / "o.wav")], capsys)
    assert code == 2 and "must end in .mid" in err, err
    code, _, err = _run(["groove", "humanise", *HUMANIZE], capsys)
    assert code == 2 and "did you mean humanize" in err, err
    code, _, err = _run(["quality", *HUMANIZE, str(FUNK)], capsys)  # class windows only
    assert code == 2 and "serenade groove quality" in err, err
    code, _, err = _run(["groove", "quality", "--config", "cat-mel_2bar_small", "--checkpoint",
                         "x", str(FUNK)], capsys)
    assert code == 1 and "not a GrooVAE config" in err, err


def test_quality_of_reconstructions(tmp_path, capsys):
    code, out, err = _run(["groove", "quality", *HUMANIZE, str(CASES), "--output",
                           str(tmp_path / "q.json")], capsys)
    assert code == 0, err
    figures = json.loads((tmp_path / "q.json").read_text())
    assert 0 < figures["hit_f1"] <= 1 and figures["windows"] >= 6
    for key in ("velocity_error", "timing_error_ms", "timing_std_ms", "reference_timing_std_ms"):
        assert np.isfinite(figures[key]) and figures[key] >= 0
    assert "hit F1" in out and "skipped" in out  # the waltz: 12 steps a bar
