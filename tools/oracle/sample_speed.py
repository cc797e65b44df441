"""Time magenta's TrainedModel.sample for a config and checkpoint, with hparam overrides.

    /work/magenta-oracle/bin/python tools/oracle/sample_speed.py CONFIG CHECKPOINT BATCH N \
        [HPARAMS] [REPEATS]

Run with the oracle's python (magenta's own code), never from the project. The oracle's
shared/tools/magenta-oracle/sample_speed.py with two additions: HPARAMS (magenta syntax, e.g.
"enc_rnn_size=[256,256],dec_rnn_size=[128,128],z_size=64") parsed into the config's hparams as
train_speed.py does, so reduced-size checkpoints load; and REPEATS timed runs (default 3) after
one warm-up batch. Samples N sequences at temperature 0.5, batch BATCH, NoteSequences out.
Prints one line: `... median_samples_per_sec=<median> samples_per_sec=<best>`.
"""
import copy
import statistics
import sys
import time

from magenta.contrib import training as contrib_training
from magenta.models.music_vae import TrainedModel, configs

name, checkpoint, batch, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
overrides = sys.argv[5] if len(sys.argv) > 5 else ""
repeats = int(sys.argv[6]) if len(sys.argv) > 6 else 3
base = configs.CONFIG_MAP[name]
hparams = contrib_training.HParams(**base.hparams.values())
if overrides:
    hparams.parse(overrides)
config = configs.update_config(copy.deepcopy(base), dict(hparams=hparams))
model = TrainedModel(config, batch_size=batch, checkpoint_dir_or_path=checkpoint)
length = config.hparams.max_seq_len
model.sample(n=batch, length=length, temperature=0.5)  # warm-up
seconds = []
for _ in range(repeats):
    start = time.perf_counter()
    model.sample(n=n, length=length, temperature=0.5)
    seconds.append(time.perf_counter() - start)
print(f"config={name} batch={batch} n={n} seconds={statistics.median(seconds):.2f} "
      f"median_samples_per_sec={n / statistics.median(seconds):.1f} "
      f"samples_per_sec={n / min(seconds):.1f}")
