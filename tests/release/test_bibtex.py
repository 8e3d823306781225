"""BibTeX that LaTeX can compile: the README's entry and what cffconvert makes of CITATION.cff.

The escape check always runs; compiling with pdflatex and bibtex runs where TeX is installed
(Debian: texlive-latex-base), and is skipped only when the binaries are absent.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ice_cbp_awards.citation import bibtex, citation_cff, latex_escape
from ice_cbp_awards.metadata import package_descriptor
from ice_cbp_awards.paths import REPO_ROOT

# a LaTeX special character not preceded by a backslash
UNESCAPED = re.compile(r"(?<!\\)[&%$#_^~]")
VERBATIM_FIELDS = {"url", "doi"}
CFFCONVERT = Path(
    os.environ.get("AWARDS_CFFCONVERT", REPO_ROOT / ".venv-cff" / "bin" / "cffconvert")
)


def text_fields(entry: str) -> dict[str, str]:
    """The fields of one BibTeX entry written one per line (`name = {value},`)."""
    fields = re.findall(r"^\s*(\w+)\s*=\s*\{(.*)\},?\s*$", entry, flags=re.M)
    return {name: value for name, value in fields if name not in VERBATIM_FIELDS}


def unescaped(entry: str) -> dict[str, str]:
    return {k: v for k, v in text_fields(entry).items() if UNESCAPED.search(v)}


def descriptor(**extra: str) -> dict:
    return {**package_descriptor(), "version": "2026.8.22", **extra}


def test_the_check_finds_a_bare_ampersand() -> None:
    assert unescaped("@misc{k,\n  title = {{ICE & CBP}},\n}") == {"title": "{ICE & CBP}"}
    assert unescaped("@misc{k,\n  title = {{ICE \\& CBP}},\n}") == {}


def test_latex_escape_escapes_every_special_character() -> None:
    assert latex_escape("A & B 100% $5 #1 a_b {x} ~ ^ \\") == (
        r"A \& B 100\% \$5 \#1 a\_b \{x\} \textasciitilde{} \textasciicircum{} "
        r"\textbackslash{}"
    )


def test_the_bibtex_entry_escapes_the_title_and_authors() -> None:
    entry = bibtex(descriptor(title="R&D spend_2026: 100% #1"))
    assert unescaped(entry) == {}
    assert r"R\&D spend\_2026: 100\% \#1" in entry
    package = bibtex(descriptor())
    assert unescaped(package) == {} and r"ICE \& CBP" in package


def test_the_readme_entry_has_no_bare_special_character() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    entries = re.findall(r"```bibtex\n(.*?)```", readme, flags=re.S)
    assert entries
    for entry in entries:
        assert unescaped(entry) == {}, entry


@pytest.fixture(scope="module")
def cffconvert() -> Path:
    if not CFFCONVERT.is_file():
        pytest.fail(f"cffconvert not found at {CFFCONVERT}: set AWARDS_CFFCONVERT")
    return CFFCONVERT


def cff_to_bibtex(cffconvert: Path, path: Path) -> str:
    done = subprocess.run([str(cffconvert), "-f", "bibtex", "-i", str(path)],
                          capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    return done.stdout


@pytest.mark.integration
def test_what_cffconvert_makes_of_citation_cff_compiles(cffconvert: Path, tmp_path: Path) -> None:
    path = tmp_path / "CITATION.cff"
    path.write_text(citation_cff(descriptor()), encoding="utf-8")
    for cff in (path, REPO_ROOT / "CITATION.cff"):
        entry = cff_to_bibtex(cffconvert, cff)
        assert "ICE and CBP technology award records" in entry
        assert unescaped(entry) == {}, entry
        # " and " in an author's name would make BibTeX read two authors
        assert " and " not in text_fields(entry)["author"]


LATEX_DOC = r"""\documentclass{article}
\begin{document}
Cited: \cite{%s}.
\bibliographystyle{plain}
\bibliography{refs}
\end{document}
"""


NO_TEX = not (shutil.which("pdflatex") and shutil.which("bibtex"))


@pytest.mark.integration
@pytest.mark.skipif(NO_TEX, reason="pdflatex/bibtex not installed (Debian: texlive-latex-base)")
def test_latex_compiles_the_entry(tmp_path: Path) -> None:
    entry = bibtex(descriptor())
    key = re.match(r"@misc\{([^,]+),", entry).group(1)
    (tmp_path / "refs.bib").write_text(entry + "\n", encoding="utf-8")
    (tmp_path / "doc.tex").write_text(LATEX_DOC % key, encoding="utf-8")

    def run(*cmd: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)

    for cmd in (["pdflatex", "-interaction=nonstopmode", "doc.tex"], ["bibtex", "doc"],
                ["pdflatex", "-interaction=nonstopmode", "doc.tex"]):  # fmt: skip
        done = run(*cmd)
        assert done.returncode == 0, done.stdout[-2000:]
    assert "ICE \\& CBP" in (tmp_path / "doc.bbl").read_text()
    assert (tmp_path / "doc.pdf").stat().st_size > 0
