"""Wrap-up page: results, the team policy, the progress download."""

from workshop.ui import wrap_up

wrap_up.render()
