"""Versioned, citable releases: build, verify and compare immutable release archives.

A release is a folder (and one zip of it) named after the package, its data version and its
schema version. It holds the CSVs, Parquet files, the SQLite database, a frozen
datapackage.json with a checksum and a content digest per resource (the same from CSV, Parquet
and SQLite), SHA256SUMS, the validation results, the build report, the changelog entry, and
CITATION.cff, .zenodo.json and README.md, which give the release digest a reader quotes with
the citation. See docs/releases.md.
"""
