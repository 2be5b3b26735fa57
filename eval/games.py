"""A suite's game, as arrays and option text: who the users are, the option sets of their
interaction rounds and their picks, the held-out questions asked after k rounds and the user's
answer to each, and the Bayesian Assistant's predictions given the same history.

For simulated users everything is drawn exactly as `python -m bayes simulate` draws it (same
seed streams, same order), so the Bayesian Assistant scored here reproduces its numbers. The
user's picks never depend on the model (feedback reveals the pick), so they are drawn up front;
only a text model's recommendations, and so the feedback text, are played live (eval.protocol).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bayes.choice import user_picks
from bayes.domains import FeatureSpace, get_domain
from bayes.hypotheses import user_ids, user_weights
from bayes.noise import noisy_picks, user_noise_model
from bayes.noise_prior import GridPriorError, grid_prior_id, noise_aware_assistant
from bayes.options import (
    STREAM_INTERACTION,
    STREAM_USER_NOISE,
    rng_for,
    sample_heldout_sets,
    sample_interaction_rounds,
)
from bayes.posterior import BayesianAssistant
from eval.config import EvalConfig
from teacher.loaders import (
    HeldoutSets,
    LoaderError,
    load_heldout,
    load_interactions,
    load_webshop,
    load_webshop_heldout,
)
from teacher.render import DomainTemplate, TemplateError, load_template
from teacher.splits import split_user_weights

# Held-out option sets per predictive pass: (sets, options, hypotheses) floats stay below this.
MAX_PREDICTIVE_CELLS = 20_000_000
MAX_BELIEF_CELLS = 20_000_000


class GameError(ValueError):
    """A suite cannot be built (bad file, missing key); the message names the file or key."""


@dataclass
class Game:
    """U users, R rounds, O options; held-out questions per (user, k), S of them."""

    name: str
    kind: str  # text family: flight, hotel or webshop
    space: FeatureSpace | None  # None for web shopping (no numeric features)
    template: DomainTemplate
    user_ids: np.ndarray  # (U,)
    weights: np.ndarray | None  # (U, F)
    options: np.ndarray | None  # (U, R, O, F)
    round_lines: list[list[list[str]]]  # [U][R] option lines of each interaction round
    picks: np.ndarray  # (U, R)
    k_values: list[int]  # history lengths at which held-out questions are asked
    heldout_picks: np.ndarray  # (U, K, S) the user's answer to each held-out question
    heldout_options: np.ndarray | None = None  # (S, O, F) when the sets are shared and numeric
    shared_heldout_lines: list[list[str]] | None = None  # [S] when shared by all users
    user_heldout_lines: list[list[list[str]]] | None = None  # [U][S] when each user has its own
    next_round: bool = False  # the question after k rounds is round k+1 itself (no held-out sets)
    ba_round_predictions: np.ndarray | None = None  # (U, R) before each round (teacher-forced history)
    ba_predictions: np.ndarray | None = None  # (U, K, S) posterior-mean rule
    ba_predictive: np.ndarray | None = None  # (U, K, S, O) posterior predictive
    inconsistent: np.ndarray | None = None  # (U,) a pick the indicator likelihood cannot explain
    data_ids: dict = field(default_factory=dict)
    # The noise-aware Bayesian Assistant (a fitted grid prior, or the users' own noise model),
    # posterior-mean rule; None when the suite has no noise model. Played only when asked for.
    noise_aware: BayesianAssistant | None = None
    noise_aware_label: str = ""

    @property
    def num_users(self) -> int:
        return len(self.picks)

    @property
    def num_rounds(self) -> int:
        return self.picks.shape[1]

    @property
    def num_options(self) -> int:
        return len(self.round_lines[0][0])

    @property
    def answers(self) -> list[str]:
        """The complete answer text naming each option ("The best option is Flight 1.", ...)."""
        return [self.template.answer(o) for o in range(self.num_options)]

    def questions(self, u: int, k: int) -> list[list[str]]:
        """Option lines of the held-out questions asked to user u after k rounds."""
        if self.next_round:
            return [self.round_lines[u][k]]
        if self.shared_heldout_lines is not None:
            return self.shared_heldout_lines
        return self.user_heldout_lines[u]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _ids_digest(ids: np.ndarray) -> str:
    return hashlib.sha256(np.asarray(ids, dtype=np.int64).tobytes()).hexdigest()[:16]


def _sample_rows(n_total: int, users: str, seed: int, where: str) -> np.ndarray:
    if users == "all":
        return np.arange(n_total)
    n = int(users)
    if n > n_total:
        raise GameError(f"key 'users': {where} has only {n_total} users, asked for {n}")
    return np.sort(np.random.default_rng(seed).choice(n_total, size=n, replace=False))


def bayes_heldout(
    space: FeatureSpace, options: np.ndarray, picks: np.ndarray, heldout: np.ndarray,
    assistant: BayesianAssistant | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The Bayesian Assistant (the paper's: indicator likelihood, uniform prior, unless `assistant`
    is given) after k = 0..R observed picks, on shared held-out sets: predictions (U, R+1, S) by
    the posterior-mean rule, the posterior predictive (U, R+1, S, O), its predictions before each
    interaction round (U, R), inconsistent (U,)."""
    assistant = assistant or BayesianAssistant(space, rule="mean")
    n_users, n_rounds = picks.shape
    n_sets, n_options = heldout.shape[:2]
    n_hyp = len(assistant.hypotheses)
    preds = np.empty((n_users, n_rounds + 1, n_sets), dtype=np.int64)
    predictive = np.empty((n_users, n_rounds + 1, n_sets, n_options))
    round_preds = np.empty((n_users, n_rounds), dtype=np.int64)
    inconsistent = np.zeros(n_users, dtype=bool)
    user_chunk = max(1, MAX_BELIEF_CELLS // n_hyp)
    set_chunk = max(1, MAX_PREDICTIVE_CELLS // (n_hyp * n_options))
    for start in range(0, n_users, user_chunk):
        sl = slice(start, min(n_users, start + user_chunk))
        for k, belief in enumerate(assistant.beliefs(options[sl], picks[sl])):
            # The same call as bayes.simulate, so the numbers match it exactly.
            preds[sl, k] = assistant.predict(belief, heldout, shared=True)
            for s in range(0, n_sets, set_chunk):
                predictive[sl, k, s:s + set_chunk] = assistant.predictive(
                    belief, heldout[s:s + set_chunk], shared=True)
            if k < n_rounds:
                round_preds[sl, k] = assistant.predict(belief, options[sl, k])
            inconsistent[sl] = belief.inconsistent
    return preds, predictive, round_preds, inconsistent


def _template(kind: str) -> DomainTemplate:
    try:
        return load_template(kind)
    except TemplateError as err:
        raise GameError(str(err)) from None


def _space(config: EvalConfig) -> FeatureSpace:
    try:
        return get_domain(config.domain)
    except ValueError as err:
        raise GameError(f"key 'domain': {err}") from None


def _numeric_game(config: EvalConfig, space: FeatureSpace, template: DomainTemplate, ids: np.ndarray,
                  weights: np.ndarray, options: np.ndarray, picks: np.ndarray,
                  round_lines: list[list[list[str]]] | None, heldout: np.ndarray,
                  heldout_lines: list[list[str]] | None, data_ids: dict) -> Game:
    heldout_picks = user_picks(np.broadcast_to(heldout, (len(weights), *heldout.shape)), weights)
    preds, predictive, round_preds, inconsistent = bayes_heldout(space, options, picks, heldout)
    if round_lines is None:
        round_lines = [[template.option_lines(o, space) for o in user] for user in options]
    if heldout_lines is None:
        heldout_lines = [template.option_lines(o, space) for o in heldout]
    k_values = list(range(picks.shape[1] + 1))
    game = Game(
        name=config.name, kind=space.kind, space=space, template=template, user_ids=ids,
        weights=weights, options=options, round_lines=round_lines, picks=picks, k_values=k_values,
        heldout_picks=np.broadcast_to(heldout_picks[:, None], (len(weights), len(k_values), len(heldout))),
        heldout_options=heldout, shared_heldout_lines=heldout_lines,
        ba_round_predictions=round_preds, ba_predictions=preds, ba_predictive=predictive,
        inconsistent=inconsistent, data_ids=data_ids,
    )
    set_noise_aware(game, config)
    return game


def set_noise_aware(game: Game, config: EvalConfig) -> None:
    """The bayes:noise-aware player's assistant and label: the fitted prior and likelihood of
    `grid_prior` (its file's id goes into data_ids), else the simulated users' own noise model
    with a uniform prior; neither leaves the player unavailable."""
    if config.grid_prior:
        try:
            game.noise_aware = noise_aware_assistant(config.grid_prior, game.space, "mean")
        except GridPriorError as err:
            raise GameError(f"key 'grid_prior': {err}") from None
        game.noise_aware_label = f"Bayesian Assistant (fitted prior, {game.noise_aware.likelihood.describe()})"
        game.data_ids.update(grid_prior_id(config.grid_prior))
    elif config.user_noise != "none":
        noise = user_noise_model(config.user_noise, config.user_epsilon, config.user_temperature)
        game.noise_aware = BayesianAssistant(game.space, likelihood=noise, rule="mean")
        game.noise_aware_label = f"Bayesian Assistant (noise-aware, {noise.describe()})"


def simulated_game(config: EvalConfig) -> Game:
    """Users, rounds and held-out sets drawn as `python -m bayes simulate` draws them."""
    space = _space(config)
    if config.user_split == "all":
        weights = user_weights(space, config.users, seed=config.seed)
    else:
        pool = split_user_weights(config.domain, config.user_split)
        weights = pool[_sample_rows(len(pool), config.users, config.seed, f"split {config.user_split}")]
    heldout = _heldout_sets(config, space)
    options = sample_interaction_rounds(space, weights, config.rounds, rng_for(config.seed, STREAM_INTERACTION))
    picks = best = user_picks(options, weights)
    if config.user_noise != "none":  # drawn as `bayes simulate --user_noise ...` draws them
        noise = user_noise_model(config.user_noise, config.user_epsilon, config.user_temperature)
        picks = noisy_picks(options, weights, noise, rng_for(config.seed, STREAM_USER_NOISE))
    ids = user_ids(space, weights)
    data_ids = {"source": f"simulated {space.name} seed={config.seed}", "users": len(ids),
                "user_ids_sha256": _ids_digest(ids), **_heldout_id(config)}
    if config.user_noise != "none":
        data_ids["user_noise"] = noise.describe()
        data_ids["choice_consistency"] = float((picks == best).mean())
    return _numeric_game(config, space, _template(space.kind), ids, weights, options, picks, None,
                         heldout, None, data_ids)


def _heldout_id(config: EvalConfig) -> dict:
    if config.heldout_path:
        return {"heldout_file": config.heldout_path, "heldout_sha256": _sha256(Path(config.heldout_path))}
    return {"heldout": f"generated: {config.heldout_sets} sets, seed={config.seed}"}


def _heldout(config: EvalConfig, space: FeatureSpace) -> HeldoutSets | None:
    if not config.heldout_path:
        return None
    try:
        sets = load_heldout(config.heldout_path, domain=space.name)
    except (LoaderError, ValueError) as err:
        raise GameError(f"key 'heldout_path': {err}") from None
    if len(sets) < config.heldout_sets:
        raise GameError(f"key 'heldout_sets': {config.heldout_path} has {len(sets)} sets, asked for {config.heldout_sets}")
    return sets


def _heldout_sets(config: EvalConfig, space: FeatureSpace) -> np.ndarray:
    sets = _heldout(config, space)
    if sets is None:
        return sample_heldout_sets(space, config.heldout_sets, config.seed)
    return sets.options[: config.heldout_sets]


def released_game(config: EvalConfig) -> Game:
    """A released interaction file (flight, hotel, human choices): its rounds, option text and
    picks as recorded. Held-out choices follow each line's reward_fn (for human data: the stated
    preferences), or the held-out file's recorded picks for a user it lists."""
    space = _space(config)
    try:
        batch = load_interactions(config.path, BayesianAssistant(space))
    except (LoaderError, ValueError) as err:
        raise GameError(str(err)) from None
    if np.isnan(batch.weights).any():
        raise GameError(f"{config.path}: every line needs 'reward_fn' to score held-out choices")
    if batch.num_rounds < config.rounds:
        raise GameError(f"key 'rounds': {config.path} has {batch.num_rounds} rounds, asked for {config.rounds}")
    rows = _sample_rows(len(batch), config.users, config.seed, config.path)
    options = batch.options[rows, : config.rounds]
    texts = [[batch.option_texts[i][r] for r in range(config.rounds)] for i in rows]
    weights = batch.weights[rows]
    heldout = _heldout_sets(config, space)
    data_ids = {"source": config.path, "sha256": _sha256(Path(config.path)), "users": len(rows),
                "user_ids_sha256": _ids_digest(batch.idx[rows]), **_heldout_id(config)}
    game = _numeric_game(config, space, _template(space.kind), batch.idx[rows], weights, options,
                         batch.picks[rows, : config.rounds], texts, heldout, None, data_ids)
    _use_recorded_heldout_picks(game, _heldout(config, space), config.heldout_sets)
    return game


def _use_recorded_heldout_picks(game: Game, sets: HeldoutSets | None, n_sets: int) -> None:
    """Where the held-out file lists a user (same reward_fn), take its recorded picks (its own
    tie-breaking) and option text instead of ours."""
    if sets is None:
        return
    if sets.option_texts is not None:
        game.shared_heldout_lines = sets.option_texts[:n_sets]
    recorded = {tuple(np.round(w, 6)): p[:n_sets] for w, p in zip(sets.weights, sets.picks, strict=True)}
    picks = np.array(game.heldout_picks[:, 0])
    for u, w in enumerate(game.weights):
        if tuple(np.round(w, 6)) in recorded:
            picks[u] = recorded[tuple(np.round(w, 6))]
    game.heldout_picks = np.broadcast_to(picks[:, None], game.heldout_picks.shape)


def webshop_game(config: EvalConfig) -> Game:
    """Released web-shopping conversations (a folder of per-category JSONL files or one file).

    With `heldout_path` (the release's per-user held-out JSONL: the same file names in a folder,
    or one file) the questions after k = 0..R rounds are the user's own held-out sets. Without it
    (this copy of the release lacks them) the question after k rounds is round k+1 itself:
    k = 0..R-1, one question each — the accuracy of the interactive recommendations."""
    root = Path(config.path)
    try:
        batch = load_webshop(root)
    except (LoaderError, ValueError) as err:
        raise GameError(f"key 'path': {err}") from None
    if batch.num_rounds < config.rounds:
        raise GameError(f"key 'rounds': {root} has {batch.num_rounds} rounds, asked for {config.rounds}")
    rows = _sample_rows(len(batch), config.users, config.seed, str(root))
    round_lines = [batch.option_texts[i][: config.rounds] for i in rows]
    picks = batch.picks[rows, : config.rounds]
    ids = np.asarray([f"{batch.categories[i]}:{batch.idx[i]}" for i in rows], dtype=object)
    files = sorted(root.glob("*.jsonl")) if root.is_dir() else [root]
    data_ids = {"source": str(root), "files": {f.name: _sha256(f) for f in files}, "users": len(rows)}
    template = _template("webshop")
    if not config.heldout_path:
        k_values = list(range(config.rounds))
        return Game(config.name, "webshop", None, template, ids, None, None, round_lines, picks,
                    k_values, picks[:, :, None], next_round=True,
                    data_ids={**data_ids, "heldout": "none: the question after k rounds is round k+1"})
    heldout_root = Path(config.heldout_path)
    lines_, hpicks = [], []
    for f in files:
        h = heldout_root / f.name if heldout_root.is_dir() else heldout_root
        try:
            sets = load_webshop_heldout(h)
        except (LoaderError, ValueError) as err:
            raise GameError(f"key 'heldout_path': {err}") from None
        lines_ += [t[: config.heldout_sets] for t in sets.option_texts]
        hpicks += list(sets.picks[:, : config.heldout_sets])
    if len(hpicks) != len(batch):
        raise GameError(f"key 'heldout_path': {heldout_root} has {len(hpicks)} users, {root} has {len(batch)}")
    hp = np.asarray([hpicks[i] for i in rows], dtype=np.int64)
    k_values = list(range(config.rounds + 1))
    return Game(config.name, "webshop", None, template, ids, None, None, round_lines, picks, k_values,
                np.broadcast_to(hp[:, None], (len(rows), len(k_values), hp.shape[1])),
                user_heldout_lines=[lines_[i] for i in rows],
                data_ids={**data_ids, "heldout_files": str(heldout_root)})


def build_game(config: EvalConfig) -> Game:
    builders = {"simulated": simulated_game, "released": released_game, "webshop": webshop_game}
    return builders[config.source](config)
