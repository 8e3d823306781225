"""The Python versions the package installs on, and that the README says so."""

from __future__ import annotations

import tomllib

from packaging.specifiers import SpecifierSet

from ice_cbp_awards.paths import REPO_ROOT


def test_requires_python_is_3_11_to_3_14_and_the_readme_says_so() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    spec = SpecifierSet(project["requires-python"])
    assert all(f"3.{minor}.0" in spec for minor in (11, 12, 13, 14))
    assert "3.10.9" not in spec and "3.15.0" not in spec
    classifiers = {c.rsplit(" ", 1)[-1] for c in project["classifiers"] if ":: 3." in c}
    assert classifiers == {"3.11", "3.12", "3.13", "3.14"}
    assert "Python 3.11 to 3.14" in (REPO_ROOT / "README.md").read_text()
