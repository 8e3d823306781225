"""Run a diff over two or more releases and write its small data package and report.

Output folder (default dist/<package>-changes-<first>-to-<last>/):

    datapackage.json          descriptor of the two resources below (not of the main package)
    data/changes.csv          every added, removed and changed record and moved total,
                              per consecutive pair of releases (schemas/changes.schema.json)
    data/record_history.csv   first_seen / last_seen / last_changed version of every record
                              (schemas/record_history.schema.json)
    diff_report.json          the counts, machine-readable
    diff_report.md            the same for people
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..jsonfiles import write_json
from ..versioning import parse_data_version, release_timestamp
from ..write.descriptor import as_v2
from .checksums import sha256_file
from .diff import (
    CHANGES_SCHEMA_PATH,
    RECORD_HISTORY_SCHEMA_PATH,
    ResourceDiff,
    changes_columns,
    compared_resources,
    diff_resource,
)
from .history import present_ids, record_history
from .loading import LoadedRelease, ReleaseLoadError, load_release
from .totals import TRANSACTIONS, TotalsDiff, diff_totals

TOP = 10
DOC_START = "<!-- diff-report:start -->"
DOC_END = "<!-- diff-report:end -->"


@dataclass
class PairDiff:
    old_version: str
    new_version: str
    old_schema_version: str
    new_schema_version: str
    resources: list[ResourceDiff]
    totals: TotalsDiff
    raw_files: dict[str, Any]
    top_amount_changes: list[dict[str, str]] = field(default_factory=list)
    top_total_moves: list[dict[str, str]] = field(default_factory=list)


@dataclass
class DiffResult:
    versions: list[str]
    pairs: list[PairDiff]
    changes: pd.DataFrame
    history: pd.DataFrame
    out_dir: Path | None = None

    def resource(self, pair: int, name: str) -> ResourceDiff:
        return next(r for r in self.pairs[pair].resources if r.resource == name)


def _raw_files(old: LoadedRelease, new: LoadedRelease) -> dict[str, Any]:
    """Which raw files (by sha256) the newer release read that the older did not."""
    if "sources" not in old.resource_names or "sources" not in new.resource_names:
        return {}
    o, n = old.table("sources"), new.table("sources")
    new_files = n[~n["sha256"].isin(set(o["sha256"]))]
    return {
        "files_old": len(o),
        "files_new": len(n),
        "files_with_new_content": sorted(new_files["path"]),
    }


def _top_amount_changes(changes: pd.DataFrame) -> list[dict[str, str]]:
    """The largest upstream revisions of transaction amounts (derived totals left out)."""
    amt = changes[
        (changes["resource_name"] == TRANSACTIONS)
        & (changes["change_type"] == "changed")
        & (changes["amount_change_usd"] != "")
    ]
    if amt.empty:
        return []
    order = amt["amount_change_usd"].astype(float).abs().sort_values(ascending=False, kind="stable")
    cols = ["resource_name", "record_id", "field_name", "old_value", "new_value",
            "amount_change_usd", "agency_acronym", "award_page_url"]  # fmt: skip
    return amt.loc[order.index[:TOP], cols].to_dict(orient="records")


_SCOPE_HEAD = ", evidence scope"


def _totals_basis(basis: str) -> str:
    """What a moved total groups by, in words, for the report's label."""
    if basis == "recipient":
        return "recipient as named"
    parts = basis.split(":")
    text = f"attributed company in `{parts[1]}`, per relationship"
    if parts[-1] == "scoped":
        text += (
            " and evidence scope (transaction: the record itself names the company, the "
            "per-record figure; award: inherited from the award; parent_agreement: through "
            "the reviewed parent vehicle), never summed together"
        )
    return text


def _top_total_moves(totals: pd.DataFrame) -> list[dict[str, str]]:
    if totals.empty:
        return []
    order = (
        totals["amount_change_usd"].astype(float).abs().sort_values(ascending=False, kind="stable")
    )
    cols = ["record_id", "old_value", "new_value", "amount_change_usd", "related_record_count"]
    return totals.loc[order.index[:TOP], cols].to_dict(orient="records")


