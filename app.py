"""Router only: page config, the course's pages, st.navigation, run the chosen page."""

from pathlib import Path

import streamlit as st

from workshop.ui import lesson_view, session, sidebar, warmup

ROOT = Path(__file__).parent

st.set_page_config(page_title="Reproducible ML Workshop", layout="wide")

course = lesson_view.current_course()  # draws an st.error listing every problem if broken
if course is None:
    st.stop()

learner = session.current_learner()
pages = sidebar.build_pages(course, ROOT)
page = st.navigation(list(pages.values()), position="hidden")
stage_ids = {stage.id for stage in sidebar.content_stages(course)}
st.session_state["stage_id"] = page.url_path if page.url_path in stage_ids else None
sidebar.render(course, pages, learner.code)
page.run()
# Once per process: keep later full garbage collections cheap (see warmup.py).
warmup.freeze_after_first_run()
