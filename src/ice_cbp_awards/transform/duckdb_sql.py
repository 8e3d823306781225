"""The transaction normalisation as SQL, for inputs past what one pandas process holds.

The pandas path (transform/normalise.py) is what the build publishes. This module states the
same rules for transactions of one source system as plain SQL over a table of canonical raw
columns (all text, as readers/batch.py names them), so that they run unchanged on DuckDB over
Parquet files of any size, and with little change on Spark SQL or BigQuery over the same files:
exact duplicates out, rows failing a check quarantined with the first reason that applies (the
pandas path's order), ids from the same formula (ids.py), later rows of a taken id quarantined.

The reference tables the rules read (agency aliases, reviewed PIID prefixes) are loaded from
the same places as the pandas path. tests/core/test_duckdb_sql.py holds the two paths equal on
hand-made input, and scripts/duckdb_scale.py runs this SQL over Parquet at millions of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..ids import HEX_DIGITS, SEPARATOR
from ..readers import cbp_ice
from ..readers.batch import TRANSACTION_COLUMNS
from ..readers.manifest import entry_year, read_manifest, utc_iso
from ..readers.rawfile import read_header
from . import amounts, normalise, parse

# the raw columns a row is compared on for exact duplicates (every canonical raw column)
_RAW = ", ".join(TRANSACTION_COLUMNS)

# @RAW@: the input table or a read_parquet(...) call; @DATES@: the date expression
NORMALISE = f"""
CREATE OR REPLACE TEMP VIEW tx_checked AS
WITH parted AS (
    SELECT *, string_split(award_id_usaspending, '_') AS kp FROM @RAW@
),
read_rows AS (
    -- the reader's check of a given key (readers/checks.py): such rows never reach dedup
    SELECT * EXCLUDE (kp), award_id_usaspending <> '' AND NOT coalesce(
        len(kp) = 6 AND kp[1] = 'CONT' AND kp[2] IN ('AWD', 'IDV')
        AND regexp_full_match(kp[3], '[0-9A-Z-]+') AND kp[3] <> '-NONE-'
        AND regexp_full_match(kp[4], '[0-9A-Z]{{4}}')
        AND ((kp[5] = '-NONE-' AND kp[6] = '-NONE-')
             OR (kp[5] <> '-NONE-' AND regexp_full_match(kp[5], '[0-9A-Z-]+')
                 AND regexp_full_match(kp[6], '[0-9A-Z]{{4}}'))), FALSE) AS is_bad_key
    FROM parted
),
deduped AS (
    SELECT * FROM read_rows WHERE NOT is_bad_key
    QUALIFY row_number() OVER (PARTITION BY {_RAW} ORDER BY source_id, raw_line_number) = 1
    UNION ALL
    SELECT * FROM read_rows WHERE is_bad_key
),
typed AS (
    SELECT d.*,
        coalesce(al.code, '') AS sub_code,
        @DATES@ AS action_day,
        CAST(substr(retrieved_at, 1, 10) AS DATE) AS retrieved_day,
        TRY_CAST(nullif(federal_action_obligation, '') AS DOUBLE) AS amount,
        CASE WHEN award_id_usaspending <> '' THEN award_id_usaspending
             ELSE 'CONT_AWD_' || award_id_piid || '_'
                  || CASE WHEN award_agency_code <> '' THEN award_agency_code
                          ELSE awarding_sub_agency_code END
                  || '_' || CASE WHEN parent_award_id_piid <> '' THEN parent_award_id_piid
                                 ELSE '-NONE-' END
                  || '_' || CASE WHEN parent_award_id_piid <> ''
                                      AND parent_award_agency_code <> ''
                                 THEN parent_award_agency_code ELSE '-NONE-' END
        END AS award_key
    FROM deduped d
    LEFT JOIN agency_aliases al ON al.alias = upper(trim(
        CASE WHEN d.awarding_sub_agency_code <> '' THEN d.awarding_sub_agency_code
             ELSE d.agency_raw END))
),
keyed AS (
    SELECT t.*,
        regexp_matches(award_key, '{parse._KEY_NAMED}') AS key_ok,
        regexp_extract(award_key, '{parse._KEY_NAMED}', 1) AS key_piid,
        regexp_extract(award_key, '{parse._KEY_NAMED}', 2) AS key_agency,
        CASE WHEN lower(ltrim(trim(federal_action_obligation), '+-'))
                  IN ('inf', 'infinity', 'nan') THEN 'non_finite_amount'
             WHEN amount IS NULL AND trim(federal_action_obligation) <> ''
                  THEN 'non_numeric_amount'
             WHEN isinf(amount) THEN 'non_finite_amount'
             WHEN abs(amount) > {amounts.MAX_ABS_AMOUNT_USD} THEN 'amount_over_maximum'
             WHEN regexp_matches(federal_action_obligation, '{amounts._MAYBE_SUB_CENT}')
                  AND TRY_CAST(trim(federal_action_obligation) AS DECIMAL(38, 12))
                      IS DISTINCT FROM round(TRY_CAST(trim(federal_action_obligation)
                                                      AS DECIMAL(38, 12)), 2)
                  THEN 'amount_not_exact_cents'
             ELSE '' END AS amount_problem
    FROM typed t
),
owned AS (
    SELECT k.*,
        coalesce((SELECT arg_max(p.agency_acronym, length(p.piid_prefix))
                  FROM piid_prefixes p WHERE starts_with(k.key_piid, p.piid_prefix)), '')
            AS prefix_owner,
        coalesce(ag.acronym, '') AS acronym
    FROM keyed k LEFT JOIN agencies ag ON ag.code = k.sub_code
)
SELECT *,
    CASE
        WHEN is_bad_key THEN 'malformed_award_key'
        WHEN trim(recipient_name) = '' OR trim(action_date) = ''
             OR trim(federal_action_obligation) = '' OR trim(modification_number) = ''
            THEN 'missing_required_value'
        WHEN sub_code = '' THEN 'unknown_agency'
        WHEN action_day IS NULL THEN 'unparseable_date'
        WHEN action_day > retrieved_day THEN 'date_after_retrieval'
        WHEN action_day < DATE '{normalise.FIRST_DATE}' THEN 'date_before_minimum'
        WHEN amount_problem <> '' THEN amount_problem
        WHEN NOT key_ok OR (award_id_usaspending <> '' AND award_id_piid <> ''
                            AND key_piid <> award_id_piid)
             OR (award_id_piid = '' AND award_id_usaspending = '')
            THEN 'malformed_award_key'
        WHEN (key_agency IN ('7012', '7014') AND key_agency <> sub_code)
             OR (prefix_owner NOT IN ('', 'DHS') AND prefix_owner <> acronym)
            THEN 'agency_mismatch'
        ELSE ''
    END AS reason_code,
    'tx-' || substr(sha256(award_key || '{SEPARATOR}' || modification_number), 1, {HEX_DIGITS})
        AS transaction_id,
    year(action_day) + CAST(month(action_day) >= 10 AS INTEGER) AS fiscal_year,
    round(amount, 2) AS federal_action_obligation_usd
