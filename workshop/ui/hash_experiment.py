""""Same hashes on your machine?": the learner's side (Stage 3) and the room's view of it.

The learner runs the reproducible pipeline on their own laptop, pastes the manifest's
prediction hash (or the whole manifest, or uploads the file), and sees at once whether it
is the server's. The report is kept in the store for the instructor's room view
(``render_room``, drawn by ``workshop.ui.instructor_room``); a self-paced learner compares
with the hash shown here, which the server computes with the same case-study code.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from case_study.errors import CaseStudyError
from workshop import csv_safe, hash_experiment
from workshop.errors import WorkshopError
from workshop.ui import session

# The stage whose page shows the experiment (``workshop.ui.stage_page``).
STAGE_ID = "model"
PASTE_KEY = "hash-experiment-paste"
UPLOAD_KEY = "hash-experiment-upload"
SUBMIT_LABEL = "Compare my hash"
TITLE = "Same hashes on your machine?"
MATCH = "Same as the server's hash ✓"
MEANING = "see what that means in the lesson below: bitwise or within tolerance"


@st.cache_resource(show_spinner="Training the server's reproducible run…")
def server_hash() -> str:
    """The prediction hash of the server's own reproducible run (trained once per server)."""
    from case_study.pipelines import reproducible_run

    return reproducible_run().predictions_sha256


@st.cache_resource
def server_environment() -> hash_experiment.HashReport:
    """The server's platform, Python, NumPy and BLAS, as a manifest written here records them."""
    from case_study import run_manifest

    environment = run_manifest.environment()
    return hash_experiment.HashReport(
        "", environment["platform"], environment["python"],
        environment["packages"]["numpy"], hash_experiment.blas_summary(environment["blas"]))


def _server_hash_or_none(show=st.warning) -> str | None:
    try:
        return server_hash()
    except (CaseStudyError, WorkshopError) as error:
        show(f"The server's own hash could not be computed: {error}")
        return None


def _answer(report: hash_experiment.HashReport, server: str | None) -> None:
    if server is None:
        st.info(f"Your hash `{report.prediction_sha256}` is saved; the server's own could "
                "not be computed to compare it with.")
    elif report.prediction_sha256 == server:
        st.success(f"{MATCH} — `{server}`. The same code, data, seed and pinned versions "
                   "gave the same predictions, bit for bit, on your machine.")
    else:
        st.warning(f"Different from the server's: yours is `{report.prediction_sha256}`, "
                   f"the server's `{server}` — {MEANING}.")


def render_learner(code: str) -> None:
    """The command to run, a place to paste or upload the result, and the comparison.

    Args:
        code: the learner's resume code (the report is stored under it).
    """
    st.subheader(TITLE)
    st.markdown("Run the reproducible pipeline on **your own laptop**, with the case study "
                "installed from the take-home archive (its README says how; in a clone of "
                "the workshop repository, `python -m case_study` is the same command):")
    st.code(hash_experiment.RUN_COMMAND, language="bash")
    st.markdown("Then paste the `predictions_sha256` from `runs/mine/manifest.json`, or the "
                "whole manifest, or upload the file (JSON, at most "
                f"{hash_experiment.MAX_REPORT_BYTES // 1024} KB). The server's own hash, "
                "computed by the same code here:")
    server = _server_hash_or_none()
    if server is not None:
        st.code(server, language=None)
    with st.form("hash-experiment-form", border=False):
        pasted = st.text_area("Prediction hash or manifest JSON", key=PASTE_KEY, height=120)
        uploaded = st.file_uploader("…or upload manifest.json", type=["json"], key=UPLOAD_KEY)
        submitted = st.form_submit_button(SUBMIT_LABEL)
    if not submitted:
        return
    try:
        report = hash_experiment.parse_report(
            uploaded.getvalue() if uploaded is not None and not pasted.strip() else pasted)
    except WorkshopError as error:
        st.error(str(error))
        return
    try:
        session.get_store().report_hash(code, report)
    except WorkshopError as error:
        st.error(f"Not saved for the room: {error}")
    _answer(report, server)


def render_room(reports: list[hash_experiment.HashReport]) -> None:
    """The room's prediction hashes: how many, how many distinct, per environment.

    Args:
        reports: every learner's latest report (``ProgressStore.hash_reports``).
    """
    st.subheader(TITLE)
    server = _server_hash_or_none(st.caption)
    summary = hash_experiment.summarise(reports, server)
    reported, distinct, matching = st.columns(3)
    reported.metric("Hashes reported", summary.reports)
    distinct.metric("Distinct hashes", summary.distinct)
    matching.metric("Same as the server's", summary.matching)
    here = server_environment()
    st.caption(f"The server's own prediction hash: {server or 'not available'} "
               f"({here.platform}, Python {here.python}, NumPy {here.numpy}, BLAS "
               f"{here.blas or hash_experiment.NOT_RECORDED}).")
    if summary.reports:
        st.dataframe(csv_safe.neutralise_frame(pd.DataFrame(summary.rows())), hide_index=True)
    else:
        st.text("No hashes reported yet (Stage 3, after the checks).")
