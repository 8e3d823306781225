"""A small real release for tests: the real build and `awards release` on a hand-made raw root.

A few ICE and CBP transactions (a base award and its modification, an order under a GSA
schedule, a reseller's order naming a platform), so that loaders and exporters meet every
kind of record the package publishes, in seconds.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from rawfactory import make_cbp_ice_root, tx_row, write_counts

from ice_cbp_awards.build import build_package
from ice_cbp_awards.release.release import ReleaseResult, make_release

SNAPSHOT = "2026-08-22"

ROWS = [
    tx_row(),
    tx_row(mod="P00001", amount="-250.5", date="2022-10-03"),
    tx_row(
        agency="CBP",
        piid="70B04C22F00000001",
        recipient="FOUR POINTS TECHNOLOGY LLC",
        description="AWS GOVCLOUD",
        key="CONT_AWD_70B04C22F00000001_7014_GS35F0119Y_4732",
    ),
    tx_row(
        piid="70CTD022FR0000200",
        recipient="DELL FEDERAL SYSTEMS L.P.",
        amount="5000.25",
        date="2022-06-30",
        description="MICROSOFT AZURE CLOUD SUBSCRIPTION",
    ),
]


def make_small_release(tmp: Path) -> ReleaseResult:
    """Build the rows above as a release of SNAPSHOT into tmp/dist."""
    root = make_cbp_ice_root(tmp / "raw", {2022: ROWS}, snapshot=SNAPSHOT)
    counts = write_counts(tmp / "counts.csv", [("ICE", 2022, 1, 100)])
    build = partial(build_package, include_legacy=False, expected_counts=counts)
    return make_release(SNAPSHOT, root, tmp / "dist", build=build)
