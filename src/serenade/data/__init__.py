"""From MIDI files to a validated dataset: per-file checks and statistics, the manifest,
train/eval split and NoteSequence TFRecord shards (reading MIDI and TFRecords is in
`serenade.base`)."""
