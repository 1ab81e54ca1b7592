"""Pinned versions: the installed libraries checked against ``requirements.txt`` at run time.

:func:`read_pins` reads ``name==version`` lines; :func:`environment_mismatches` compares the
installed versions of the direct dependencies with them and reports (never raises on) a
mismatch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from case_study import paths
from case_study.errors import EnvironmentMismatchError

REQUIREMENTS = paths.PROJECT_ROOT / "requirements.txt"
DIRECT_PINS: tuple[str, ...] = ("altair", "numpy", "pandas", "scikit-learn", "scipy", "streamlit")


@dataclass(frozen=True)
class VersionMismatch:
    """A direct dependency whose installed version is not the pinned one."""

    package: str
    pinned: str
    installed: str | None  # None: not installed at all


def read_pins(requirements: Path = REQUIREMENTS) -> dict[str, str]:
    """Read ``name==version`` lines from a requirements file.

    Returns {lower-case package name: pinned version}. Raises EnvironmentMismatchError when
    the file is missing.
    """
    try:
        text = Path(requirements).read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise EnvironmentMismatchError(
            f"Expected pinned requirements at {requirements}, found no file. "
            "Restore requirements.txt from the repository."
        ) from error
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = (part.strip() for part in line.split("==", 1))
            pins[name.lower()] = version
    return pins


def environment_mismatches(
    requirements: Path = REQUIREMENTS, packages: Iterable[str] = DIRECT_PINS
) -> list[VersionMismatch]:
    """Compare the installed versions of ``packages`` with their pins in ``requirements``.

    Returns the mismatches (empty when everything matches). A mismatch is reported, not
    raised: the caller decides whether to stop. Raises EnvironmentMismatchError when a
    package has no ``==`` pin at all.
    """
    pins = read_pins(requirements)
    mismatches = []
    for package in packages:
        pinned = pins.get(package.lower())
        if pinned is None:
            raise EnvironmentMismatchError(
                f"Expected {requirements} to pin {package} with '=='; found no pin. "
                f"Add a line like '{package}==<version>'."
            )
        try:
            installed = metadata.version(package)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != pinned:
            mismatches.append(VersionMismatch(package, pinned, installed))
    return mismatches
