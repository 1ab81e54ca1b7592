"""The projector view (``/projector?stage=<id>``): one stage's demo, large, and nothing else.

For the room's screen: no sidebar (the router leaves it out), no checks, no learner, no
count, none of the instructor's controls beyond a slim bar with the previous and next
stage and the join panel. It opens in an instructor session only (the gate of
``workshop.ui.instructor_page``; a locked session sees the code field).

Large: the demo is drawn at 140 % (CSS ``zoom``, charts included, so chart text of 13 px
reads as 18 px) in a 1280 × 720 window, starting right under the bar.
"""

from __future__ import annotations

import importlib.util

import streamlit as st

from workshop.ui import instructor_page, lesson_view, pages, stage_page

STAGE_PARAM = "stage"
ZOOM = 1.4

# Reached by a link inside the app (the instructor page's), Streamlit keeps the sidebar's
# pane open though the router draws nothing in it: it is hidden here too.
HIDE_SIDEBAR = """
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"] { display: none !important; }
"""

PROJECTOR_CSS = f"""
<style>
{HIDE_SIDEBAR}
[data-testid="stHeader"] {{ display: none; }}
[data-testid="stMainBlockContainer"] {{
  padding-top: 0.75rem !important; padding-left: 1.5rem !important;
  padding-right: 1.5rem !important; max-width: none !important;
}}
.st-key-projector-bar h1 {{ font-size: 1.6rem !important; padding: 0.25rem 0 !important; }}
.st-key-projector-bar {{ gap: 0 !important; }}
.st-key-projector-demo {{ zoom: {ZOOM}; }}
/* A chart sizes itself to its box as the screen shows it, then is zoomed again: give it
   1/ZOOM of the width so that, zoomed, it fits its column. A data grid (drawn on a canvas)
   does not follow; it is drawn unzoomed. */
.st-key-projector-demo [data-testid="stDataFrame"] {{ zoom: calc(1 / {ZOOM}); }}
.st-key-projector-demo [data-testid="stVegaLiteChart"] {{
  width: calc(100% / {ZOOM}) !important;
}}
</style>
"""


def has_demo(stage_id: str) -> bool:
    """Whether the stage has a demo module (``workshop.ui.demos.<stage id>``)."""
    name = stage_page.demo_module_name(stage_id)
    return name.rsplit(".", 1)[1].isidentifier() and importlib.util.find_spec(name) is not None


def projectable_stages(course) -> list:
    """The stages with a demo, in course order."""
    return [stage for stage in pages.content_stages(course) if has_demo(stage.id)]


def chosen_stage(stages: list, wanted: str | None):
    """The stage named by ``?stage=``, else the first one (an unknown id is not an error)."""
    return next((stage for stage in stages if stage.id == wanted), stages[0])


def _link(stage, label: str) -> None:
    st.page_link(pages.projector_page(), label=label, query_params={STAGE_PARAM: stage.id})


def render_bar(stages: list, stage) -> None:
    """The slim bar: previous stage, the stage's title, next stage, the join panel."""
    position = stages.index(stage)
    with st.container(key="projector-bar", horizontal=True, vertical_alignment="center"):
        if position > 0:
            before = stages[position - 1]
            _link(before, f"← {before.number} · {before.nav_title}")
        st.title(f"Stage {stage.number} · {stage.title}", anchor=False, width="content")
        if position + 1 < len(stages):
            after = stages[position + 1]
            _link(after, f"{after.number} · {after.nav_title} →")
        st.page_link(pages.join_page(), label="Join panel")


def render_projector(course, wanted: str | None) -> None:
    """The bar and the chosen stage's demo, large."""
    stages = projectable_stages(course)
    if not stages:
        st.info("No stage has a demo yet.")
        return
    stage = chosen_stage(stages, wanted)
    # Our own constant CSS only (no learner text).
    st.markdown(PROJECTOR_CSS, unsafe_allow_html=True)
    render_bar(stages, stage)
    with st.container(key="projector-demo"):
        stage_page.render_demo(stage.id)


def render() -> None:
    """The projector page: the gate first (an instructor session only), then the demo."""
    if not instructor_page.passes_gate():
        return
    course = lesson_view.current_course()
    if course is None:
        return
    render_projector(course, st.query_params.get(STAGE_PARAM))
