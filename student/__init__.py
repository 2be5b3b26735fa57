"""Student fine-tuning: TRL's SFTTrainer on the teacher datasets (python -m student <verb>)."""
