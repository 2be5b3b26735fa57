"""`python -m eval run --config configs/eval/<suite>.yaml --model <player-or-model> [--backend ...]`

Scores a model on a suite, the paper's way: after k = 0..R rounds of play (interactive: the
model's own recommendations and the user's feedback stay in context) the model answers every
held-out question with no feedback. Writes to output_dir: results.json (per-k metrics, the
resolved config, model and data ids), table.md, accuracy.png, config.yaml, manifest.json, and
units.jsonl (each finished (user, k) unit as it completes; an interrupted run resumes from it).

Models: reference players (bayes:mean, bayes:vote, random, oracle, cheapest,
preference-direction) play on the numbers; anything else is a text model run by a backend
(transformers: a local folder; vllm: GPU, `pip install '.[gpu]'`; openai: an OpenAI-compatible
chat-completions endpoint).
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

import numpy as np

from bayes.artifacts import write_json, write_run_metadata, write_text
from bayes.config import ConfigError, parse_config, to_dict
from eval import players
from eval.backends import BackendError, make_backend
from eval.config import IDENTITY_KEYS, EvalConfig
from eval.games import Game, GameError, build_game
from eval.metrics import summarize
from eval.protocol import RunError, UnitLog, make_unit, play_text_model
from eval.report import markdown, plot

RESULTS = "results.json"


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text.strip("/")).strip("_")[-80:] or "model"


def resolved(config: EvalConfig) -> EvalConfig:
    if not config.name:
        config.name = config.domain if config.source != "webshop" else "webshop"
    if config.backend == "auto":
        config.backend = "none" if players.is_player(config.model) else "transformers"
    if not config.output_dir:
        parts = [slug(config.model)]
        if config.mode != "interactive":
            parts.append(config.mode)
        if config.answer != "score" and not players.is_player(config.model):
            parts.append(config.answer)
        config.output_dir = str(Path("runs") / "eval" / config.name / "-".join(parts))
    return config


def describe(game: Game, config: EvalConfig) -> str:
    questions = "the next round's options" if game.next_round else f"{game.heldout_picks.shape[2]} held-out sets"
    return f"{game.num_users} users, {game.num_rounds} rounds, {questions}, seed {config.seed}"


def player_units(name: str, game: Game, seed: int) -> list[dict]:
    preds, probs = players.play(name, game, seed)
    return [make_unit(game, u, k, preds[u, i], None if probs is None else probs[u, i])
            for u in range(game.num_users) for i, k in enumerate(game.k_values)]


def model_id(config: EvalConfig) -> dict:
    """What identifies the model: the player, or the folder's config/tokenizer hashes and weight sizes."""
    if players.is_player(config.model):
        return {"player": config.model}
    out: dict = {"name": config.model, "backend": config.backend}
    folder = Path(config.model)
    if folder.is_dir():
        out["path"] = str(folder.resolve())
        for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "chat_template.jinja"):
            if (folder / name).is_file():
                out[f"{name}_sha256"] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        out["weights_bytes"] = {p.name: p.stat().st_size for p in sorted(folder.glob("*.safetensors"))}
    return out


def reference_results(game: Game, config: EvalConfig) -> tuple[dict, list[str]]:
    refs, skipped = {}, []
    for name in config.references:
        if name == config.model:
            continue
        if not players.is_player(name):
            raise ConfigError(f"key 'references': unknown player {name!r}; expected some of {list(players.PLAYERS)}")
        try:
            units = player_units(name, game, config.seed)
        except players.PlayerError as err:
            skipped.append(str(err))
            continue
        refs[name] = {"label": players.label(name, game), **summarize(units, game.k_values, game.num_users)}
    return refs, skipped


def run(config: EvalConfig) -> dict:
    config = resolved(config)
    if config.mode != "interactive":
        config.name = config.name if config.name.endswith(config.mode) else f"{config.name} ({config.mode})"
    out = Path(config.output_dir)
    if (out / RESULTS).exists() and not config.overwrite:
        raise RunError(f"{out / RESULTS} exists (a finished run); pass --overwrite true to redo it "
                       f"or choose another output_dir")
    if config.overwrite:
        for name in ("units.jsonl", RESULTS):
            (out / name).unlink(missing_ok=True)
    game = build_game(config)
    if players.is_player(config.model):
        units = player_units(config.model, game, config.seed)
        label = config.label or players.label(config.model, game)
    else:
        identity = {k: getattr(config, k) for k in IDENTITY_KEYS}
        log = UnitLog(out / "units.jsonl", identity, resume=config.resume)
        backend = make_backend(config)
        units = play_text_model(game, backend, config.answer, config.mode, log, progress=config.progress)
        label = config.label or slug(Path(config.model).name or config.model)
    refs, skipped = reference_results(game, config)
    failed = [u for u in units if u.get("failed")]
    result = {
        "suite": config.name,
        "description": describe(game, config),
        "label": label,
        "model": config.model,
        "is_reference": players.is_player(config.model),
        "model_id": model_id(config),
        "backend": config.backend,
        "answer": config.answer if not players.is_player(config.model) else "player",
        "mode": config.mode,
        "domain": game.kind if game.space is None else game.space.name,
        "users": game.num_users,
        "num_options": game.num_options,
        "questions_per_unit": int(game.heldout_picks.shape[2]),
        **summarize(units, game.k_values, game.num_users),
        "failed_units": len(failed),
        "first_errors": sorted({u["error"] for u in failed if u.get("error")})[:5],
        "inconsistent_users": None if game.inconsistent is None else int(np.sum(game.inconsistent)),
        "references": refs,
        "references_skipped": skipped,
        "data": game.data_ids,
        "config": to_dict(config),
    }
    write_json(out / RESULTS, result)
    write_text(out / "table.md", markdown([result]))
    plot([result], out / "accuracy.png")
    write_run_metadata(out, "eval.run", config, seed=config.seed, inputs={"data": game.data_ids, "model": result["model_id"]})
    return result


def main(config: EvalConfig) -> dict:
    result = run(config)
    print(markdown([result]))
    print(f"wrote {Path(config.output_dir) / RESULTS}, table.md, accuracy.png", file=sys.stderr)
    return result


def cli(argv: list[str] | None = None) -> int:
    prog = "python -m eval run"
    argv = list(sys.argv[1:] if argv is None else argv)
    config = parse_config(EvalConfig, argv, prog, __doc__ or "")
    if not config.name and "--config" in argv[:-1]:
        config.name = Path(argv[argv.index("--config") + 1]).stem
    try:
        main(config)
    except (ConfigError, GameError, RunError, BackendError, players.PlayerError, ValueError, OSError) as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 2
    return 0
