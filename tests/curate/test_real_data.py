"""Curation on the real default snapshot: precision per company, the named cases of the issue,
claims, evidence integrity and byte-identical rebuilds. Uses the session's built data dir.

EXPECTED_RECIPIENTS pins, for each technology company, every recipient (as written) whose
transactions are attributed to it, with the relationship. A rule or alias change that adds or
removes one fails here until the list is updated in the same change: every attribution is a
reviewed one.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ice_cbp_awards import metadata
from ice_cbp_awards.curate import build_curated
from ice_cbp_awards.curate.build import read_transactions_csv
from ice_cbp_awards.curate.docs import companies_markdown
from ice_cbp_awards.paths import REFERENCE_DIR
from ice_cbp_awards.write.csv import write_csv

pytestmark = pytest.mark.slow

EXPECTED_RECIPIENTS: dict[str, set[tuple[str, str]]] = {
    "adobe": {
        ("BAHFED CORP", "reseller"),
        ("CARAHSOFT TECHNOLOGY CORP", "reseller"),
        ("CHENEGA ENTERPRISE SYSTEMS & SOLUTIONS, LLC", "platform_services"),
        ("DH TECHNOLOGIES, INC.", "reseller"),
        ("DT PROFESSIONAL SERVICES, LLC", "platform_services"),
        ("EMERGENT, LLC", "reseller"),
        ("FCN, INC.", "reseller"),
        ("FOUR POINTS TECHNOLOGY, L.L.C.", "reseller"),
        ("PANAMERICA COMPUTERS, INC.", "reseller"),
        ("PROJECT MANAGER USA, INC.", "reseller"),
        ("REDHAWK IT SOLUTIONS, LLC", "reseller"),
        ("SOFTWARE INFORMATION RESOURCE CORP.", "reseller"),
        ("TELLENGER, INC.", "platform_services"),
        ("WAVEDANCER INC", "platform_services"),
    },
    "advanced-technology-systems": {
        ("ADVANCED TECHNOLOGY SYSTEMS COMPANY, INC. (OF VIRGINIA)", "direct"),
    },
    "altana": {
        ("ALTANA TECHNOLOGIES INC", "direct"),
        ("ALTANA TECHNOLOGIES USG INC", "direct"),
    },
    "american-science-engineering": {
        ("AMERICAN SCIENCE & ENGINEERING INC", "direct"),
    },
    "anduril": {
        ("ANDURIL INDUSTRIES, INC.", "direct"),
    },
    "astrophysics": {
        ("ASTROPHYSICS INC", "direct"),
    },
    "att": {
        ("AT&T ENTERPRISES, LLC", "direct"),
        ("AT&T MOBILITY NATIONAL ACCOUNTS LLC", "direct"),
        ("AT&T TECHNICAL SERVICES COMPANY, INC", "direct"),
        ("ATT MOBILITY LLC", "direct"),
    },
    "avaya": {
        ("AVAYA FEDERAL SOLUTIONS, INC", "direct"),
        ("AVAYA FEDERAL SOLUTIONS, INC.", "direct"),
        ("AVAYA INC.", "direct"),
    },
    "aware": {
        ("AWARE INC", "direct"),
    },
    "aws": {
        ("AMAZON WEB SERVICES, INC.", "direct"),
        ("ARDENT MANAGEMENT CONSULTING, LLC", "platform_services"),
        ("BOOZ ALLEN HAMILTON INC", "platform_services"),
        ("COUNTERTRADE PRODUCTS, INC.", "reseller"),
        ("FOUR POINTS TECHNOLOGY, L.L.C.", "reseller"),
        ("NEW TECH SOLUTIONS, INC.", "reseller"),
        ("PANAMERICA COMPUTERS, INC.", "reseller"),
        ("SYSTEMS ENGINEERING SOLUTIONS CORPORATION", "reseller"),
    },
    "babel-street": {
        ("BABEL STREET, INC.", "direct"),
        ("FLYWHEEL DATA LLC", "reseller"),
        ("PANAMERICA COMPUTERS, INC.", "reseller"),
        ("THUNDERCAT TECHNOLOGY, LLC", "reseller"),
    },
    "bi-incorporated": {
        ("B.I. INCORPORATED", "direct"),
    },
    "c-speed": {
        ("C SPEED LLC", "direct"),
    },
    "cameraforensics": {
        ("CAMERAFORENSICS LTD", "direct"),
    },
    "cellebrite": {
        ("ANACAPA MICRO PRODUCTS, INC.", "reseller"),
        ("AVAIL FORENSICS LLC", "reseller"),
        ("BLUE TECH INC.", "reseller"),
        ("CARAHSOFT TECHNOLOGY CORP", "reseller"),
        ("CELLEBRITE INC", "direct"),
        ("FCN, INC.", "reseller"),
        ("FS PARTNERS, LLP", "reseller"),
        ("SNAP, INC", "reseller"),
        ("TEEL, INC.", "platform_services"),
        ("WESTWIND TEAM LLP", "reseller"),
        ("WILDFLOWER INTERNATIONAL, LTD.", "reseller"),
    },
    "chainalysis": {
        ("CHAINALYSIS GOVERNMENT SOLUTIONS, LLC", "direct"),
        ("CHAINALYSIS INC.", "direct"),
    },
    "cisco": {
        ("AFFIGENT, LLC", "reseller"),
        ("AKIRA TECHNOLOGIES INC.", "reseller"),
        ("ALVAREZ LLC", "platform_services"),
        ("ANACAPA MICRO PRODUCTS, INC.", "reseller"),
        ("AXISCORE LLC", "platform_services"),
        ("BAHFED CORP", "reseller"),
        ("BLUE TECH INC.", "reseller"),
        ("C & C INTERNATIONAL COMPUTERS & CONSULTANTS, INC.", "reseller"),
        ("COLOSSAL CONTRACTING LLC", "reseller"),
        ("CTG FEDERAL, LLC", "reseller"),
        ("DH TECHNOLOGIES, INC.", "reseller"),
        ("FCN, INC.", "reseller"),
        ("FEDERAL NETWORK CONNECTIONS INC.", "platform_services"),
        ("FEDSTORE CORPORATION", "reseller"),
        ("FOUR POINTS TECHNOLOGY, L.L.C.", "reseller"),
        ("FS PARTNERS, LLP", "reseller"),
        ("GOVERNMENT ACQUISITIONS INC", "reseller"),
        ("GOVPLACE, LLC", "reseller"),
        ("GREENBRIER GOVERNMENT SOLUTIONS INC", "reseller"),
        ("IMPRES TECHNOLOGY SOLUTIONS, INC", "platform_services"),
        ("MA FEDERAL, INC.", "reseller"),
        ("MCP COMPUTER PRODUCTS INC", "platform_services"),
        ("NEW TECH SOLUTIONS, INC.", "reseller"),
        ("PANAMERICA COMPUTERS, INC.", "reseller"),
        ("PATRIOT COMM LLC", "platform_services"),
        ("PERATON TECHNOLOGY SERVICES INC.", "platform_services"),
        ("RED RIVER TECHNOLOGY LLC", "reseller"),
        ("REGAN TECHNOLOGIES CORP", "reseller"),
        ("REGENCY CONSULTING INC", "platform_services"),
        ("SIRIUS FEDERAL LLC", "reseller"),
        ("SNAP, INC", "reseller"),
        ("ST NET-APPTIS FIRSTSOURCE JOINT VENTURE", "platform_services"),
        ("STERLING COMPUTERS CORPORATION", "reseller"),
        ("SWISH DATA CORPORATION", "reseller"),
        ("THUNDERCAT TECHNOLOGY, LLC", "reseller"),
        ("V3 GATE TEAM, LLP", "reseller"),
        ("WESTWIND TEAM LLP", "reseller"),
        ("WILDFLOWER INTERNATIONAL, LTD.", "reseller"),
    },
    "clearview-ai": {
        ("CLEARVIEW AI, INC.", "direct"),
    },
    "cobwebs": {
        ("COBWEBS AMERICA INC", "direct"),
    },
    "crosstek": {
        ("CROSSTEK SOLUTIONS LLC", "direct"),
    },
    "databricks": {
        ("AKIRA TECHNOLOGIES INC.", "reseller"),
        ("FOUR POINTS TECHNOLOGY, L.L.C.", "reseller"),
        ("FS PARTNERS, LLP", "reseller"),
        ("NEW TECH SOLUTIONS, INC.", "reseller"),
        ("SNAP, INC", "reseller"),
    },
    "dataminr": {
        ("FS PARTNERS, LLP", "reseller"),
        ("V3GATE, LLC", "reseller"),
    },
    "digital-receiver-technology": {
        ("DIGITAL RECEIVER TECHNOLOGY, INC.", "direct"),
    },
    "dynatrace": {
        ("CTG FEDERAL, LLC", "reseller"),
        ("FOUR POINTS TECHNOLOGY, L.L.C.", "reseller"),
        ("THUNDERCAT TECHNOLOGY, LLC", "reseller"),
        ("V3 GATE TEAM, LLP", "reseller"),
    },
    "elbit-america": {
        ("ELBITAMERICA, INC.", "direct"),
    },
    "envisage": {
        ("ENVISAGE TECHNOLOGIES LLC", "direct"),
    },
    "esri": {
        ("ENVIRONMENTAL SYSTEMS RESEARCH INSTITUTE, INC.", "direct"),
    },
    "fivecast": {
        ("FS PARTNERS, LLP", "reseller"),
        ("NEW TECH SOLUTIONS, INC.", "reseller"),
        ("PANAMERICA COMPUTERS, INC.", "reseller"),
        ("THUNDERCAT TECHNOLOGY, LLC", "reseller"),
    },
    "general-atomics-aeronautical": {
        ("GENERAL ATOMICS AERONAUTICAL SYSTEMS, INC.", "direct"),
    },
    "general-dynamics-one-source": {
        ("GENERAL DYNAMICS ONE SOURCE LLC", "direct"),
    },
    "geospark-analytics": {
        ("GEOSPARK ANALYTICS, INC.", "direct"),
    },
    "giant-oak": {
        ("GIANT OAK, INC.", "direct"),
    },
    "google": {
        ("FOUR POINTS TECHNOLOGY, L.L.C.", "reseller"),
        ("GOVPLACE, LLC", "reseller"),
        ("MANDIANT, INC.", "direct"),
        ("PANAMERICA COMPUTERS, INC.", "reseller"),
        ("SNAP, INC", "reseller"),
        ("THUNDERCAT TECHNOLOGY, LLC", "reseller"),
        ("WESTWIND COMPUTER PRODUCTS, INC.", "reseller"),
    },
    "gotenna": {
        ("GOTENNA, INC.", "direct"),
    },
    "ibm": {
        ("AKIRA TECHNOLOGIES INC.", "reseller"),
        ("BAHFED CORP", "reseller"),
        ("BLUE TECH INC.", "reseller"),
        ("C & C INTERNATIONAL COMPUTERS & CONSULTANTS, INC.", "reseller"),
        ("ESCGOV, INC.", "reseller"),
        ("FCN, INC.", "reseller"),
        ("FOUR LLC", "reseller"),
        ("GOVERNMENT ACQUISITIONS INC", "reseller"),
        ("GOVSMART, INC.", "reseller"),
        ("INTERNATIONAL BUSINESS MACHINES CORPORATION", "direct"),
        ("MULTIMAXARRAY FIRSTSOURCE", "platform_services"),
        ("PANAMERICA COMPUTERS, INC.", "reseller"),
        ("PHAETON SOLUTIONS LLC", "platform_services"),
        ("SIRIUS FEDERAL LLC", "reseller"),
        ("SNAP, INC", "reseller"),
        ("TRIAD TECHNOLOGY PARTNERS LLC", "reseller"),
        ("V3 GATE TEAM, LLP", "reseller"),
        ("V3GATE, LLC", "reseller"),
    },
    "informatica": {
        ("AKIRA TECHNOLOGIES INC.", "reseller"),
        ("ANACAPA MICRO PRODUCTS, INC.", "reseller"),
        ("ASET PARTNERS CORP.", "platform_services"),
        ("BLUE TECH INC.", "reseller"),
        ("C & C INTERNATIONAL COMPUTERS & CONSULTANTS, INC.", "reseller"),
        ("COUNTERTRADE PRODUCTS, INC.", "reseller"),
        ("FCN, INC.", "reseller"),
        ("GOVERNMENT ACQUISITIONS INC", "reseller"),
        ("NEW TECH SOLUTIONS, INC.", "reseller"),
        ("PANAMERICA COMPUTERS, INC.", "reseller"),
        ("SNAP, INC", "reseller"),
    },
    "intelligent-surveillance": {
        ("INTELLIGENT SURVEILLANCE CORP", "direct"),
    },
    "iproov": {
        ("IPROOV LIMITED", "direct"),
    },
    "jsi-telecom": {
        ("JSI TELECOM INC.", "direct"),
    },
    "l3harris": {
        ("L3 TECHNOLOGIES, INC.", "direct"),
        ("L3HARRIS TECHNOLOGIES, INC.", "direct"),
    },
    "leidos": {
        ("LEIDOS INC", "direct"),
        ("LEIDOS SECURITY DETECTION & AUTOMATION, INC.", "direct"),
        ("LEIDOS, INC.", "direct"),
    },
    "lexisnexis": {
        ("LEXISNEXIS RISK SOLUTIONS INC", "direct"),
        ("LEXISNEXIS SPECIAL SERVICES INC", "direct"),
        ("RELX INC.", "direct"),
    },
    "magnet-forensics": {
        ("BAHFED CORP", "reseller"),
        ("MAGNET FORENSICS USA INC", "direct"),
        ("MAGNET FORENSICS, LLC", "direct"),
        ("NEW TECH SOLUTIONS, INC.", "reseller"),
        ("PANAMERICA COMPUTERS, INC.", "reseller"),
        ("REDHAWK IT SOLUTIONS, LLC", "reseller"),
    },
    "matroid": {
        ("MATROID, INC.", "direct"),
    },
    "microsoft": {
        ("ADVANTAGE TECHNOLOGIES, INC", "platform_services"),
        ("AKIRA TECHNOLOGIES INC.", "reseller"),
        ("ANACAPA MICRO PRODUCTS, INC.", "reseller"),
        ("BENNETT ADELSON PROFESSIONAL SERVICES, LLC", "platform_services"),
        ("BLUE TECH INC.", "reseller"),
        ("DATACURE, INC.", "platform_services"),
        ("DELL FEDERAL SYSTEMS L.P", "reseller"),
        ("DELL MARKETING L.P.", "reseller"),
        ("DEV TECHNOLOGY GROUP INC", "platform_services"),
        ("DIGITALEDGE JV LLC", "platform_services"),
        ("DIGITALSPEC, LLC", "platform_services"),
        ("FOUR POINTS TECHNOLOGY, L.L.C.", "reseller"),
        ("FS PARTNERS, LLP", "reseller"),
        ("GENERAL DYNAMICS INFORMATION TECHNOLOGY, INC.", "platform_services"),
        ("GERALD HANSON & ASSOCIATES, INC.", "platform_services"),
        ("GOVERNMENT ACQUISITIONS INC", "reseller"),
        ("HO-CHUNK SHARED SERVICES COMPANY", "platform_services"),
        ("HUMAN RESOURCES INSTITUTE, INC", "platform_services"),
        ("INTEGRITYONE PARTNERS, INC.", "platform_services"),
        ("KCI-ACUITY, LLC", "platform_services"),
        ("KNOWLEDGEWAVE, INC.", "platform_services"),
        ("KURRENT LOGIC LLC", "platform_services"),
        ("LEARNING TREE INTERNATIONAL USA INC", "platform_services"),
        ("LEIDOS, INC.", "platform_services"),
        ("MAC BUSINESS SOLUTIONS, INC.", "reseller"),
        ("MICROSOFT CORPORATION", "direct"),
        ("PANAMERICA COMPUTERS, INC.", "reseller"),
        ("PROCENTRIX, LLC", "platform_services"),
        ("REGAN TECHNOLOGIES CORP", "reseller"),
        ("S2ALLIANCE INC.", "platform_services"),
        ("SARDER, INC", "platform_services"),
        ("SOFTEK SERVICES INC", "platform_services"),
        ("TECOLOTE RESEARCH, INC.", "platform_services"),
        ("TEKSOUTH CORPORATION", "platform_services"),
        ("TELE-COMMUNICATION INC", "platform_services"),
        ("TRUETANDEM, LLC", "reseller"),
        ("V3 GATE TEAM, LLP", "reseller"),
    },
    "motorola-solutions": {
        ("AEG GROUP INC", "platform_services"),
        ("CACI, INC. - FEDERAL", "platform_services"),
        ("CYNERGY PROFESSIONAL SYSTEMS LLC", "reseller"),
        ("DAY MANAGEMENT CORP.", "platform_services"),
        ("FEDERAL NETWORK CONNECTIONS INC.", "platform_services"),
        ("J'S COMMUNICATIONS, INC", "platform_services"),
        ("MOTOROLA SOLUTIONS, INC.", "direct"),
        ("NEW TECH SOLUTIONS, INC.", "reseller"),
        ("PROCOM COMMUNICATIONS, LLC", "platform_services"),
        ("ST NET-APPTIS FIRSTSOURCE JOINT VENTURE", "platform_services"),
        ("TRIBALCO LLC", "reseller"),
    },
    "msab": {
        ("FS PARTNERS, LLP", "reseller"),
        ("MSAB INCORPORATED", "direct"),
        ("NEW TECH SOLUTIONS, INC.", "reseller"),
        ("PANAMERICA COMPUTERS, INC.", "reseller"),
    },
    "netapp": {
        ("C & C INTERNATIONAL COMPUTERS & CONSULTANTS, INC.", "reseller"),
        ("CTG FEDERAL, LLC", "reseller"),
        ("GOVERNMENT ACQUISITIONS INC", "reseller"),
        ("GOVPLACE, LLC", "reseller"),
        ("PERATON TECHNOLOGY SERVICES INC.", "platform_services"),
        ("THUNDERCAT TECHNOLOGY, LLC", "reseller"),
        ("UNICOM GOVERNMENT, INC.", "platform_services"),
        ("V3GATE, LLC", "reseller"),
    },
    "nuix": {
        ("BLUE TECH INC.", "reseller"),
        ("GOVPLACE, LLC", "reseller"),
        ("NEW TECH SOLUTIONS, INC.", "reseller"),
        ("SNAP, INC", "reseller"),
    },
    "open-text": {
        ("BLUE TECH INC.", "reseller"),
        ("DISTRIBUTED TECHNOLOGY GROUP LLC", "platform_services"),
        ("NEW TECH SOLUTIONS, INC.", "reseller"),
        ("OPEN TEXT INC.", "direct"),
    },
    "oracle": {
        ("AFFIGENT, LLC", "reseller"),
        ("AKIRA TECHNOLOGIES INC.", "reseller"),
        ("ALLIANCE TECHNOLOGY GROUP, LLC", "platform_services"),
        ("BLUE TECH INC.", "reseller"),
        ("CARAHSOFT TECHNOLOGY CORP", "reseller"),
        ("EMERGENT, LLC", "reseller"),
        ("FCN, INC.", "reseller"),
        ("MYTHICS, LLC", "reseller"),
        ("ORACLE AMERICA, INC", "direct"),
    },
    "oxygen-forensics": {
        ("AKIRA TECHNOLOGIES INC.", "reseller"),
        ("OXYGEN FORENSICS INC", "direct"),
    },
    "palantir": {
        ("PALANTIR TECHNOLOGIES INC.", "direct"),
    },
    "paragon-solutions": {
        ("PARAGON SOLUTIONS (US) INC", "direct"),
    },
    "penlink": {
        ("CHENEGA DEFENSE & AEROSPACE SOLUTIONS, LLC", "reseller"),
        ("DELL FEDERAL SYSTEMS L.P", "reseller"),
        ("PEN-LINK, LIMITED", "direct"),
        ("PEN-LINK, LTD", "direct"),
    },
    "quantum-technology-sciences": {
        ("QUANTUM TECHNOLOGY SCIENCES, INC.", "direct"),
    },
    "rapiscan": {
        ("RAPISCAN SYSTEMS INC", "direct"),
    },
    "regula-forensics": {
        ("REGULA FORENSICS INC", "direct"),
    },
    "salesforce": {
        ("ACCENTURE FEDERAL SERVICES LLC", "platform_services"),
        ("AKIRA TECHNOLOGIES INC.", "reseller"),
        ("BAHFED CORP", "reseller"),
        ("BLUE TECH INC.", "reseller"),
        ("C & C INTERNATIONAL COMPUTERS & CONSULTANTS, INC.", "reseller"),
        ("CARAHSOFT TECHNOLOGY CORP", "reseller"),
        ("COPPER RIVER ENTERPRISE SERVICES, LLC", "reseller"),
        ("CYBERMEDIA TECHNOLOGIES, LLC", "platform_services"),
        ("DISTRIBUTED COMPUTING SYSTEM SOLUTIONS PROVIDER, INC", "reseller"),
        ("FCN, INC.", "reseller"),
        ("FEDRESULTS, INC.", "reseller"),
        ("GOVERNMENT ACQUISITIONS INC", "reseller"),
        ("GOVSMART, INC.", "reseller"),
        ("OSI FEDERAL TECHNOLOGIES INC", "reseller"),
        ("PANAMERICA COMPUTERS, INC.", "reseller"),
        ("SOFTWARE INFORMATION RESOURCE CORP.", "reseller"),
        ("STEAMPUNK, INC.", "platform_services"),
        ("THUNDERCAT TECHNOLOGY, LLC", "reseller"),
        ("V3 GATE TEAM, LLP", "reseller"),
        ("WESTWIND TEAM LLP", "reseller"),
    },
    "sayari": {
        ("SAYARI ANALYTICS, LLC", "direct"),
        ("THUNDERCAT TECHNOLOGY, LLC", "reseller"),
    },
    "secure-communication-systems": {
        ("SECURE COMMUNICATION SYSTEMS, INC.", "direct"),
    },
    "sentrillion": {
        ("SENTRILLION CORPORATION", "direct"),
    },
    "servicenow": {
        ("AKIRA TECHNOLOGIES INC.", "reseller"),
        ("BLUE TECH INC.", "reseller"),
        ("CARAHSOFT TECHNOLOGY CORP", "reseller"),
        ("COUNTERTRADE PRODUCTS, INC.", "reseller"),
        ("FCN, INC.", "reseller"),
        ("NORSEMAN INC", "reseller"),
        ("PANAMERICA COMPUTERS, INC.", "reseller"),
        ("SNAP, INC", "reseller"),
        ("THUNDERCAT TECHNOLOGY, LLC", "reseller"),
    },
    "shadowdragon": {
        ("C & C INTERNATIONAL COMPUTERS & CONSULTANTS, INC.", "reseller"),
        ("FS PARTNERS, LLP", "reseller"),
        ("PANAMERICA COMPUTERS, INC.", "reseller"),
        ("SOFTWARE INFORMATION RESOURCE CORP.", "reseller"),
        ("THUNDERCAT TECHNOLOGY, LLC", "reseller"),
    },
    "sintela": {
        ("SINTELA INC", "direct"),
    },
    "smiths-detection": {
        ("SMITHS DETECTION INC.", "direct"),
    },
    "splunk": {
        ("AFFIGENT, LLC", "reseller"),
        ("ANACAPA MICRO PRODUCTS, INC.", "reseller"),
        ("BLUE TECH INC.", "reseller"),
        ("FEDSTORE CORPORATION", "reseller"),
        ("GOVSMART, INC.", "reseller"),
        ("GREEN IT SYSTEMS GROUP", "platform_services"),
        ("NEW TECH SOLUTIONS, INC.", "reseller"),
        ("SNAP, INC", "reseller"),
        ("THUNDERCAT TECHNOLOGY, LLC", "reseller"),
        ("VETERAN TECHNOLOGY PARTNERS II LLC", "platform_services"),
    },
    "susteen": {
        ("SUSTEEN INC.", "direct"),
    },
    "talton": {
        ("TALTON COMMUNICATIONS INC", "direct"),
    },
    "teal-drones": {
        ("TEAL DRONES INC", "direct"),
    },
    "teledyne-flir": {
        ("TELEDYNE FLIR DEFENSE, INC.", "direct"),
        ("TELEDYNE FLIR DETECTION, INC.", "direct"),
        ("TELEDYNE FLIR, LLC", "direct"),
    },
    "thomson-reuters": {
        ("THOMSON REUTERS SPECIAL SERVICES LLC", "direct"),
        ("WEST PUBLISHING CORPORATION", "direct"),
    },
    "transunion": {
        ("TRANSUNION RISK AND ALTERNATIVE DATA SOLUTIONS, INC.", "direct"),
    },
    "trm-labs": {
        ("TRM LABS, INC.", "direct"),
    },
    "uipath": {
        ("BLUE TECH INC.", "reseller"),
        ("CARAHSOFT TECHNOLOGY CORP", "reseller"),
        ("FCN, INC.", "reseller"),
        ("FOUR POINTS TECHNOLOGY, L.L.C.", "reseller"),
        ("GOVERNMENT ACQUISITIONS INC", "reseller"),
        ("GOVERNMENT ACQUISITIONS LLC", "reseller"),
        ("GOVSMART, INC.", "reseller"),
        ("REDHAWK IT SOLUTIONS, LLC", "reseller"),
        ("SOFTWARE INFORMATION RESOURCE CORP.", "reseller"),
        ("THUNDERCAT TECHNOLOGY, LLC", "reseller"),
    },
    "venntel": {
        ("VENNTEL INC", "direct"),
    },
    "verizon": {
        ("CELLCO PARTNERSHIP", "direct"),
        ("VERIZON BUSINESS NETWORK SERVICES LLC", "direct"),
        ("VERIZON FEDERAL INC.", "direct"),
    },
    "viapath": {
        ("GLOBAL TEL*LINK CORPORATION", "direct"),
    },
    "viken-detection": {
        ("VIKEN DETECTION CORPORATION", "direct"),
    },
    "vmware": {
        ("AKIRA TECHNOLOGIES INC.", "reseller"),
        ("BLUE TECH INC.", "reseller"),
        ("C & C INTERNATIONAL COMPUTERS & CONSULTANTS, INC.", "reseller"),
        ("COUNTERTRADE PRODUCTS, INC.", "reseller"),
        ("CTG FEDERAL, LLC", "reseller"),
        ("FCN, INC.", "reseller"),
        ("GOVPLACE, LLC", "reseller"),
        ("MERLIN INTERNATIONAL, INC.", "reseller"),
        ("NEW TECH SOLUTIONS, INC.", "reseller"),
        ("PANAMERICA COMPUTERS, INC.", "reseller"),
        ("THUNDERCAT TECHNOLOGY, LLC", "reseller"),
    },
    "vortex-systems": {
        ("VORTEX SYSTEMS LLC", "direct"),
    },
    "widepoint": {
        ("WIDEPOINT INTEGRATED SOLUTIONS CORP", "direct"),
    },
    "zerofox": {
        ("ZEROFOX INC", "direct"),
    },
    "zoom": {
        ("FS PARTNERS, LLP", "reseller"),
        ("GOVPLACE, LLC", "reseller"),
    },
    "zscaler": {
        ("AFFIGENT, LLC", "reseller"),
        ("CARAHSOFT TECHNOLOGY CORP", "reseller"),
        ("RED RIVER TECHNOLOGY LLC", "reseller"),
        ("THUNDERCAT TECHNOLOGY, LLC", "reseller"),
    },
}


@pytest.fixture(scope="module")
def transactions(built_data_dir: Path) -> pd.DataFrame:
    return read_transactions_csv(built_data_dir / "transactions.csv")


@pytest.fixture(scope="module")
def build_report(built_data_dir: Path) -> pd.DataFrame:
    report = pd.read_csv(built_data_dir / "build_report.csv", dtype=str, keep_default_na=False)
    return report.astype({"fiscal_year": "int64"})


@pytest.fixture(scope="module")
def summaries(built_data_dir: Path) -> pd.DataFrame:
    return pd.read_csv(built_data_dir / "award_summaries.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def curated(
    transactions: pd.DataFrame, build_report: pd.DataFrame, summaries: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    return build_curated(
        transactions,
        pd.DataFrame(),
        REFERENCE_DIR,
        build_report=build_report,
        award_summaries=summaries,
    )


def test_precision_every_attributing_recipient_is_expected(
    curated: dict[str, pd.DataFrame], transactions: pd.DataFrame
) -> None:
    att = curated["attributions"]
    name = transactions.set_index("transaction_id")["recipient_name"]
    att = att.assign(recipient_name=att["transaction_id"].map(name))
    got = {
        c: set(zip(g["recipient_name"], g["relationship"], strict=True))
        for c, g in att.groupby("company_id")
    }
    for company in sorted(set(got) | set(EXPECTED_RECIPIENTS)):
        assert got.get(company, set()) == EXPECTED_RECIPIENTS.get(company, set()), company


def test_palantir_icm_award_is_direct_and_mentions_icm(
    curated: dict[str, pd.DataFrame], transactions: pd.DataFrame
) -> None:
    ids = set(
        transactions.loc[transactions["award_id_piid"] == "70CTD022FR0000170", "transaction_id"]
    )
    assert len(ids) >= 10
    att = curated["attributions"]
    pal = att[att["transaction_id"].isin(ids)]
    assert set(pal["transaction_id"]) == ids
    assert set(zip(pal["company_id"], pal["relationship"], pal["rule_id"], strict=True)) == {
        ("palantir", "direct", "palantir-recipient")
    }
    men = curated["system_mentions"]
    assert set(men.loc[men["system_id"] == "icm", "transaction_id"]) >= ids
    ios = men.loc[(men["system_id"] == "immigrationos") & men["transaction_id"].isin(ids)]
    assert pd.Timestamp("2025-04-11") in set(ios["action_date"])


def _attribution_of(
    curated: dict[str, pd.DataFrame], transactions: pd.DataFrame, recipient: str, description: str
) -> pd.DataFrame:
    tx = transactions[
        (transactions["recipient_name"] == recipient)
        & (transactions["transaction_description"] == description)
    ]
    assert len(tx) >= 1, (recipient, description)
    att = curated["attributions"]
    return att[att["transaction_id"].isin(tx["transaction_id"])]


def test_reseller_order_naming_azure_is_reseller_money_for_microsoft(
    curated: dict[str, pd.DataFrame], transactions: pd.DataFrame
) -> None:
    for recipient, description in [
        (
            "DELL FEDERAL SYSTEMS L.P",
            "THE ICE OFFICE OF THE PRINCIPAL LEGAL ADVISOR (OPLA) REQUIRES AZURE ENROLLMENT",
        ),
        (
            "FOUR POINTS TECHNOLOGY, L.L.C.",
            "ICE CLOUD INFRASTRUCTURE HOSTING SUPPORT FOR THE MICROSOFT AZURE ENVIRONMENT "
            "FOR ICE/OCIO",
        ),
    ]:
        a = _attribution_of(curated, transactions, recipient, description)
        assert a[["company_id", "relationship"]].drop_duplicates().values.tolist() == [
            ["microsoft", "reseller"]
        ]


def test_services_firm_describing_azure_support_is_platform_services(
    curated: dict[str, pd.DataFrame], transactions: pd.DataFrame
) -> None:
    a = _attribution_of(
        curated,
        transactions,
        "HO-CHUNK SHARED SERVICES COMPANY",
        "MICROSOFT OFFICE 365 AND AZURE SUPPORT SERVICES",
    )
    assert a[["company_id", "relationship"]].values.tolist() == [["microsoft", "platform_services"]]


def test_claims_status(curated: dict[str, pd.DataFrame]) -> None:
    claims = curated["claims"].set_index("claim_id")
    assert claims["status"].value_counts().to_dict() == {
        "not_covered": 16,
        "consistent": 6,
        "partly_covered": 4,
    }
    tested = claims[claims["status"] != "not_covered"]
    got = dict(zip(tested.index, tested["status"], strict=True))
    assert got == {
        "aws-usually-through-four-points-or-westwind": "consistent",
        "dev-technology-millions-from-ice": "partly_covered",
        "google-usually-through-four-points-or-westwind": "consistent",
        "icm-contract-2014-summaries": "partly_covered",
        "immigrationos-30-million": "consistent",
        "immigrationos-30-million-wired": "consistent",
        "microsoft-usually-through-dell": "consistent",
        "palantir-ice-since-2011": "partly_covered",
        "palantir-no-cbp-work": "consistent",
        "raven-aws-payments-2020-2022": "partly_covered",
    }
    ios = claims.loc["immigrationos-30-million"]
    assert ios["package_value"] == 29898236.0
    # the order continues past the reported April 2025 figure: said beside the status
    assert (ios["has_records_past_scope"], ios["past_scope_transaction_count"]) == (True, 6)
    assert ios["past_scope_obligation_usd"] == 62587759.32
    assert claims.loc["microsoft-usually-through-dell", "past_scope_transaction_count"] == 11
    # FY2013-FY2018 award summaries speak to the 2018 report and to Palantir's early years
    assert claims.loc["palantir-ice-since-2011", "package_value"] == 6.0
    assert claims.loc["dev-technology-millions-from-ice", "package_value"] == 20311661.24
    assert claims.loc["icm-contract-2014-summaries", "package_value"] == 1.0
    assert claims.loc["raven-aws-payments-2020-2022", "package_value"] == 0.0


def test_largest_newly_attributed_vendors(curated: dict[str, pd.DataFrame]) -> None:
    """Per-record product money (direct + reseller, evidence in the record itself) of the
    largest vendors added beyond the Big Four, in cents."""
    att = curated["attributions"]
    att = att[
        att["relationship"].isin(["direct", "reseller"]) & (att["evidence_scope"] == "transaction")
    ]
    cents = (att["federal_action_obligation_usd"] * 100).round().astype("int64")
    by = cents.groupby([att["company_id"], att["agency_acronym"]]).sum().to_dict()
    assert by[("bi-incorporated", "ICE")] == 162646223006
    assert by[("leidos", "CBP")] == 146047745688
    assert by[("anduril", "CBP")] == 85997019042
    assert by[("general-atomics-aeronautical", "CBP")] == 68237787835
    assert by[("rapiscan", "CBP")] == 54568736656
    assert by[("motorola-solutions", "ICE")] == 47426092553
    assert by[("motorola-solutions", "CBP")] == 6733029882
    assert by[("elbit-america", "CBP")] == 32243642805
    assert by[("smiths-detection", "CBP")] == 19624264738
    assert by[("cisco", "ICE")] == 5620484296
    assert by[("cisco", "CBP")] == 11734968027
    assert by[("widepoint", "ICE")] == 10253758318
    assert by[("widepoint", "CBP")] == 5939983575


def test_evidence_is_in_the_records(
    curated: dict[str, pd.DataFrame], transactions: pd.DataFrame
) -> None:
    att = curated["attributions"]
    tx = transactions.set_index("transaction_id")
    ev = tx.loc[att["evidence_transaction_id"]]
    for field in ("recipient_name", "transaction_description"):
        sel = (att["matched_field"] == field).to_numpy()
        texts = ev.loc[sel, field].str.upper().tolist()
        words = att.loc[sel, "matched_text"].str.upper().tolist()
        assert all(w in t for w, t in zip(words, texts, strict=True)), field
    # award-inherited evidence is in the same award; parent-agreement evidence under the same
    # parent vehicle; per-record evidence is the record itself
    scope = att["evidence_scope"].to_numpy()
    same_award = ev["award_id_usaspending"].to_numpy() == att["award_id_usaspending"].to_numpy()
    assert same_award[scope != "parent_agreement"].all()
    parent = tx.loc[att["transaction_id"], "parent_award_id_piid"].to_numpy()
    same_parent = ev["parent_award_id_piid"].to_numpy() == parent
    assert same_parent[scope == "parent_agreement"].all()
    own = att["evidence_transaction_id"].to_numpy() == att["transaction_id"].to_numpy()
    assert (own == (scope == "transaction")).all()
    assert set(att["transaction_id"]) <= set(tx.index)
    assert not att.duplicated(["transaction_id", "company_id"]).any()


def _write(frames: dict[str, pd.DataFrame], out: Path) -> dict[str, bytes]:
    out.mkdir(parents=True)
    for name, frame in frames.items():
        write_csv(frame, metadata.resource(name), out / f"{name}.csv")
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def test_rebuild_twice_is_byte_identical(
    curated: dict[str, pd.DataFrame],
    transactions: pd.DataFrame,
    build_report: pd.DataFrame,
    summaries: pd.DataFrame,
    tmp_path: Path,
) -> None:
    again = build_curated(
        transactions.sample(frac=1.0, random_state=1),
        pd.DataFrame(),
        REFERENCE_DIR,
        build_report=build_report,
        award_summaries=summaries.sample(frac=1.0, random_state=1),
    )
    assert _write(curated, tmp_path / "a") == _write(again, tmp_path / "b")


def test_built_package_holds_the_curated_resources(
    curated: dict[str, pd.DataFrame], built_data_dir: Path, tmp_path: Path
) -> None:
    """The build publishes exactly what build_curated computes from its transactions."""
    mine = _write(curated, tmp_path / "mine")
    for name, content in mine.items():
        path = built_data_dir / name
        assert path.exists(), f"{path} missing: the build does not publish {name} yet"
        assert path.read_bytes() == content, name


def test_companies_page_lists_companies_with_counts(
    curated: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    _write(curated, tmp_path / "data")
    page = companies_markdown(tmp_path / "data")
    pal = next(line for line in page.splitlines() if line.startswith("| Palantir"))
    assert "| 318,692,423 | 34 |" in pal
    assert "| Dell Federal Systems (`dell-federal-systems`)" in page
    assert "| Investigative Case Management (`icm`)" in page


# Per-record and inclusive figures of the four companies of the WIRED reporting (2026-03-03),
# direct plus reseller, action dates 2023-01-01 to 2026-03-03, measured on the 2026-08-22
# snapshot: (USD, transactions) per record; including award-inherited records; through a
# reviewed parent agreement.
FOUR_COMPANIES_2023_2026 = {
    ("palantir", "ICE"): ((122_021_144.56, 13), (122_021_144.56, 13), (0.0, 0)),
    ("palantir", "CBP"): ((0.0, 0), (0.0, 0), (0.0, 0)),
    ("microsoft", "ICE"): ((81_670_552.28, 62), (91_776_777.82, 71), (2_097_146.30, 2)),
    ("microsoft", "CBP"): ((78_160_857.24, 12), (114_188_860.86, 23), (0.0, 0)),
    ("aws", "ICE"): ((51_779_296.49, 7), (71_579_545.70, 16), (1_932_990.86, 2)),
    ("aws", "CBP"): ((142_585_301.24, 47), (220_243_246.38, 58), (0.0, 0)),
    ("google", "ICE"): ((962_443.22, 7), (1_373_442.09, 9), (0.0, 0)),
    ("google", "CBP"): ((7_184_424.98, 9), (7_318_979.63, 13), (0.0, 0)),
}


def _figure(rows: pd.DataFrame) -> tuple[float, int]:
    return round(float(rows["federal_action_obligation_usd"].sum()), 2), len(rows)


def test_per_record_and_inclusive_totals_of_the_four_companies(
    curated: dict[str, pd.DataFrame],
) -> None:
    att = curated["attributions"]
    att = att[
        att["relationship"].isin(["direct", "reseller"])
        & (att["action_date"] >= pd.Timestamp("2023-01-01"))
        & (att["action_date"] <= pd.Timestamp("2026-03-03"))
    ]
    for (company, agency), expected in FOUR_COMPANIES_2023_2026.items():
        a = att[(att["company_id"] == company) & (att["agency_acronym"] == agency)]
        scope = a["evidence_scope"]
        got = (
            _figure(a[scope == "transaction"]),
            _figure(a[scope.isin(["transaction", "award"])]),
            _figure(a[scope == "parent_agreement"]),
        )
        assert got == expected, (company, agency)


def test_company_totals_agree_with_their_attributions(
    curated: dict[str, pd.DataFrame],
) -> None:
    """Per fiscal year, the three published figures are sums of the attributions by scope."""
    ct = curated["company_totals"].set_index(["agency_acronym", "company_id", "fiscal_year"])
    att = curated["attributions"]
    att = att[att["relationship"].isin(["direct", "reseller"])]
    keys = ["agency_acronym", "company_id", "fiscal_year"]
    for scopes, column in (
        (["transaction"], "obligation_per_record_usd"),
        (["transaction", "award"], "obligation_including_inherited_usd"),
        (["parent_agreement"], "parent_agreement_obligation_usd"),
    ):
        sums = (
            att[att["evidence_scope"].isin(scopes)]
            .groupby(keys)["federal_action_obligation_usd"]
            .sum()
        )
        assert ct.loc[sums.index, column].to_numpy() == pytest.approx(sums.to_numpy(), abs=0.01)
    aws_ice_2023 = ct.loc[("ICE", "aws", 2023)]
    assert aws_ice_2023["obligation_per_record_usd"] == 0.0
    assert aws_ice_2023["obligation_including_inherited_usd"] == 17_099_012.78
    assert aws_ice_2023["inherited_evidence_after_record_transaction_count"] == 4


def test_parent_agreements_measured(curated: dict[str, pd.DataFrame]) -> None:
    att = curated["attributions"]
    pa = att[att["evidence_scope"] == "parent_agreement"]
    got = {
        key: _figure(rows) for key, rows in pa.groupby(["company_id", "agency_acronym"], sort=True)
    }
    assert got == {
        ("adobe", "CBP"): (2_343_435.09, 4),
        ("adobe", "ICE"): (671_628.00, 9),
        ("aws", "ICE"): (14_221_848.74, 4),
        ("google", "ICE"): (355_461.05, 2),
        ("microsoft", "ICE"): (9_577_924.89, 4),
        ("salesforce", "ICE"): (7_739.15, 8),
    }
    assert set(pa["relationship"]) == {"reseller"}
    assert int(att["is_evidence_after_record"].sum()) == 32


def test_truncated_slices_make_upper_bounds(
    curated: dict[str, pd.DataFrame], build_report: pd.DataFrame
) -> None:
    """CBP FY2021, ICE FY2022 and ICE FY2023 are truncated pulls: build_report says their
    totals are upper bounds, every company total drawn from them says so, and no other does."""
    bias = build_report.groupby("coverage_bias").size().to_dict()
    assert bias == {"minimum": 9, "not_transactions": 6, "upper_bound_truncated_slice": 3}
    upper = build_report[build_report["coverage_bias"] == "upper_bound_truncated_slice"]
    assert set(zip(upper["agency_acronym"], upper["fiscal_year"], strict=True)) == {
        ("CBP", 2021),
        ("ICE", 2022),
        ("ICE", 2023),
    }
    ct = curated["company_totals"]
    cut = {("CBP", 2021), ("ICE", 2022), ("ICE", 2023)}
    flagged = set(
        zip(
            ct.loc[ct["coverage_bias"] != "minimum", "agency_acronym"],
            ct.loc[ct["coverage_bias"] != "minimum", "fiscal_year"],
            strict=True,
        )
    )
    assert flagged == cut
    rows = ct[
        [(a, fy) in cut for a, fy in zip(ct["agency_acronym"], ct["fiscal_year"], strict=True)]
    ]
    assert set(rows["coverage_bias"]) == {"upper_bound_truncated_slice"}
    assert (ct["coverage_bias"] != "minimum").sum() == 154


def test_corporate_families_and_parents(curated: dict[str, pd.DataFrame]) -> None:
    rec = curated["recipients"].set_index("recipient_name")
    assert rec.loc["AMAZON WEB SERVICES, INC.", "parent_company_id"] == "amazon"
    assert rec.loc["DELL FEDERAL SYSTEMS L.P", "corporate_family_id"] == "dell-technologies"
    assert rec.loc["UNIFIRST CORPORATION", "recipient_name_variants"] == (
        "UNI FIRST CORP ; UNIFIRST CORP ; UNIFIRST CORPORATION"
    )
    fam = curated["corporate_family_totals"]
    ct = curated["company_totals"]
    # families of one company add up to that company; a family counts each dollar once
    assert fam["obligation_per_record_usd"].sum() == pytest.approx(
        ct["obligation_per_record_usd"].sum(), abs=0.01
    )
