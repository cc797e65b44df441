"""Per-instrument metric performances of a quantized bar, as magenta extracts and splits them.

`extract_tracks` is magenta's `performance_pipeline.extract_performances(...,
split_instruments=True)` for a metrically quantized sequence (the parts its converter uses);
`split_performance` is magenta's function of the same name in `data_hierarchical.py`. The
performances themselves are note-seq's `MetricPerformance`: the event vocabulary, velocity bins
and rendering are note-seq's, as in magenta.
"""

from __future__ import annotations

from collections.abc import Callable

from note_seq import performance_lib, sequences_lib
from note_seq.protobuf import music_pb2

PerformanceEvent = performance_lib.PerformanceEvent
MetricPerformance = performance_lib.MetricPerformance


def extract_tracks(quantized: music_pb2.NoteSequence, max_steps_truncate: int,
                   num_velocity_bins: int) -> list[tuple[int, MetricPerformance]]:
    """(instrument, performance) per instrument number, in the order of a Python set of them
    (as magenta), each cut to `max_steps_truncate` steps."""
    tracks = []
    for instrument in set(note.instrument for note in quantized.notes):
        track = MetricPerformance(quantized, start_step=0, num_velocity_bins=num_velocity_bins,
                                  instrument=instrument)
        if track.num_steps > max_steps_truncate:
            track.set_length(max_steps_truncate)
        tracks.append((instrument, track))
    return tracks


def split_performance(performance: MetricPerformance, steps_per_segment: int,
                      new_performance: Callable[..., MetricPerformance],
                      clip_tied_notes: bool = False) -> list[MetricPerformance]:
    """Fixed-length segments of a performance (magenta's `split_performance`): note-offs at a
    boundary stay before it, everything else goes after; with `clip_tied_notes`, notes held
    across a boundary are dropped by a round trip through a NoteSequence."""
    segments = []
    current = new_performance(quantized_sequence=None, start_step=0)
    step = 0
    for event in performance:
        if event.event_type != PerformanceEvent.TIME_SHIFT:
            if step == steps_per_segment:
                if event.event_type != PerformanceEvent.NOTE_OFF:
                    segments.append(current)
                    current = new_performance(quantized_sequence=None,
                                              start_step=len(segments) * steps_per_segment)
                    step = 0
            current.append(event)
        elif step + event.event_value <= steps_per_segment:
            current.append(event)
            step += event.event_value
        else:
            here = steps_per_segment - step
            if here > 0:
                current.append(PerformanceEvent(PerformanceEvent.TIME_SHIFT, here))
            segments.append(current)
            current = new_performance(quantized_sequence=None,
                                      start_step=len(segments) * steps_per_segment)
            step = 0
            rest = event.event_value - here
            if rest > 0:
                current.append(PerformanceEvent(PerformanceEvent.TIME_SHIFT, rest))
                step += rest
    segments.append(current)
    if segments and segments[-1].num_steps == 0:
        segments = segments[:-1]
    if clip_tied_notes:
        for i, segment in enumerate(segments):
            quantized = sequences_lib.quantize_note_sequence(
                segment.to_sequence(), steps_per_quarter=segment.steps_per_quarter)
            segments[i] = new_performance(quantized_sequence=quantized,
                                          start_step=segment.start_step)
            segments[i].set_length(steps_per_segment)
    return segments
