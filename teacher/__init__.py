"""Teacher datasets: the Bayesian Assistant's (or the oracle's) answers as chat supervision.

render (text from templates/*.yaml) → conversations (simulated games) → records (one per prefix,
schema in schema.py) → generate (`python -m teacher generate`, a dataset folder) → dataset
(`load_teacher_dataset`, the fingerprint). loaders.py reads the paper's released eval files into
the simulator's form; splits.py is the train/held-out user split shared with eval/.
"""
