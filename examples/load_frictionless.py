"""Open a release with frictionless: the descriptor, its schemas and typed rows.

python examples/load_frictionless.py dist/ice-cbp-tech-awards-2026.8.22-schema-1.0.0
"""

from __future__ import annotations

import sys
from pathlib import Path

from frictionless import Package


def main(release: Path) -> list[dict]:
    """The package's resources (CSV tables, the SQLite database, the Parquet files) and the
    first rows of `sources`, typed by its schema."""
    package = Package(str(release / "datapackage.json"))
    print(package.title, package.version)
    for resource in package.resources:
        print(f"{resource.name}: {resource.type}, {resource.format}, {resource.bytes} bytes")
    rows = [row.to_dict() for row in package.get_resource("sources").read_rows(size=5)]
    for row in rows:
        print(row)
    return rows


if __name__ == "__main__":
    main(Path(sys.argv[1]))
