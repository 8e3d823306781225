"""Transforms: pure functions of dataframes, from canonical raw strings to published rows."""
