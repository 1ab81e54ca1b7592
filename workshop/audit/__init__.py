"""Static audit of a team's ML project folder against the course's five stages.

``run_audit(path)`` reads the folder (safely: see ``walk``), parses its Python files and
notebooks without running them, and judges each item of ``items.ITEMS`` as found, missing or
cannot tell, with file-and-line evidence. ``report`` renders Markdown or JSON; ``cli.main``
is the command line. No Streamlit; nothing from the audited project is imported or run.
"""

from workshop.audit.items import ITEMS, Audit, run_audit

__all__ = ["ITEMS", "Audit", "run_audit"]
