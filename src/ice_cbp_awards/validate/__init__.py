"""Validators, all generated from schemas/: frictionless, pandera and Great Expectations."""
