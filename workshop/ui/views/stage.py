"""A stage page. One file registered once per stage; the router records which stage."""

import streamlit as st

from workshop.ui import stage_page

stage_page.render(st.session_state.get("stage_id"))
