"""Recipient name folding."""

from __future__ import annotations

import pytest

from ice_cbp_awards.curate.names import fold_name


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("PEN-LINK, LTD", "PEN-LINK, LIMITED"),
        ("DELL FEDERAL SYSTEMS L.P", "DELL FEDERAL SYSTEMS L.P."),
        ("GOVERNMENT ACQUISITIONS INC", "GOVERNMENT ACQUISITIONS LLC"),
        (
            "C & C INTERNATIONAL COMPUTERS & CONSULTANTS, INC.",
            "C AND C INTERNATIONAL COMPUTERS AND CONSULTANTS INC",
        ),
        ("Four Points Technology, L.L.C.", "FOUR POINTS TECHNOLOGY LLC"),
    ],
)
def test_spellings_fold_together(a: str, b: str) -> None:
    assert fold_name(a) == fold_name(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("DELL FEDERAL SYSTEMS L.P", "DELL MARKETING L.P."),
        ("PARAGON SOLUTIONS (US) INC", "PARAGON SYSTEMS INC"),
        ("V3GATE, LLC", "V3 GATE TEAM, LLP"),
    ],
)
def test_different_names_stay_apart(a: str, b: str) -> None:
    assert fold_name(a) != fold_name(b)


def test_legal_form_only_name_is_kept() -> None:
    assert fold_name("INC.") == "INC"
    assert fold_name("PEN-LINK, LTD") == "PEN LINK"
