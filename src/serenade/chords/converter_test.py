"""ChordMelodyConverter against magenta's own converter output (tests/fixtures/magenta/chords)."""

import json

import numpy as np
import pytest
from note_seq import midi_io
from note_seq.protobuf import music_pb2

from serenade.chords import ChordMelodyConverter
from serenade.conversion import converter_for_config
from serenade.registry import family_of
from serenade.chords.encoding import decode_chord
from serenade.paths import REPO_ROOT

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "magenta" / "chords"
INFO = json.loads((FIXTURE / "fixture.json").read_text())
EXPECTED = dict(np.load(FIXTURE / "expected.npz"))
ANNOTATIONS = json.loads((FIXTURE / "cases" / "chords.json").read_text())
CONVERTER = converter_for_config("cat-mel_2bar_med_chords")
CHORD_SYMBOL = music_pb2.NoteSequence.TextAnnotation.CHORD_SYMBOL


def load(case):
    sequence = midi_io.midi_file_to_note_sequence(str(FIXTURE / case["midi"]))
    if case["chords"]:
        for time, text in ANNOTATIONS[case["midi"].split("/")[-1]]:
            sequence.text_annotations.add(time=time, text=text, annotation_type=CHORD_SYMBOL)
    return sequence


def pairs(events, chords):
    return {(tuple(e), tuple(c)) for e, c in zip(np.asarray(events).tolist(),
                                                 np.asarray(chords).tolist())}


CASES = [pytest.param(k, case, id=f"{case['midi'].split('/')[-1]}{'+chords' * case['chords']}")
         for k, case in enumerate(INFO["cases"])]


@pytest.mark.parametrize("k, case", CASES)
def test_windows_and_chords_equal_magentas_as_a_set(k, case):
    events, chords = CONVERTER.to_windows(load(case))
    assert events.shape == chords.shape == (case["num_windows"], 32)
    assert events.dtype == chords.dtype == np.int16
    if case["num_windows"]:
        want = pairs(EXPECTED[f"case{k}_windows"], EXPECTED[f"case{k}_controls"])
        assert pairs(events, chords) == want
        assert len(want) == case["num_windows"]  # magenta's pairs are distinct too
        assert (CONVERTER.explain(load(case)) == "")
    else:
        assert CONVERTER.explain(load(case)) != ""


@pytest.mark.parametrize("k, case", CASES)
def test_magentas_capped_windows_are_among_ours(k, case):
    if not case["num_eval_windows"]:
        return
    events, chords = CONVERTER.to_windows(load(case))
    capped = pairs(EXPECTED[f"case{k}_eval_windows"], EXPECTED[f"case{k}_eval_controls"])
    assert len(capped) == min(5, case["num_windows"]) and capped <= pairs(events, chords)


@pytest.mark.parametrize("k, case", CASES)
def test_decoding_gives_magentas_notes_and_chords(k, case):
    if not case["num_windows"]:
        return
    notes, decoded_chords = EXPECTED[f"case{k}_decoded_notes"], EXPECTED[f"case{k}_decoded_chords"]
    for w, (events, chords) in enumerate(zip(EXPECTED[f"case{k}_windows"],
                                             EXPECTED[f"case{k}_controls"])):
        sequence = CONVERTER.to_note_sequence(events, chords)
        got = [(n.pitch, n.velocity, round(n.start_time, 9), round(n.end_time, 9))
               for n in sequence.notes]
        want = [(int(r[4]), int(r[5]), round(r[6], 9), round(r[7], 9))
                for r in notes[notes[:, 0] == w]]
        assert got == want
        assert sequence.total_time == pytest.approx(EXPECTED[f"case{k}_decoded_total_time"][w])
        got_chords = [(round(ta.time, 9), ta.text) for ta in sequence.text_annotations]
        # magenta decodes controls[:, :-12] (it strips 12 key columns it does not have), so
        # diminished chords (classes 37..48) come back as "N.C." there; not here.
        magenta_view = [0 if c >= 37 else c for c in chords.tolist()]
        mine = CONVERTER.to_note_sequence(events, np.asarray(magenta_view))
        assert [(round(ta.time, 9), ta.text) for ta in mine.text_annotations] == [
            (round(r[1], 9), decode_chord(int(r[2])))
            for r in decoded_chords[decoded_chords[:, 0] == w]]
        assert [text for _, text in got_chords][0] == decode_chord(int(chords[0]))


