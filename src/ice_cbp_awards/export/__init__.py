"""Exports of a release in the formats of the field: OCDS, FollowTheMoney, schema.org JSON-LD.

Every exporter is a pure function of the published tables (read as the CSVs' text), so an
export says exactly what the release says and re-running it gives the same bytes.
"""
