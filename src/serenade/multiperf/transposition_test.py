"""The multiperf configs' training transposition against magenta's: its NoteSequenceAugmenter
(transpose_range=(-3, 3)) then its converter, recorded for fixed amounts by
tools/oracle/make_multiperf_augment_fixture.py, and a training draw's per-epoch amounts."""

import json

import numpy as np
import pytest
from note_seq.protobuf import music_pb2

from serenade.melody.transposition import transpose
from serenade.multiperf.configs import CONVERTERS
from serenade.paths import REPO_ROOT
from serenade.training.dataset import TrainingWindows

FOLDER = REPO_ROOT / "tests" / "fixtures" / "magenta" / "multiperf_augment"
INFO = json.loads((FOLDER / "fixture.json").read_text())
SOURCE = FOLDER / INFO["source"]
NAMES = {"plain": "multiperf_vel_1bar", "chords": "multiperf_vel_1bar_chords"}


@pytest.fixture(scope="module")
def expected() -> dict[str, np.ndarray]:
    with np.load(FOLDER / "expected.npz") as data:
        return dict(data)


def source_sequence(name: str) -> music_pb2.NoteSequence:
    """The NoteSequence magenta was fed (stored by the multiperf converter fixture)."""
    names = [entry["name"] for entry in
             json.loads((SOURCE.parent / "fixture.json").read_text())["inputs"]]
    with np.load(SOURCE) as data:
        return music_pb2.NoteSequence.FromString(data[f"input{names.index(name)}"].tobytes())


def test_the_configs_transpose_as_magentas_augmenter():
    assert {c.transpose_range for c in CONVERTERS.values()} == {(-3, 3)}


@pytest.mark.parametrize("kind", ["plain", "chords"])
@pytest.mark.parametrize("index, name", list(enumerate(INFO["inputs"])))
def test_training_windows_of_a_transposition_are_magentas(expected, kind, index, name):
    converter = CONVERTERS[NAMES[kind]]
    sequence = source_sequence(name)
    for tag, amount in INFO["amounts"].items():
        key = f"{index}_{tag}"
        moved, _ = transpose(sequence, amount)
        np.testing.assert_array_equal(
            [[n.pitch, n.is_drum, n.instrument] for n in moved.notes],
            expected[f"notes{key}"].reshape(-1, 3))
        pieces = converter.training_pieces(sequence, amount)
        windows = np.concatenate(pieces) if pieces else np.zeros((0, 512), np.int16)
        if kind == "chords":
            windows, controls = windows[..., 0], windows[..., 1]
            np.testing.assert_array_equal(controls, expected[f"chords{key}_controls"])
        np.testing.assert_array_equal(windows, expected[f"{kind}{key}_windows"])


def test_training_draws_transpose_afresh_and_never_move_drums():
    """40 epochs of one band piece: each draw's windows are those of one amount in -3..3,
    several amounts occur, and the decoded drums keep their pitches."""
    converter = CONVERTERS["multiperf_vel_1bar"]
    sequence = source_sequence("pop_verse.mid")
    drums = {n.pitch for n in sequence.notes if n.is_drum}
    assert drums
    by_amount = {amount: {w.tobytes() for piece in converter.training_pieces(sequence, amount)
                          for w in piece} for amount in range(-3, 4)}
    source = TrainingWindows([sequence.SerializeToString()], converter)
    rng = np.random.default_rng(3)
    seen = set()
    for _ in range(40):
        drawn = source.draw(0, rng)
        assert len(drawn)
        amounts = [a for a, windows in by_amount.items()
                   if all(w.tobytes() in windows for w in drawn)]
        assert amounts  # every window of a draw comes from one transposition
        seen.add(amounts[0] if len(amounts) == 1 else None)
        for decoded in converter.from_windows(drawn):
            assert {n.pitch for n in decoded.notes if n.is_drum} <= drums
    assert len(seen - {None}) >= 4
    plain = converter.with_transposition(None)
    assert plain.transpose_range is None and plain.draw_transposition(True, rng) == 0
