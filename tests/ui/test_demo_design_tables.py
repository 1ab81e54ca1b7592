"""Stage 1's tables are drawn from Arrow converted once, exactly as st.table draws the frames."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _both_ways() -> None:
    """Inside AppTest: each table drawn from its DataFrame, then the cached way."""
    import streamlit as st

    from case_study import stage1_design as s1
    from case_study.pipelines import DEFAULT_SEED
    from workshop.ui.demos import design_tables

    for card in (s1.VAGUE_PLAN, s1.REPRODUCIBLE_CARD):
        st.table(design_tables.card_table(card).set_index("field"))
        design_tables.draw_card(card)
    st.table(design_tables.prevalence_frame(design_tables._prevalence(DEFAULT_SEED)))
    design_tables.draw_prevalence(DEFAULT_SEED)


def test_each_table_sends_the_same_bytes_index_and_header_as_its_dataframe_would():
    at = AppTest.from_function(_both_ways, default_timeout=120).run()
    assert not at.exception
    tables = [element.proto for element in at.table]
    assert len(tables) == 6
    for from_frame, cached in zip(tables[::2], tables[1::2], strict=True):
        assert cached.arrow_data.data and cached.arrow_data.data == from_frame.arrow_data.data
        assert (cached.hide_index, cached.hide_header) == (False, False)
        assert (from_frame.hide_index, from_frame.hide_header) == (False, False)


def test_a_second_draw_converts_nothing_again():
    from case_study import stage1_design as s1
    from workshop.ui.demos import design_tables

    first = design_tables._card_arrow(s1.VAGUE_PLAN)
    assert design_tables._card_arrow(s1.VAGUE_PLAN) is first
