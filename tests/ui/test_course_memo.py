"""CourseMemo keeps values built from the course being served until the course changes."""

from __future__ import annotations

from workshop.ui.course_memo import CourseMemo


class _Course:
    """A stand-in: the memo looks at a course's identity only."""


def _counting(value):
    calls = []

    def build():
        calls.append(value)
        return value

    return build, calls


def test_the_same_course_and_key_build_once():
    memo, course = CourseMemo(max_entries=4), _Course()
    build, calls = _counting(["doc"])
    first = memo.get(course, "k", build)
    assert memo.get(course, "k", build) is first
    assert calls == [["doc"]]


def test_keys_are_kept_apart_and_a_new_course_starts_afresh():
    memo, course, edited = CourseMemo(max_entries=4), _Course(), _Course()
    assert memo.get(course, "a", lambda: 1) == 1
    assert memo.get(course, "b", lambda: 2) == 2
    assert memo.get(course, "a", lambda: 99) == 1
    assert memo.get(edited, "a", lambda: 3) == 3  # an edited course: built again
    assert memo.get(course, "b", lambda: 4) == 4  # the old course's values were dropped


def test_a_full_memo_drops_its_values_rather_than_growing():
    memo, course = CourseMemo(max_entries=2), _Course()
    memo.get(course, "a", lambda: 1)
    memo.get(course, "b", lambda: 2)
    memo.get(course, "c", lambda: 3)  # full: the others go
    assert memo.get(course, "a", lambda: 10) == 10  # dropped, built again
    assert memo.get(course, "c", lambda: 30) == 3  # kept since the drop