def test_a_chord_that_is_no_triad_drops_the_whole_part():
    case = next(c for c in INFO["cases"] if c["midi"].endswith("pop_verse.mid") and c["chords"])
    assert case["num_windows"] == 0
    assert "Fsus4" in CONVERTER.explain(load(case))


def test_config_settings():
    assert isinstance(CONVERTER, ChordMelodyConverter)
    assert CONVERTER.melody.valid_programs is None
    assert CONVERTER.transpose_range == (-3, 3)
    assert (CONVERTER.window_steps, CONVERTER.control_depth) == (32, 49)
    assert converter_for_config("cat-mel_2bar_med_chords_tiny") is CONVERTER
    assert family_of("cat-mel_2bar_med_chords") == "chords" != family_of("cat-mel_2bar_small")


def test_training_draw_transposes_chords_with_the_melody():
    case = INFO["cases"][4]  # chord_chart with its annotated chords
    every_chord = set(np.unique(CONVERTER.to_windows(load(case))[1]).tolist())
    rng = np.random.default_rng(1)
    draws = [CONVERTER.to_windows(load(case), training=True, rng=rng) for _ in range(8)]
    assert all(len(events) == len(chords) <= 5 for events, chords in draws)
    assert any(not set(np.unique(chords).tolist()) <= every_chord for _, chords in draws)


def test_controls_are_one_hot():
    _, chords = CONVERTER.to_windows(load(INFO["cases"][3]))
    controls = CONVERTER.controls(chords)
    assert controls.shape == (len(chords), 32, 49) and (controls.sum(-1) == 1).all()


@pytest.mark.parametrize("k", [2, 4])  # inferred chords (bwv244.44); annotated ones
def test_located_windows_carry_the_windows_and_chords_of_inference(k):
    sequence = load(INFO["cases"][k])
    events, chords = CONVERTER.to_windows(sequence)
    located = CONVERTER.located_windows(sequence)
    assert len(located) == len(events) > 0
    np.testing.assert_array_equal(np.stack([w.events for w in located]), events)
    np.testing.assert_array_equal(np.stack([w.controls for w in located]), chords)
    melody_bars = {(w.track, w.bar) for w in CONVERTER.melody.located_windows(sequence)}
    assert {(w.track, w.bar) for w in located} <= melody_bars  # bars counted as for melody


def test_a_chord_part_plays_the_chords_under_the_melody():
    events = np.zeros(32, np.int64)  # class 0 throughout: no melody note
    chords = CONVERTER.progression(["C", "Am", "N.C.", "G"])
    sequence = CONVERTER.to_note_sequence(events, chords, qpm=120.0, velocity=100,
                                          chord_part=True)
    played = sorted((n.start_time, n.end_time, n.pitch, n.velocity) for n in sequence.notes)
    assert played == [(0.0, 1.0, 48, 60), (0.0, 1.0, 52, 60), (0.0, 1.0, 55, 60),
                      (1.0, 2.0, 57, 60), (1.0, 2.0, 60, 60), (1.0, 2.0, 64, 60),
                      (3.0, 4.0, 55, 60), (3.0, 4.0, 59, 60), (3.0, 4.0, 62, 60)]
    assert [decode_chord(int(c)) for c in chords[::8]] == ["C", "Am", "N.C.", "G"]
    plain = CONVERTER.to_note_sequence(events, chords, qpm=120.0)
    assert not plain.notes and len(plain.text_annotations) == 4


def test_chord_tone_onsets_count_notes_on_the_chords_tones():
    from serenade.melody.events import NO_EVENT, note_on

    # two steps a chord: C over C4 and D4, Am over A4 and E4, N.C. over B4, G over B3 and G4
    events = np.array([note_on(60), note_on(62), note_on(69), note_on(64), note_on(71),
                       NO_EVENT, note_on(59), note_on(67)])
    chords = np.repeat(CONVERTER.progression(["C", "Am", "N.C.", "G"])[::8], 2)
    onsets, on_tones = CONVERTER.chord_tone_onsets(events, chords)
    assert onsets.tolist() == [True, True, True, True, False, False, True, True]  # N.C.: out
    assert on_tones.tolist() == [True, False, True, True, False, False, True, True]
    both, _ = CONVERTER.chord_tone_onsets(np.stack([events, events]), chords)  # broadcast
    assert both.shape == (2, 8) and (both == onsets).all()
