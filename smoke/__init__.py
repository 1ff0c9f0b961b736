"""The offline smoke preset of ``run_all.sh --smoke``: made-up data, a tiny model, trivial baselines.

- ``smoke.data``: deterministic generators of small, learnable Korean data sets in the original
  KLUE file formats (never KLUE's own data), one per task, and ``write_all``;
- ``smoke.tiny_model``: a tiny BERT built from a config plus a WordPiece tokenizer trained on
  that data, saved as a normal model folder;
- ``smoke.baselines``: the score of a trivial prediction (majority class, all-O, empty answer,
  empty state, first choice) on the same dev data, the bar a smoke run must clear;
- ``smoke.presets``: the smoke-size flags put after each task's config file.

``python -m smoke prepare DIR`` writes ``DIR/data`` and ``DIR/tiny-bert`` (what ``run_all.sh --smoke`` runs).
"""
