"""Evaluation harness: score models and reference players on the recommendation game
(task-spec.md section 7). `python -m eval run|report`."""
