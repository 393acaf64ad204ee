"""Offline ML: datasets, training, evaluation. Never imported by the pipeline."""
