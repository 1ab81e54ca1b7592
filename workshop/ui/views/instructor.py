"""Instructor page (registered only when an instructor code is configured)."""

from workshop.ui import instructor

instructor.render()
