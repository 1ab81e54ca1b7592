"""Values worked out from the course being served, kept until a lesson changes.

The loader hands back the very same ``Course`` object until a lesson file changes
(``workshop.content.load_course_or_last_good``), so the course's identity says whether a
value built from it still holds: a page view that finds the same course reuses the value
instead of building it again, and a new course starts afresh. Thread-safe: the sessions of
a room share one memo.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any


class CourseMemo:
    """Values built from the latest course seen, by key; at most ``max_entries`` of them.

    Args:
        max_entries: how many keys are kept for the course; when full, they are dropped
            all at once (a bound on memory, rarely reached; not an LRU).
    """

    def __init__(self, max_entries: int = 1) -> None:
        self.max_entries = max(1, int(max_entries))
        self._lock = threading.Lock()
        self._course: object | None = None
        self._values: dict[Hashable, Any] = {}

    def get(self, course, key: Hashable, build: Callable[[], Any]) -> Any:
        """The value of ``key`` for ``course``: the kept one, or ``build()``'s, then kept.

        Built outside the lock: two sessions asking at once may both build it, and the
        same value is kept either way.
        """
        with self._lock:
            if self._course is course and key in self._values:
                return self._values[key]
        value = build()
        with self._lock:
            if self._course is not course:
                self._course, self._values = course, {}
            if len(self._values) >= self.max_entries:
                self._values.clear()
            self._values[key] = value
        return value