def diff_pair(old: LoadedRelease, new: LoadedRelease) -> tuple[pd.DataFrame, PairDiff]:
    blocks, stats = [], []
    for name in compared_resources(old, new):
        rows, st = diff_resource(old, new, name)
        blocks.append(rows)
        stats.append(st)
    totals_rows, totals = diff_totals(old, new)
    record_rows = pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame()
    pair = PairDiff(
        old.version, new.version, old.schema_version, new.schema_version, stats, totals,
        _raw_files(old, new),
        top_amount_changes=_top_amount_changes(record_rows) if blocks else [],
        top_total_moves=_top_total_moves(totals_rows),
    )  # fmt: skip
    changes = pd.concat([*blocks, totals_rows], ignore_index=True)
    return changes[changes_columns()], pair


def check_verified(path: Path, release: LoadedRelease) -> None:
    """Refuse a release that fails `awards verify`: a diff of tampered data reports fiction.

    One line naming the release and its first problem; `awards verify` lists them all.
    """
    from .verify import verify_folder

    report = verify_folder(release.root)
    if report.ok:
        return
    more = len(report.problems) - 1
    raise ReleaseLoadError(
        f"{path}: refused, not the release as published: {report.problems[0]}"
        + (f" (and {more} more problems; `awards verify {path}` lists them)" if more else "")
    )


def diff_releases(
    paths: list[Path], out_dir: Path | None = None, verified: bool = True
) -> DiffResult:
    """Compare releases (oldest first); write the outputs into out_dir when given.

    Every release is verified first (`verified=False` only for built data dirs, which have
    no checksums to verify); one that fails is refused and nothing is written.
    """
    if len(paths) < 2:
        raise ReleaseLoadError("a diff needs at least two releases, oldest first")
    with ExitStack() as stack:
        releases = [load_release(p, stack) for p in paths]
        for path, release in zip(paths, releases, strict=True):
            if verified:
                check_verified(path, release)
        versions = [r.version for r in releases]
        parsed = [parse_data_version(v) for v in versions]
        if any(b <= a for a, b in zip(parsed, parsed[1:], strict=False)):
            raise ReleaseLoadError(
                f"releases must be given oldest first, each newer: got {' -> '.join(versions)}"
            )
        names = {r.descriptor["name"] for r in releases}
        if len(names) != 1:
            raise ReleaseLoadError(f"releases of different packages: {sorted(names)}")
        all_changes, pairs, changed = [], [], {}
        for i, (old, new) in enumerate(zip(releases, releases[1:], strict=False)):
            rows, pair = diff_pair(old, new)
            all_changes.append(rows)
            pairs.append(pair)
            for st in pair.resources:
                changed.setdefault(st.resource, [set()] * i).append(st.changed_ids)
        for per in changed.values():
            per.extend([set()] * (len(releases) - 1 - len(per)))
        present = {name: present_ids(releases, name) for name in changed}
        history = record_history(versions, present, changed)
        changes = pd.concat(all_changes, ignore_index=True)
        result = DiffResult(versions, pairs, changes, history)
        if out_dir is not None:
            write_outputs(result, releases[-1].descriptor, out_dir)
            result.out_dir = out_dir
    return result


def default_out_dir(dist_dir: Path, package: str, versions: list[str]) -> Path:
    return dist_dir / f"{package}-changes-{versions[0]}-to-{versions[-1]}"


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def _sorted_changes(changes: pd.DataFrame) -> pd.DataFrame:
    order = changes["old_version"].map(lambda v: parse_data_version(v))
    keys = ["resource_name", "record_id", "change_type", "field_name"]
    return (
        changes.assign(_v=order)
        .sort_values(["_v", *keys], kind="stable")
        .drop(columns="_v")
        .reset_index(drop=True)
    )


