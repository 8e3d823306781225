"""Attribution logic on hand-made transactions, with the repository's reviewed rules."""

from __future__ import annotations

import pandas as pd
import pytest

from ice_cbp_awards.curate.attribute import attribute, attributions_frame
from ice_cbp_awards.curate.recipients import link_recipients, recipients_frame
from ice_cbp_awards.curate.reference import Reference

from .conftest import make_tx


def run(reference: Reference, rows: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    tx = make_tx(rows)
    links = link_recipients(tx, reference)
    att = attributions_frame(tx, attribute(tx, links, reference), links, "rs-000000000000")
    return tx, att


def pairs(att: pd.DataFrame) -> set[tuple[str, str, str]]:
    return set(zip(att["transaction_id"], att["company_id"], att["relationship"], strict=True))


def test_direct_reseller_and_platform_services(reference: Reference) -> None:
    tx, att = run(
        reference,
        [
            {"recipient": "PALANTIR TECHNOLOGIES INC.", "description": "ICM O&M SUPPORT"},
            {
                "recipient": "FOUR POINTS TECHNOLOGY, L.L.C.",
                "description": "ICE CLOUD INFRASTRUCTURE HOSTING SUPPORT FOR THE MICROSOFT AZURE "
                "ENVIRONMENT",
            },
            {
                "recipient": "HO-CHUNK SHARED SERVICES COMPANY",
                "description": "MICROSOFT OFFICE 365 AND AZURE SUPPORT SERVICES",
            },
            {"recipient": "ACME LAW LIBRARY", "description": "LAWS AND REGULATIONS SUBSCRIPTION"},
        ],
    )
    t = tx["transaction_id"].tolist()
    assert pairs(att) == {
        (t[0], "palantir", "direct"),
        (t[1], "microsoft", "reseller"),
        (t[2], "microsoft", "platform_services"),
    }
    row = att.set_index("transaction_id").loc[t[1]]
    assert (row["rule_id"], row["matched_field"], row["matched_text"]) == (
        "microsoft-name-resale",
        "transaction_description",
        "MICROSOFT",
    )
    assert row["evidence_scope"] == "transaction" and row["evidence_transaction_id"] == t[1]


def test_leftmost_rule_wins_and_one_row_per_company(reference: Reference) -> None:
    _, att = run(
        reference,
        [
            {
                "recipient": "DELL FEDERAL SYSTEMS L.P",
                "description": "AZURE AND MICROSOFT 365 AND O365 LICENSES",
            }
        ],
    )
    assert len(att) == 1
    assert att["rule_id"].iloc[0] == "microsoft-azure-resale"
    assert att["matched_text"].iloc[0] == "AZURE"


def test_one_transaction_several_companies(reference: Reference) -> None:
    _, att = run(
        reference,
        [
            {
                "recipient": "FOUR POINTS TECHNOLOGY, L.L.C.",
                "description": "AMAZON WEB SERVICES AND GOOGLE CLOUD PLATFORM",
            }
        ],
    )
    assert sorted(att["company_id"]) == ["aws", "google"]
    assert set(att["relationship"]) == {"reseller"}


def test_own_transactions_are_direct_only(reference: Reference) -> None:
    _, att = run(
        reference,
        [{"recipient": "MICROSOFT CORPORATION", "description": "MICROSOFT PREMIER SUPPORT"}],
    )
    assert att[["company_id", "relationship", "matched_field"]].values.tolist() == [
        ["microsoft", "direct", "recipient_name"]
    ]


@pytest.mark.parametrize(
    "description",
    [
        "GENERAL DYNAMICS INFORMATION TECHNOLOGY SUPPORT SERVICES",
        "NEW APP DYNAMICS",
        "LAWS LIBRARY ACCESS",
        "TOAD FOR ORACLE LICENSES",
        "GOTHAM SATELLITE SERVICES",
        "REPLACE WINDOWS IN THE SERVER ROOM",
        "ANNUAL SUBSCRIPTION TO KHARON CLEARVIEW.",
        "CLEAR TRASH BAGS",
    ],
)
def test_near_misses_attribute_nothing(reference: Reference, description: str) -> None:
    _, att = run(reference, [{"recipient": "BLUE TECH INC.", "description": description}])
    assert att.empty, att[["company_id", "matched_text"]]


def test_product_run_on_a_cloud_counts_for_its_maker_only(reference: Reference) -> None:
    """A Cisco router image for AWS GovCloud is Cisco's product, not AWS consumption."""
    _, att = run(
        reference,
        [{"recipient": "BLUE TECH INC.", "description": "CISCO CATALYST 8000V FOR AWS GOVCLOUD"}],
    )
    assert att[["company_id", "relationship"]].values.tolist() == [["cisco", "reseller"]]


@pytest.mark.parametrize(
    ("recipient", "description", "expected"),
    [
        ("TRIBALCO LLC", "MOTOROLA RADIOS AND BATTERIES", [["motorola-solutions", "reseller"]]),
        (
            "CACI, INC. - FEDERAL",
            "OPERATION OF MOTOROLA RADIOS",
            [["motorola-solutions", "platform_services"]],
        ),
        ("ATLANTIC DIVING SUPPLY, INC.", "HEADSET FOR NEW MOTOROLA APX RADIOS", []),
        ("FLYWHEEL DATA LLC", "25 BABEL STREET INSIGHTS LICENSES", [["babel-street", "reseller"]]),
        ("CARAHSOFT TECHNOLOGY CORP", "SERVICE NOW LICENSE RENEWAL", [["servicenow", "reseller"]]),
        ("BLUE TECH INC.", "SAN FRANCISCO FIELD OFFICE FURNITURE", []),
        (
            "B.I. INCORPORATED",
            "INTENSIVE SUPERVISION APPEARANCE PROGRAM",
            [["bi-incorporated", "direct"]],
        ),
        ("ELBITAMERICA, INC.", "INTEGRATED FIXED TOWERS", [["elbit-america", "direct"]]),
        ("LEIDOS, INC.", "NON-INTRUSIVE INSPECTION SYSTEMS", [["leidos", "direct"]]),
    ],
)
def test_vendor_map_beyond_the_big_four(
    reference: Reference, recipient: str, description: str, expected: list[list[str]]
) -> None:
    """Vendors, resellers and integrators of the widened map attribute as reviewed: resold
    radios are Motorola's product money, the same radios run by an integrator are services,
    an accessory for them is nothing."""
    _, att = run(reference, [{"recipient": recipient, "description": description}])
    assert att[["company_id", "relationship"]].values.tolist() == expected


def test_unlisted_recipient_naming_a_product_is_platform_services(reference: Reference) -> None:
    _, att = run(
        reference,
        [{"recipient": "NEVER SEEN BEFORE LLC", "description": "AWS GOVCLOUD CONSUMPTION"}],
    )
    assert att[["company_id", "relationship"]].values.tolist() == [["aws", "platform_services"]]


def test_reseller_recognised_by_folded_alias(reference: Reference) -> None:
    _, att = run(
        reference,
        [{"recipient": "Four Points Technology LLC", "description": "AMAZON WEB SERVICES FOR CBP"}],
    )
    assert att["relationship"].tolist() == ["reseller"]


def test_award_evidence_reaches_silent_reseller_modifications(reference: Reference) -> None:
    award = "70B04C23F00000106"
    tx, att = run(
        reference,
        [
            {
                "recipient": "FOUR POINTS TECHNOLOGY, L.L.C.",
                "award": award,
                "mod": "0",
                "date": "2023-01-10",
                "description": "AMAZON WEB SERVICES FOR CBP.",
                "amount": 5e6,
            },
            {
                "recipient": "FOUR POINTS TECHNOLOGY, L.L.C.",
                "award": award,
                "mod": "P00001",
                "date": "2023-06-10",
                "description": "EXERCISE OPTION PERIOD 1",
                "amount": 3e6,
            },
            {
                "recipient": "FOUR POINTS TECHNOLOGY, L.L.C.",
                "award": award,
                "mod": "P00002",
                "date": "2023-08-10",
                "description": "CLOSE OUT MODIFICATION",
                "amount": -1e6,
            },
            {
                "recipient": "FOUR POINTS TECHNOLOGY, L.L.C.",
                "award": "70B04C23F00000999",
                "description": "EXERCISE OPTION PERIOD 1",
            },
        ],
    )
    t = tx["transaction_id"].tolist()
    by = att.set_index("transaction_id")
    assert set(by.index) == set(t[:3])
    assert by.loc[t[1], "evidence_scope"] == "award"
    assert by.loc[t[2], "evidence_transaction_id"] == t[0]
    assert by.loc[t[2], "matched_text"] == "AMAZON WEB SERVICES"
    assert by["federal_action_obligation_usd"].sum() == 7e6


def test_award_evidence_needs_reseller_and_respects_exclusions(reference: Reference) -> None:
    award = "70CTD023FC0000099"
    tx, att = run(
        reference,
        [
            {
                "recipient": "BOOZ ALLEN HAMILTON INC",
                "award": award,
                "mod": "0",
                "description": "AWS ARCHITECTURE AND PROFESSIONAL MGMT SERVICES",
            },
            {
                "recipient": "BOOZ ALLEN HAMILTON INC",
                "award": award,
                "mod": "P00001",
                "description": "EXERCISE OPTION PERIOD 1",
            },
            {
                "recipient": "AKIRA TECHNOLOGIES INC.",
                "award": "70CTD023FC0000100",
                "mod": "0",
                "description": "AWS GOVCLOUD CONSUMPTION",
            },
            {
                "recipient": "AKIRA TECHNOLOGIES INC.",
                "award": "70CTD023FC0000100",
                "mod": "P00001",
                "description": "CISCO CATALYST 8000V FOR AWS GOVCLOUD",
            },
        ],
    )
    t = tx["transaction_id"].tolist()
    # The Cisco router image is Cisco's product (and, by award evidence, the award's), never AWS's.
    assert pairs(att) == {
        (t[0], "aws", "platform_services"),
        (t[2], "aws", "reseller"),
        (t[2], "cisco", "reseller"),
        (t[3], "cisco", "reseller"),
    }


def test_effective_dates(reference: Reference) -> None:
    tx, att = run(
        reference,
        [
            {
                "recipient": "MANDIANT, INC.",
                "date": "2021-09-16",
                "description": "SOFTWARE LICENSE RENEWAL",
            },
            {
                "recipient": "MANDIANT, INC.",
                "date": "2023-09-16",
                "description": "SOFTWARE LICENSE RENEWAL",
            },
        ],
    )
    assert att["transaction_id"].tolist() == [tx["transaction_id"].iloc[1]]
    assert att["company_id"].tolist() == ["google"]


def test_ids_are_stable_and_independent_of_row_order(reference: Reference) -> None:
    rows = [
        {"recipient": "PALANTIR TECHNOLOGIES INC.", "description": "X", "award": "A1"},
        {
            "recipient": "DELL FEDERAL SYSTEMS L.P",
            "description": "MICROSOFT LICENSES",
            "award": "A2",
        },
        {
            "recipient": "WESTWIND COMPUTER PRODUCTS, INC.",
            "description": "GCP SOFTWARE",
            "award": "A3",
        },
    ]
    _, a = run(reference, rows)
    _, b = run(reference, rows[::-1])
    key = ["attribution_id"]
    assert (
        a.sort_values(key).reset_index(drop=True).equals(b.sort_values(key).reset_index(drop=True))
    )
    assert a["attribution_id"].str.fullmatch(r"at-[0-9a-f]{20}").all()


def test_recipients_fold_and_link(reference: Reference) -> None:
    tx = make_tx(
        [
            {"recipient": "PEN-LINK, LTD", "amount": 10, "date": "2022-01-01"},
            {"recipient": "PEN-LINK, LIMITED", "amount": 20, "date": "2023-01-01"},
            {"recipient": "PEN-LINK, LIMITED", "amount": 30, "date": "2024-01-01"},
            {"recipient": "SOMEONE ELSE INC", "amount": 5},
        ]
    )
    links = link_recipients(tx, reference)
    rec = recipients_frame(tx, links).set_index("recipient_name_folded")
    pen = rec.loc["PEN LINK"]
    assert pen["recipient_name"] == "PEN-LINK, LIMITED"
    assert pen["recipient_name_variants"] == "PEN-LINK, LIMITED ; PEN-LINK, LTD"
    assert (pen["company_id"], pen["company_link_basis"]) == ("penlink", "alias")
    assert (pen["transaction_count"], pen["total_obligation_usd"]) == (3, 60.0)
    assert (pen["first_action_date"], pen["last_action_date"]) == (
        pd.Timestamp("2022-01-01"),
        pd.Timestamp("2024-01-01"),
    )
    assert rec.loc["SOMEONE ELSE", "company_id"] == ""
