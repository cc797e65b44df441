from note_seq.protobuf import music_pb2

from serenade.melody.pieces import quantize_piece, split_on_time_changes


def sequence_with(time_signatures=(), tempos=(), total=8.0):
    sequence = music_pb2.NoteSequence()
    for time, numerator, denominator in time_signatures:
        sequence.time_signatures.add(time=time, numerator=numerator, denominator=denominator)
    for time, qpm in tempos:
        sequence.tempos.add(time=time, qpm=qpm)
    for i in range(int(total * 2)):
        sequence.notes.add(pitch=60, velocity=80, start_time=i * 0.5, end_time=i * 0.5 + 0.5)
    sequence.total_time = total
    return sequence


def test_splits_at_tempo_and_metre_changes_only():
    sequence = sequence_with([(0, 4, 4), (2.0, 4, 4), (4.0, 3, 4)], [(0, 120), (6.0, 90)])
    pieces = split_on_time_changes(sequence)
    assert [p.subsequence_info.start_time_offset for p in pieces] == [0.0, 4.0, 6.0]
    quantized = [quantize_piece(p, i, 4, 16) for i, p in enumerate(pieces)]
    assert [(q.time_signature, q.qpm, bool(q.problem)) for q in quantized] == [
        ("4/4", 120, False), ("3/4", 120, True), ("3/4", 90, True)]
    assert quantized[0].notes[1].start == 4 and quantized[0].end_time == 4.0


def test_bar_length_problems_are_described():
    [piece] = split_on_time_changes(sequence_with([(0, 6, 8)]))
    result = quantize_piece(piece, 0, 4, 16)
    assert "6/8" in result.problem and "12-step" in result.problem and not result.notes
    [cut_time] = split_on_time_changes(sequence_with([(0, 2, 2)]))
    assert quantize_piece(cut_time, 0, 4, 16).problem == ""


def test_bad_time_signature_is_a_problem_not_a_crash():
    [piece] = split_on_time_changes(sequence_with([(0, 4, 3)]))
    assert "time signature 4/3" in quantize_piece(piece, 0, 4, 16).problem


def test_empty_sequence_has_no_pieces():
    assert split_on_time_changes(music_pb2.NoteSequence()) == []
