"""Router only: page config, the course's pages, st.navigation, run the chosen page.

Every page is an ``st.Page`` of a function of its own (``workshop/ui/pages.py``), with
its own URL path and its own title, which the browser tab shows.
"""

import streamlit as st

from workshop.ui import lesson_view, pages, run_slot, session, sidebar, theme, warmup

st.set_page_config(layout="wide")

course = lesson_view.current_course()  # draws an st.error listing every problem if broken
if course is None:
    st.set_page_config(page_title=pages.APP_NAME)
    st.stop()

# One run at a time per process (WORKSHOP_RUN_SLOTS), the rest queued in arrival order: a
# room arriving at once is served first come first served instead of all at a crawl
# (workshop/run_gate.py).
with run_slot.slot():
    learner = session.current_learner()
    registry = pages.build_pages(course)
    page = st.navigation(list(registry.values()), position="hidden")
    st.set_page_config(page_title=page.title)  # the browser tab names the page being shown
    theme.apply(page)  # contrast, focus, narrow screens, chart text (workshop/ui/theme.py)
    if pages.has_sidebar(page):  # the projector and join pages are projected: no sidebar
        sidebar.render(course, registry, learner.code)
    page.run()
# Once per process: keep later full garbage collections cheap (see warmup.py).
warmup.freeze_after_first_run()
