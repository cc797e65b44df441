"""GrooVAE jobs parity fixture: magenta's own TrainedModel encode -> decode of the three user
jobs (humanize, tap, add a closed hi-hat), on the tiny checkpoints of
tests/fixtures/magenta/groove_model.

    /work/magenta-oracle/bin/python tools/oracle/make_groove_jobs_fixture.py \
        CASE.mid MODELS_DIR OUT_DIR

Runs with the magenta oracle venv (magenta's own code; never imported by the project). From one
2-bar drum performance CASE.mid it writes the inputs magenta's colab would feed each config:
- humanize_in.mid: the performance as it is (groovae_2bar_humanize);
- tap_in.mid: every note moved to pitch 46, the open hi-hat of the reduced drum classes
  (groovae_2bar_tap_fixed_velocity: its converter squashes each step onto that class);
- add-hihat_in.mid: the performance without the notes of the closed hi-hat class
  (groovae_2bar_add_closed_hh);
then, for each, `TrainedModel.encode([sequence])`'s mu decoded by `TrainedModel.decode(mu,
length=32, temperature=1e-6)` (the greedy hits), and records the decoded notes (pitch,
velocity, start in 16th steps at magenta's 120 qpm) in expected.json.
"""
import json
import os
import sys

import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
import note_seq
from note_seq import drums_encoder_decoder
from magenta.contrib import training as contrib_training
from magenta.models.music_vae import configs, TrainedModel

case, models_dir, out_dir = sys.argv[1:4]
ARCH = 'enc_rnn_size=[32],dec_rnn_size=[32,32],z_size=8'
JOBS = {'humanize': 'groovae_2bar_humanize', 'tap': 'groovae_2bar_tap_fixed_velocity',
        'add-hihat': 'groovae_2bar_add_closed_hh'}
CLOSED_HH = set(drums_encoder_decoder.DEFAULT_DRUM_TYPE_PITCHES[2])
STEP = 60. / 120 / 4  # magenta's decode: 120 qpm, 4 steps per quarter

os.makedirs(out_dir, exist_ok=True)
source = note_seq.midi_file_to_note_sequence(case)
expected = {}
for job, name in JOBS.items():
  sequence = note_seq.NoteSequence()
  sequence.CopyFrom(source)
  if job == 'tap':
    for note in sequence.notes:
      note.pitch = 46
  if job == 'add-hihat':
    kept = [n for n in sequence.notes if n.pitch not in CLOSED_HH]
    del sequence.notes[:]
    sequence.notes.extend(kept)
  path = os.path.join(out_dir, f'{job}_in.mid')
  note_seq.sequence_proto_to_midi_file(sequence, path)
  sequence = note_seq.midi_file_to_note_sequence(path)  # what the test reads
  config = configs.CONFIG_MAP[name]
  hparams = contrib_training.HParams(**config.hparams.values())
  hparams.parse(ARCH)
  config = configs.update_config(config, dict(hparams=hparams))
  model = TrainedModel(config, batch_size=1, checkpoint_dir_or_path=os.path.join(
      models_dir, name, 'checkpoint', 'model.ckpt-300'))
  _, mu, _ = model.encode([sequence])
  decoded = model.decode(mu, length=32, temperature=1e-6)[0]
  expected[job] = {'config': name, 'notes': [[n.pitch, n.velocity, n.start_time / STEP]
                                            for n in decoded.notes]}
  tf.reset_default_graph()
json.dump({'made_by': 'tools/oracle/make_groove_jobs_fixture.py (magenta oracle venv)',
           'case': os.path.basename(case), 'arch': ARCH, 'temperature': 1e-6,
           'jobs': expected}, open(os.path.join(out_dir, 'expected.json'), 'w'), indent=1)
print({job: len(v['notes']) for job, v in expected.items()})
