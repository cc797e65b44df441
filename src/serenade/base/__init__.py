"""The bottom layer, used by data, melody and everything above: MIDI files read as
NoteSequences (`midi_parser`), NoteSequence TFRecord files (`tfrecords`) and an ordered
process pool (`pool`). It imports nothing else from Serenade."""
