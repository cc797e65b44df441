"""From MIDI files to a validated dataset: parsing, per-file checks and statistics, the manifest,
train/eval split and NoteSequence TFRecords."""
