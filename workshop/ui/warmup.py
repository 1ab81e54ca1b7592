"""Import the case study's stage modules in the background, once per server process.

Then fill the pools of real unseeded runs (``case_study.run_pool``) that Stages 3 and 4
show, and Stage 1's runs over its split seeds, so that no learner opening those pages pays
for training (:data:`POOL_WARMERS`).

Why: the first page in a fresh process that trains a model (Stage 1 onwards) pays about a
second to import scikit-learn (which pulls in scipy) before its own work, which pushed the
heaviest pages past their two-second budget. Learners read the welcome page and Stage 0,
which needs no scikit-learn, first; importing while they read means Stage 1 opens without
that wait.

When: the first time any stage page has finished drawing (``stage_page.render`` calls
:func:`start` last). Never from the welcome page, which must stay free of scikit-learn (a
test proves it), and never inside a page's own work: the imports run in a daemon thread, so
no page waits for them (they share the CPU with page runs for about a second) and a server
shutdown does not either. A page that needs a module while the thread is importing it
simply waits for the rest of that one import.

Also here, for the same reason (per-process start-up work that otherwise lands on page
views): by default Streamlit runs a full garbage collection after every script run
(``runner.postScriptGC``), walking every long-lived object — about 120,000 once Streamlit,
pandas and altair are loaded, 180,000 with scikit-learn and scipy — which cost 60–120 ms of
CPU per page view. ``.streamlit/config.toml`` turns that off; Python's own automatic full
collections still walk the same objects now and then. :func:`freeze_long_lived` collects
once and then ``gc.freeze()``s what is alive (imported modules, which live as long as the
process anyway), so every later collection — Python's, or Streamlit's where a deployment
turns it back on — only walks what page runs created. It runs after the process's first
page run and again after the warm-up imports.
"""

from __future__ import annotations

import gc
import importlib
import threading

# In the order learners meet them, so the next stage's module is ready first.
STAGE_MODULES = (
    "case_study.stage1_design",
    "case_study.stage2_data",
    "case_study.stage3_model",
    "case_study.stage4_legacy",
    "case_study.stage5_deployment",
)

# Then the stage pages' own modules: the page, its check widgets, every demo (found in
# ``workshop.ui.demos``) and Altair (~0.4 s together), so that no learner's first visit of a
# stage in a fresh process waits for them either.
PAGE_MODULES = ("altair", "workshop.ui.stage_page", "workshop.ui.wrap_up")


def page_modules() -> tuple[str, ...]:
    """:data:`PAGE_MODULES` and every module of the ``workshop.ui.demos`` package."""
    import pkgutil

    from workshop.ui import demos

    found = sorted(info.name for info in pkgutil.iter_modules(demos.__path__))
    return PAGE_MODULES + tuple(f"{demos.__name__}.{name}" for name in found)


# After the imports: the pools of real unseeded runs the irreproducible demos show a new
# learner (about 0.25 s of CPU a run, once per server, instead of once per learner); last,
# Stage 1's optimism gap over its split seeds (sixty runs of twenty variants, ~8 s of CPU
# once per server), which a learner sees only after two predictions and opening the holdout.
POOL_WARMERS = (
    "case_study.stage3_model:warm_pool",
    "case_study.stage4_legacy:warm_pool",
    "case_study.stage1_design:warm_optimism",
)

_lock = threading.Lock()
_thread: threading.Thread | None = None
_failures: dict[str, str] = {}
_first_run_frozen = False


def _import_all(modules: tuple[str, ...], warmers: tuple[str, ...] = ()) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as error:  # noqa: BLE001 — the page that needs it shows the error
            _failures[name] = f"{type(error).__name__}: {error}"
    freeze_long_lived()
    for target in warmers:
        module, _, function = target.partition(":")
        try:
            getattr(importlib.import_module(module), function)()
        except Exception as error:  # noqa: BLE001 — the page that needs it shows the error
            _failures[target] = f"{type(error).__name__}: {error}"
    if warmers:
        freeze_long_lived()


def freeze_long_lived() -> None:
    """Collect garbage once, then leave every object alive now out of later collections.

    ``gc.freeze`` keeps the collection Streamlit runs after each page run cheap.
    """
    gc.collect()
    gc.freeze()


def freeze_after_first_run() -> None:
    """:func:`freeze_long_lived`, the first time it is called in this process.

    The router calls it after every page run; later calls cost nothing.
    """
    global _first_run_frozen
    with _lock:
        if _first_run_frozen:
            return
        _first_run_frozen = True
    freeze_long_lived()


def start(
    modules: tuple[str, ...] | None = None, warmers: tuple[str, ...] = POOL_WARMERS
) -> threading.Thread:
    """Start the warm-up in a daemon thread, the first time it is called in this process.

    Later calls return the same thread and start nothing.

    Args:
        modules: dotted module names, imported in order; by default :data:`STAGE_MODULES`
            and then :func:`page_modules`.
        warmers: ``"module:function"`` names called after the imports (filling run pools).

    Returns:
        The warm-up thread (join it to wait for the imports, as the page benchmark does).
    """
    global _thread
    if modules is None:
        modules = STAGE_MODULES + page_modules()
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_import_all, args=(tuple(modules), tuple(warmers)),
                                       name="workshop-import-warmup", daemon=True)
            _thread.start()
        return _thread


def started() -> threading.Thread | None:
    """The warm-up thread if :func:`start` has run in this process, else None."""
    return _thread


def failures() -> dict[str, str]:
    """Modules the warm-up could not import (or pools it could not fill), with the error.

    The page that needs one raises it again and shows it.
    """
    return dict(_failures)
