"""Company totals: agency x company x fiscal year, by relationship.

direct + reseller is money for the company's products ("products"); platform_services stays
apart. The award-inherited part of reseller is shown on its own so that the strict per-record
figure (reseller minus inherited) is one subtraction away.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import metadata
from .columns import cents, usd

KEYS = ["agency_acronym", "company_id", "fiscal_year"]


def company_totals(att: pd.DataFrame, version: str) -> pd.DataFrame:
    """Sums and counts per agency, company and fiscal year from the published attributions."""
    res = metadata.resource("company_totals")
    if att.empty:
        return pd.DataFrame(columns=res.field_names)
    a = att.assign(
        products=att["relationship"].isin(["direct", "reseller"]),
        direct=att["relationship"] == "direct",
        reseller=att["relationship"] == "reseller",
        reseller_award_inherited=(att["relationship"] == "reseller")
        & (att["evidence_scope"] == "award"),
        platform_services=att["relationship"] == "platform_services",
    )
    parts = {}
    amount = cents(a["federal_action_obligation_usd"])
    for name in ("products", "direct", "reseller", "reseller_award_inherited", "platform_services"):
        parts[f"{name}_obligation_usd"] = np.where(a[name].to_numpy(), amount, 0)
        parts[f"{name}_transaction_count"] = a[name].to_numpy().astype("int64")
    frame = pd.concat([a[KEYS].reset_index(drop=True), pd.DataFrame(parts)], axis=1)
    out = frame.groupby(KEYS, as_index=False).sum()
    for c in out.columns:
        if c.endswith("_usd"):
            out[c] = usd(out[c].to_numpy())
    out["fiscal_year"] = out["fiscal_year"].astype("int64")
    out["rule_set_version"] = version
    return out[res.field_names]
