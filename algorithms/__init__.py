"""Task algorithms: pure functions between examples, model positions and the metric's unit.

``char_alignment`` (NER characters <-> subwords), ``mrc_spans`` (MRC windows and answer spans),
``token_offsets`` (tokenizer offsets as flat arrays, shared by both). No Trainer, no logging state:
tests call them directly, without a model.
"""
