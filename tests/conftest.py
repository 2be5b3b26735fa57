"""Test environment: offline hubs, one thread, caches inside the repo (never $HOME).

Set before any test module imports transformers, datasets, pytensor or matplotlib."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "tests"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HOME", str(CACHE / "huggingface"))
os.environ.setdefault("XDG_CACHE_HOME", str(CACHE / "xdg"))
os.environ.setdefault("MPLCONFIGDIR", str(CACHE / "matplotlib"))
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("PYTENSOR_FLAGS", f"base_compiledir={CACHE / 'pytensor'}")
os.environ.setdefault("WANDB_DISABLED", "true")

import pytest  # noqa: E402

PAPER_DATA = ROOT.parent / "shared" / "data" / "paper"


@pytest.fixture(scope="session")
def paper_data() -> Path:
    """The released evaluation data beside the checkout (read-only); skip when absent."""
    if not (PAPER_DATA / "eval" / "interaction").is_dir():
        pytest.skip(f"released data not found at {PAPER_DATA}")
    return PAPER_DATA
