"""Take the case study home: each stage's notebook, and the whole case study as one archive.

Both downloads are built by the case study itself (``case_study.notebooks.build`` and
``case_study.take_home``) only when the learner presses the button (Streamlit runs a
callable ``data`` on the click, not on every page view), and cached for the life of the
server: the bytes depend only on the code and the data the server runs. The learner's own
code never runs here; the notebooks run on the learner's machine.
"""

from __future__ import annotations

import streamlit as st

INSTALL_STEPS = """\
```bash
unzip {archive} && cd {folder}
python3 -m venv .venv && .venv/bin/pip install -r requirements.txt && .venv/bin/pip install .
.venv/bin/case-study run --pipeline reproducible --out runs/first
.venv/bin/case-study verify runs/first/manifest.json
```"""


@st.cache_data(show_spinner=False, max_entries=8)
def _notebook(stage_number: int) -> bytes:
    from case_study.notebooks import build

    return build.notebook_bytes(stage_number)


@st.cache_data(show_spinner=False, max_entries=1)
def _archive() -> bytes:
    from case_study import take_home

    return take_home.archive_bytes()


def has_notebook(stage_number: int) -> bool:
    """Whether the case study writes a notebook for this stage number (0–5 today)."""
    from case_study.notebooks import build

    return stage_number in build.STAGES


def render_stage_notebook(stage) -> None:
    """A download of the stage's notebook: its two versions and graded code exercises."""
    if not has_notebook(stage.number):
        return
    from case_study.notebooks import build

    st.download_button(
        f"Download the Stage {stage.number} notebook (.ipynb)",
        data=lambda: _notebook(stage.number),
        file_name=build.notebook_filename(stage.number),
        mime="application/x-ipynb+json",
        key=f"{stage.id}-notebook-download",
        on_click="ignore",
        help="Both versions of this stage's code, runnable on the shipped data, with code "
             "exercises that a grader checks in the notebook. It runs on your machine.",
    )


def render_take_home() -> None:
    """The whole case study as one archive, and how to install and run it offline."""
    from case_study import take_home

    st.subheader("Take the case study home")
    st.write(
        "One archive holds the case study's code, the data with its SHA-256 manifest, the "
        "six notebooks and the exact pins. It installs and runs offline; `pip install .` "
        "gives you the `case-study` command."
    )
    st.download_button(
        "Download the case study (.zip)", data=_archive, file_name=take_home.ARCHIVE_NAME,
        mime="application/zip", key="take-home-download", on_click="ignore",
    )
    st.markdown(INSTALL_STEPS.format(archive=take_home.ARCHIVE_NAME,
                                     folder=take_home.ARCHIVE_ROOT))
