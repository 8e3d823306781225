"""The tiers' guard: a test that uses a heavier tier's fixture must carry that tier's marker, so
the fast tier (`-m "not integration and not browser and not slow"`) never builds real data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# The markers a test may carry when it uses one of these fixtures (the real-data tier may use
# the small release too).
TIER_OF_FIXTURE = {
    "raw_root": ("slow",),
    "built_data_dir": ("slow",),
    "real_releases": ("slow",),
    "small_release": ("integration", "slow"),
}


def misplaced(items: Iterable[Any]) -> list[str]:
    """One line per test that uses a fixture of a tier it is not marked with."""
    return [
        f"{item.nodeid} uses {name} but is not marked {' or '.join(tiers)}"
        for item in items
        for name, tiers in TIER_OF_FIXTURE.items()
        if name in getattr(item, "fixturenames", ())
        and not any(item.get_closest_marker(t) for t in tiers)
    ]
