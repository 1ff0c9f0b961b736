"""A tiny Qwen2-style causal LM and a tokenizer with a chat template, built offline for the MCQA tests.

The tokenizer is byte-level BPE trained here on the project's own text (``tests/synthetic_mcqa.py``
and the prompt's fixed words), with Qwen's special tokens and a Qwen-like chat template, no BOS and
``<|endoftext|>`` as EOS and pad. The model: 2 layers, hidden size 64, tied embeddings.
"""

from __future__ import annotations

from pathlib import Path

CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def prompt_corpus() -> list[str]:
    from algorithms import mcqa_prompts
    from tests.synthetic_mcqa import mcqa_corpus, mcqa_records

    texts = list(mcqa_corpus())
    for record in mcqa_records(40, seed=12345):
        user = mcqa_prompts.user_prompt(record["paragraph"], record["question"], record["question_plus"],
                                        record["choices"])
        texts += [mcqa_prompts.plain_prompt(user) + str(record["answer"])] * 3
    return texts


def causal_tokenizer(vocab_size: int = 600, *, chat_template: bool = True):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.train_from_iterator(
        prompt_corpus(),
        trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIALS,
                            initial_alphabet=pre_tokenizers.ByteLevel.alphabet()),
    )
    wrapped = PreTrainedTokenizerFast(tokenizer_object=tokenizer, eos_token="<|endoftext|>",
                                      pad_token="<|endoftext|>", model_max_length=1024)
    if chat_template:
        wrapped.chat_template = CHAT_TEMPLATE
    return wrapped


def save_tiny_causal_lm(directory: Path, *, chat_template: bool = True, seed: int = 0) -> Path:
    import torch
    from transformers import AutoModelForCausalLM, Qwen2Config

    tokenizer = causal_tokenizer(chat_template=chat_template)
    tokenizer.save_pretrained(directory)
    config = Qwen2Config(vocab_size=len(tokenizer), hidden_size=128, intermediate_size=256, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
                         tie_word_embeddings=True, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id, bos_token_id=None)
    torch.manual_seed(seed)  # the same tiny model in every session
    AutoModelForCausalLM.from_config(config).save_pretrained(directory)
    return directory
