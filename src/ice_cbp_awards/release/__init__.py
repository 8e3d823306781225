"""Versioned, citable releases: build, verify and compare immutable release archives.

A release is a folder (and one zip of it) named after the package, its data version and its
schema version. It holds the CSVs, Parquet files, the SQLite database, a frozen
datapackage.json with a checksum per resource, SHA256SUMS, the validation results, the build
report, the changelog entry, CITATION.cff and .zenodo.json. See docs/releases.md.
"""
