"""NoteSequence TFRecord of the drum fixture inputs, to train the drum model fixtures on.

    /work/magenta-oracle/bin/python tools/oracle/make_drum_tfrecord.py CASES_DIR EDGE_CASES.npz OUT.tfrecord [REPEAT]

Every MIDI file of CASES_DIR (note_seq.midi_file_to_note_sequence) and every synthetic edge
case of EDGE_CASES.npz (serialized NoteSequences), each written REPEAT times (default 4), so
that magenta's train-mode conversion (at most 5 random windows per record) sees more of the
windows of the longer pieces.
"""
import glob
import os
import sys

import numpy as np
import note_seq
import tensorflow.compat.v1 as tf

cases_dir, edges_path, out = sys.argv[1:4]
repeat = int(sys.argv[4]) if len(sys.argv) > 4 else 4
sequences = [note_seq.midi_file_to_note_sequence(p)
             for p in sorted(glob.glob(os.path.join(cases_dir, '*.mid')))]
with np.load(edges_path) as edges:
    sequences += [note_seq.NoteSequence.FromString(edges[name].tobytes())
                  for name in sorted(edges.files)]
with tf.io.TFRecordWriter(out) as writer:
    for _ in range(repeat):
        for sequence in sequences:
            writer.write(sequence.SerializeToString())
print('wrote', repeat * len(sequences), 'NoteSequences to', out)
