"""A stage page: the principle, the live demo, the lesson, the checks and the way on.

The demo shows the irreproducible and the reproducible version side by side; the lesson
has Checklist · Tools · Metrics. Each stage's page function (``workshop.ui.pages``) calls
``render`` with its stage id.
"""

from __future__ import annotations

import importlib
import importlib.util

import streamlit as st

from case_study.errors import CaseStudyError
from workshop.errors import WorkshopError
from workshop.ui import (
    check_widgets,
    hash_experiment,
    lesson_view,
    pages,
    session,
    take_home,
    warmup,
)
from workshop.ui.last_resort import show_unexpected

DEMOS_PACKAGE = "workshop.ui.demos"


def demo_module_name(stage_id: str) -> str:
    """The demo module for a stage id: ``"wrap-up"`` → ``"workshop.ui.demos.wrap_up"``."""
    return f"{DEMOS_PACKAGE}.{stage_id.replace('-', '_')}"


def render_demo(stage_id: str) -> bool:
    """Run the stage's demo if it has one (a stage a team adds has none).

    Before each draw the raw files the demo reads (its ``DATA_FILES``; every file the data
    manifest lists when it names none) are hashed again: the demos cache their results for
    the life of the server, so without this a file changed under a running server would be
    noticed only after a restart. A refusal, or any other failure, is shown as an
    ``st.error`` and the rest of the page still draws.

    Returns:
        True when the stage has a demo (drawn, or refused with an error).
    """
    name = demo_module_name(stage_id)
    if not name.rsplit(".", 1)[1].isidentifier() or importlib.util.find_spec(name) is None:
        return False
    try:
        from case_study.data import verify_raw_files  # pandas: not needed on the welcome page

        module = importlib.import_module(name)
        verify_raw_files(names=getattr(module, "DATA_FILES", None))
        module.render()
    except (CaseStudyError, WorkshopError) as error:
        st.error(f"The demo of this stage could not run. {error}")
    except Exception as error:  # the last resort: the checks and the navigation still draw
        show_unexpected("The demo of this stage", error)
    return True


def _neighbours(course, stage_id: str) -> tuple[str, str]:
    ids = [stage.id for stage in pages.content_stages(course)]
    position = ids.index(stage_id)
    previous = ids[position - 1] if position > 0 else pages.WELCOME_ID
    following = ids[position + 1] if position + 1 < len(ids) else pages.WRAP_UP_ID
    return previous, following


def render_navigation(course, stage_id: str) -> None:
    """"← Previous" and "Next stage →"."""
    previous, following = _neighbours(course, stage_id)
    left, _, right = st.columns([1, 2, 1])
    previous_label = "← Welcome" if previous == pages.WELCOME_ID else "← Previous"
    next_label = "Wrap-up →" if following == pages.WRAP_UP_ID else "Next stage →"
    if left.button(previous_label, key=f"{stage_id}-previous-page", width="stretch"):
        pages.go_to(course, previous)
    if right.button(next_label, key=f"{stage_id}-next-page", type="primary",
                    width="stretch"):
        pages.go_to(course, following)


def render(stage_id: str) -> None:
    """Draw the page of the stage with this id (its page function passes it)."""
    course = lesson_view.current_course()
    if course is None:
        return
    stages = pages.content_stages(course)
    stage = next((candidate for candidate in stages if candidate.id == stage_id), None)
    if stage is None:
        st.error(f"There is no stage {stage_id!r} in this course. Pick a stage in the sidebar.")
        return
    code = session.learner_code()
    last_number = max(candidate.number for candidate in stages)

    st.title(f"Stage {stage.number} · {stage.title}")
    st.caption(f"Stage {stage.number} of {last_number}")
    lesson_view.render_questions(stage.lesson)
    lesson_view.render_principle(stage.lesson)
    if render_demo(stage.id):
        take_home.render_stage_notebook(stage)
    lesson_view.render_story(stage.lesson)
    lesson_view.render_checklist_tools_metrics(stage.lesson)
    # Each check a fragment of its own: a press reruns that check (and the sidebar's
    # marks), not the lesson and the demo above it.
    check_widgets.render_checks(course, stage, code, session.get_store(), isolated=True)
    if stage.id == hash_experiment.STAGE_ID:
        hash_experiment.render_learner(code)
    lesson_view.render_keypoints(stage.lesson)
    lesson_view.render_further_reading(stage.lesson)
    st.divider()
    render_navigation(course, stage.id)
    # Last, once the page is drawn: the next stages' imports (scikit-learn) start in the
    # background while the learner reads (see workshop/ui/warmup.py).
    warmup.start()