FROM owned;

CREATE OR REPLACE TEMP VIEW tx_published AS
SELECT * FROM tx_checked WHERE reason_code = ''
QUALIFY row_number() OVER (PARTITION BY transaction_id ORDER BY source_id, raw_line_number) = 1;
"""

# published transactions and their exact sum in cents per agency and fiscal year
TOTALS = """
SELECT acronym AS agency_acronym, fiscal_year,
       count(*) AS transaction_count,
       sum(CAST(round(federal_action_obligation_usd * 100) AS HUGEINT)) AS obligation_cents
FROM tx_published
GROUP BY ALL ORDER BY ALL
"""


def date_expression(formats: list[str], column: str = "action_date") -> str:
    """The first of the formats that parses, as the pandas path tries them."""
    tries = [f"CAST(try_strptime({column}, '{fmt}') AS DATE)" for fmt in formats]
    return tries[0] if len(tries) == 1 else f"coalesce({', '.join(tries)})"


def register_reference(con: Any) -> None:
    """The reference tables the SQL reads, from the same sources as the pandas path."""
    con.register(
        "agency_aliases",
        pd.DataFrame(list(parse.AGENCY_ALIASES.items()), columns=["alias", "code"]),
    )
    con.register(
        "agencies",
        pd.DataFrame([(c, v[1]) for c, v in parse.AGENCIES.items()], columns=["code", "acronym"]),
    )
    con.register(
        "piid_prefixes",
        pd.DataFrame(
            list(parse.piid_prefixes().items()), columns=["piid_prefix", "agency_acronym"]
        ),
    )


def normalise_sql(con: Any, raw: str, formats: list[str]) -> None:
    """Create the views tx_checked (every row after exact duplicates, with its reason_code,
    "" when published) and tx_published on connection con, over the relation raw."""
    register_reference(con)
    con.execute(NORMALISE.replace("@RAW@", raw).replace("@DATES@", date_expression(formats)))


def totals(con: Any) -> pd.DataFrame:
    """Published transactions and obligations (exact cents) per agency and fiscal year."""
    return con.sql(TOTALS).df()


@dataclass(frozen=True)
class RawFile:
    """One raw CSV file and what the reader adds to its rows."""

    path: Path
    source_id: str
    retrieved_at: str
    file_fiscal_year: int
    column_map: dict[str, str]  # the file's column name -> canonical name


def cbp_ice_files(raw_root: Path, snapshot: str | None = None) -> list[RawFile]:
    """The files of a usaspending-cbp-ice snapshot (default: the newest), named as the reader
    names them. Checksums and field counts stay the reader's job (`awards build`)."""
    family = raw_root / cbp_ice.FAMILY
    manifest = read_manifest(family / "manifest.csv", cbp_ice.MANIFEST_COLUMNS)
    snap = snapshot or max(manifest["snapshot"])
    out = []
    for entry in manifest[manifest["snapshot"] == snap].sort_values("path").to_dict("records"):
        path = family / entry["path"]
        fy = entry_year(entry, family / "manifest.csv") or 0
        cmap = dict(cbp_ice.BASE_COLUMNS)
        if len(read_header(path)) > len(cmap):
            cmap |= cbp_ice.FETCH_COLUMNS
        stem = f"fy{fy}" if fy else path.stem.lower()
        if entry.get("agency"):
            stem = f"{entry['agency'].lower()}-{stem}"
        out.append(
            RawFile(
                path,
                f"{cbp_ice.FAMILY}/{snap}/{stem}",
                utc_iso(entry["retrieved_at"]),
                fy,
                cmap,
            )
        )
    return out


def raw_select(files: list[RawFile]) -> str:
    """A SELECT of the files' rows under the canonical raw column names, all text, with the
    columns the reader adds (raw_line_number is the record number + 1: the line number where
    no value spans lines). The CSV dialect is stated, not sniffed: a sniffer can take a file
    with a broken row for a one-column file; stated, such a file stops with an error."""
    parts = []
    for f in files:
        inverse = {canon: raw for raw, canon in reversed(f.column_map.items())}
        cols = [
            f"""coalesce("{inverse[c]}", '') AS {c}""" if c in inverse else f"'' AS {c}"
            for c in TRANSACTION_COLUMNS
        ]
        parts.append(
            f"SELECT {', '.join(cols)}, '{f.source_id}' AS source_id,"
            " CAST(row_number() OVER () + 1 AS BIGINT) AS raw_line_number,"
            f" '{f.retrieved_at}' AS retrieved_at, {f.file_fiscal_year} AS file_fiscal_year"
            f" FROM read_csv('{f.path}', all_varchar = true, header = true, delim = ',',"
            """ quote = '"', escape = '"', strict_mode = true)"""
        )
    return " UNION ALL ".join(parts)