def write_outputs(result: DiffResult, newest: dict[str, Any], out_dir: Path) -> None:
    """The diff's data package and reports; same inputs, same bytes."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = out_dir / "data"
    _write_csv(_sorted_changes(result.changes), data / "changes.csv")
    history = result.history.sort_values(["resource_name", "record_id"], kind="stable")
    _write_csv(history, data / "record_history.csv")
    versions = result.versions
    resources = []
    for name, title, schema_path, text in (
        ("changes", "Changes between releases", CHANGES_SCHEMA_PATH,
         "Every record added, removed or changed (one row per field) and every agency x "
         "company total that moved, between consecutive releases."),
        ("record_history", "Record history", RECORD_HISTORY_SCHEMA_PATH,
         "For every record of every release compared: first seen, last seen and last "
         "changed version."),
    ):  # fmt: skip
        path = data / f"{name}.csv"
        resources.append(
            {
                "name": name,
                "title": title,
                "description": text,
                "path": f"data/{name}.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": path.stat().st_size,
                "hash": f"sha256:{sha256_file(path)}",
                "schema": json.loads(schema_path.read_text(encoding="utf-8")),
            }
        )
    descriptor = {
        "name": f"{newest['name']}-changes",
        "title": f"{newest['title']}: changes {' -> '.join(versions)}",
        "description": (
            f"What changed between releases {' -> '.join(versions)} of {newest['name']}, "
            "record by record, and when each record was first seen, last seen and last changed."
        ),
        "version": versions[-1],
        "compared_versions": versions,
        "created": release_timestamp(versions[-1]).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "licenses": newest.get("licenses", []),
        "resources": resources,
    }
    descriptor = as_v2(descriptor)
    write_json(out_dir / "datapackage.json", descriptor)
    write_json(out_dir / "diff_report.json", report_dict(result))
    (out_dir / "diff_report.md").write_text(report_markdown(result), encoding="utf-8")


def report_dict(result: DiffResult) -> dict[str, Any]:
    pairs = []
    for p in result.pairs:
        d = asdict(p)
        for r in d["resources"]:
            r.pop("changed_ids", None)
        pairs.append(d)
    return {"versions": result.versions, "pairs": pairs, "history": history_summary(result)}


def history_summary(result: DiffResult) -> dict[str, dict[str, Any]]:
    """Per resource: records ever seen, first seen per version, removed, revised."""
    out: dict[str, dict[str, Any]] = {}
    h = result.history
    for name, part in h.groupby("resource_name", sort=True):
        first = part["first_seen_version"].value_counts()
        out[str(name)] = {
            "records": len(part),
            "in_every_release": int(
                (part["seen_in_versions"].str.count(" ") + 1 == len(result.versions)).sum()
            ),  # fmt: skip
            "first_seen": {v: int(first.get(v, 0)) for v in result.versions},
            "not_in_latest": int((part["is_in_latest"] == "false").sum()),
            "changed_after_first_seen": int(
                (part["last_changed_version"] != part["first_seen_version"]).sum()
            ),
        }
    return out


def _money(text: str) -> str:
    return f"{float(text):,.2f}" if text not in ("", None) else ""


def report_markdown(result: DiffResult) -> str:
    """The diff report for people: counts per pair, largest revisions, record history."""
    lines = [f"# Changes {' -> '.join(result.versions)}", ""]
    for p in result.pairs:
        lines += [f"## {p.old_version} -> {p.new_version}", ""]
        if p.old_schema_version != p.new_schema_version:
            lines += [f"Schema {p.old_schema_version} -> {p.new_schema_version}.", ""]
        if p.raw_files:
            changed = p.raw_files["files_with_new_content"]
            lines += [
                f"Raw files read: {p.raw_files['files_old']} -> {p.raw_files['files_new']}; "
                f"with new content: {len(changed)}"
                + (f" ({', '.join(f'`{c}`' for c in changed)})" if changed else "")
                + ".",
                "",
            ]
        lines += [
            "| Resource | Rows old | Rows new | Added | Removed | Changed records | "
            "Changed values | Re-retrieved, unchanged |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for r in p.resources:
            lines.append(
                f"| {r.resource} | {r.rows_old:,} | {r.rows_new:,} | {r.added:,} | "
                f"{r.removed:,} | {r.changed_records:,} | {r.changed_values:,} | "
                f"{r.re_retrieved:,} |"
            )
        lines.append("")
        for r in p.resources:
            if r.by_field:
                fields = ", ".join(f"`{k}` {v:,}" for k, v in sorted(r.by_field.items()))
                lines.append(f"- {r.resource}, values changed per field: {fields}")
            if r.fields_only_old or r.fields_only_new:
                lines.append(
                    f"- {r.resource}, fields only in old: {r.fields_only_old or 'none'}; "
                    f"only in new: {r.fields_only_new or 'none'}"
                )
        t = p.totals
        basis = _totals_basis(t.basis)
        lines += [
            "",
            f"Agency x company totals (company = {basis}): {t.moved:,} of {t.groups_new:,} "
            f"moved by at least a cent (sum of absolute moves {t.moved_usd:,.2f} USD).",
            "",
        ]
        if p.top_total_moves:
            head = _SCOPE_HEAD if t.basis.endswith(":scoped") else ""
            lines += [
                f"| Agency, company, relationship{head}"
                " | Old total USD | New total USD | Change USD | Transactions |",
                "| --- | ---: | ---: | ---: | ---: |",
            ]
            for m in p.top_total_moves:
                lines.append(
                    f"| {m['record_id'].replace('|', ', ')} | {_money(m['old_value'])} | "
                    f"{_money(m['new_value'])} | {_money(m['amount_change_usd'])} | "
                    f"{m['related_record_count']} |"
                )
            lines.append("")
        if p.top_amount_changes:
            lines += [
                "Largest revised transaction amounts:",
                "",
                "| Record | Field | Old | New | Change USD |",
                "| --- | --- | ---: | ---: | ---: |",
            ]
            for c in p.top_amount_changes:
                link = (
                    f"[{c['record_id']}]({c['award_page_url']})"
                    if c["award_page_url"]
                    else (c["record_id"])
                )
                lines.append(
                    f"| {c['resource_name']} {link} | `{c['field_name']}` | "
                    f"{_money(c['old_value'])} | {_money(c['new_value'])} | "
                    f"{_money(c['amount_change_usd'])} |"
                )
            lines.append("")
    lines += ["## Record history", ""]
    head = " | ".join(f"First seen {v}" for v in result.versions)
    lines += [
        f"| Resource | Records | In every release | {head} | Not in latest | Revised |",
        "| --- | ---: | ---: | " + " | ".join("---:" for _ in result.versions) + " | ---: | ---: |",
    ]
    for name, s in history_summary(result).items():
        firsts = " | ".join(f"{s['first_seen'][v]:,}" for v in result.versions)
        lines.append(
            f"| {name} | {s['records']:,} | {s['in_every_release']:,} | {firsts} | "
            f"{s['not_in_latest']:,} | {s['changed_after_first_seen']:,} |"
        )
    lines.append("")
    return "\n".join(lines)


def embed_report(doc: Path, report_md: str) -> None:
    """Replace the generated block of a Markdown document (between the markers) with a report.

    The report's own title is dropped: the document has its own headings.
    """
    text = doc.read_text(encoding="utf-8")
    if DOC_START not in text or DOC_END not in text:
        raise ValueError(f"{doc}: no {DOC_START} ... {DOC_END} block to fill")
    body = report_md.split("\n", 2)[2] if report_md.startswith("# ") else report_md
    body = body.replace("\n## ", "\n### ").removeprefix("## ")
    if not body.startswith("### "):
        body = "### " + body
    head, rest = text.split(DOC_START, 1)
    _, tail = rest.split(DOC_END, 1)
    doc.write_text(f"{head}{DOC_START}\n{body.rstrip()}\n{DOC_END}{tail}", encoding="utf-8")
