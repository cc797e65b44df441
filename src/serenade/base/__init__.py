"""The bottom layer, used by data, melody and everything above: MIDI files read as
NoteSequences (`midi_parser`), NoteSequence TFRecord files (`tfrecords`), an ordered
process pool (`pool`) and how models read classes that are bit masks (`bit_inputs`).
It imports nothing else from Serenade."""
