"""Training MusicVAE models as magenta does, tracked in MLflow.

Modules: `dataset` (TFRecords -> augmented window batches), `window_kinds` (what differs
between class windows and GrooVAE's float windows), `schedules` (magenta's beta, learning
rate, scheduled sampling; its loss is the model's own, `serenade.models.objective`), `scaling` (schedules for short runs),
`optimization` (Adam, clipping), `trainer` (the train step on one or several devices),
`devices`, `resume` (resume state), `evaluation`, `progress`,
`curves`, `settings`, `model_entries` (lookups in the config's `models:` section) and `job`
(a whole training or import job, as the workflow's rules run it). Runs are logged through
`serenade.tracking` (MLflow + CSV). See docs/training.md.
"""
