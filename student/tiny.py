"""A tiny student built from scratch: a BPE tokenizer trained on the teacher dataset's text and a
randomly initialised Llama model, saved as a normal transformers folder with a chat template.

The tokenizer splits text only at ", " and line breaks before learning merges, so a frequent
displayed value ("departure time: 07:36 AM, ", "The best option is Flight 2.") becomes one token
once the vocabulary is large enough: the compact, domain-aware encoding a from-scratch student
needs (../shared/docs/pilot-tiny-students.md). Bytes outside the training text still encode (byte-level
alphabet), so any text round-trips.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

PAD, END, USER, ASSISTANT, SYSTEM = "<|pad|>", "<|end|>", "<|user|>", "<|assistant|>", "<|system|>"
SPECIAL_TOKENS = (PAD, END, USER, ASSISTANT, SYSTEM)
# Pre-token boundaries: after each attribute (", ") and each line. Merges never cross them.
SPLIT_PATTERN = r", |\n"


def chat_template(name: str = "tiny") -> str:
    """The text of student/templates/<name>.jinja."""
    return (TEMPLATE_DIR / f"{name}.jinja").read_text()


def train_tokenizer(texts: Iterable[str], vocab_size: int = 1024):
    """A byte-level BPE tokenizer (transformers fast tokenizer) with the tiny chat template."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(SPLIT_PATTERN), behavior="merged_with_previous"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        pad_token=PAD,
        eos_token=END,
        additional_special_tokens=[USER, ASSISTANT, SYSTEM],
    )
    fast.chat_template = chat_template("tiny")
    return fast


def messages_text(messages: list[dict[str, str]]) -> Iterable[str]:
    for m in messages:
        yield m["content"]


def make_tiny_student(
    texts: Iterable[str],
    output_dir: str | Path,
    *,
    vocab_size: int = 1024,
    hidden_size: int = 128,
    num_hidden_layers: int = 4,
    num_attention_heads: int = 4,
    intermediate_size: int = 512,
    max_position_embeddings: int = 2048,
    seed: int = 0,
) -> Path:
    """Train the tokenizer on `texts`, build a random-init LlamaForCausalLM, save both into
    `output_dir` (loads with AutoTokenizer / AutoModelForCausalLM, offline). Returns the folder."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    output_dir = Path(output_dir)
    tokenizer = train_tokenizer(texts, vocab_size=vocab_size)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        num_hidden_layers=num_hidden_layers,
        num_attention_heads=num_attention_heads,
        num_key_value_heads=num_attention_heads,
        intermediate_size=intermediate_size,
        max_position_embeddings=max_position_embeddings,
        tie_word_embeddings=True,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=None,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    output_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
    return output_dir
