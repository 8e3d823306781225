"""parquet/datapackage.json: the release's Parquet files as a tabular data package.

The release's own datapackage.json describes the CSVs (its resources are what `awards
verify`, `awards diff` and the schema guard read as CSV); this second descriptor, beside the
Parquet files, describes each of them as a `tabular-data-resource` with the same Table
Schema, so frictionless (which reads Parquet with pyarrow) can open and validate them.
Their bytes and sha256 are in the release descriptor's "release" files and in SHA256SUMS, not
here: frictionless cannot count the bytes of a file that pyarrow reads, and would report every
declared count as an error.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

PARQUET_MEDIATYPE = "application/vnd.apache.parquet"


def parquet_package(descriptor: dict[str, Any], parquet_dir: Path) -> dict[str, Any]:
    """The release descriptor's package metadata, with one Parquet resource per CSV one."""
    package = {k: copy.deepcopy(v) for k, v in descriptor.items()
               if k not in ("resources", "release")}  # fmt: skip
    package["name"] = f"{descriptor['name']}-parquet"
    package["profile"] = "tabular-data-package"
    resources = []
    for res in descriptor["resources"]:
        path = parquet_dir / f"{res['name']}.parquet"
        if not path.is_file():
            continue
        entry = {k: copy.deepcopy(v) for k, v in res.items()
                 if k not in ("path", "format", "mediatype", "encoding", "bytes", "hash",
                              "dialect")}  # fmt: skip
        entry.update(profile="tabular-data-resource", path=path.name, format="parquet",
                     mediatype=PARQUET_MEDIATYPE)  # fmt: skip
        resources.append(entry)
    package["resources"] = resources
    return package
