"""`python -m bayes <verb>`: simulate (the Bayesian Assistant's accuracy table), simulate-data,
fit and noise-table (the population model of noisy users, README, "Noisy and human users")."""

from __future__ import annotations

import sys

VERBS = {
    "simulate": ("bayes.simulate", "play the game with simulated users and the Bayesian Assistant"),
    "simulate-data": ("bayes.simdata", "write simulated (noisy) users as a released-format interaction file"),
    "fit": ("bayes.fit", "fit the PyMC population model (population, choice noise) to choice data"),
    "recovery": ("bayes.recovery", "how often the population model's HDIs cover a known truth (many data sets)"),
    "noise-table": ("bayes.noise_table", "the paper's vs noise-aware assistants against noisy users"),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in VERBS:
        lines = ["usage: python -m bayes <verb> [--help] [--config FILE] [--key value ...]", "", "verbs:"]
        lines += [f"  {name:<13} {help_}" for name, (_, help_) in VERBS.items()]
        print("\n".join(lines), file=sys.stdout if not argv or argv[0] in ("-h", "--help") else sys.stderr)
        if argv and argv[0] not in ("-h", "--help"):
            print(f"error: unknown verb {argv[0]!r}", file=sys.stderr)
            return 2
        return 0
    module = __import__(VERBS[argv[0]][0], fromlist=["cli"])
    return module.cli(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
