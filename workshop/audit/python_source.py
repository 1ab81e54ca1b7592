"""What a Python file shows about reproducibility, read from its syntax tree (never run).

``analyse(source)`` parses the text with :func:`ast.parse` and returns :class:`Facts`:
every random component and whether it is seeded (rules in ``randomness``), column lists
built from sets, fits before a split (rules in ``leaks``), pipelines, run tracking, drift
monitoring and training calls. Lines are 1-based lines of ``source``; for a notebook the
caller maps them back to cells. Nothing from the audited project is imported or executed.

Column lists built from sets: an expression whose value is a set — ``set(...)``,
``frozenset(...)``, a set literal or comprehension, ``a.keys() - b``, ``s | t``,
``s.difference(...)`` — turned into an ordered list of columns: the index of ``df[...]``, a
``columns=``/``usecols=``/``features=``/``feature_names=`` argument, or the argument of
``list()``/``tuple()`` or the iterable of a list comprehension when it is about columns (it
mentions ``columns``, ``keys`` or a name containing ``col``/``feature``, or the result is
assigned to such a name). Inside ``sorted(...)`` it is fine: the order is then fixed. A set
that stays a set (``changed_columns = set()``) is not a column list.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from workshop.audit.leaks import SPLITS, Leak, find_leaks
from workshop.audit.randomness import SEEDED, UNSEEDED, callee, dotted, judge_call

TRACKING = frozenset({"mlflow", "wandb", "dvc", "dvclive", "neptune", "comet_ml", "clearml",
                      "aim", "sacred"})
MONITORING = frozenset({"evidently", "nannyml", "whylogs", "alibi_detect", "deepchecks"})
DRIFT_NAME = re.compile(r"psi|population_stability|drift|ks_?test|ks_2samp", re.IGNORECASE)
DRIFT_CALLS = frozenset({"ks_2samp", "kstest", "wasserstein_distance", "jensenshannon"})
SET_METHODS = frozenset({"difference", "union", "intersection", "symmetric_difference"})
SET_OPS = (ast.Sub, ast.BitOr, ast.BitAnd, ast.BitXor)
COLUMN_KEYWORDS = frozenset({"columns", "usecols", "features", "feature_names", "cols"})
COLUMN_NAME = re.compile(r"col|feature", re.IGNORECASE)
TRAIN_NAME = re.compile(r"(^|_)train($|_)", re.IGNORECASE)
HASH_CALLS = frozenset({"sha256", "sha1", "md5", "blake2b", "file_digest", "new"})


@dataclass(frozen=True)
class Hit:
    """One thing seen at a line, with a short note saying what."""

    line: int
    note: str


@dataclass
class Facts:
    """Everything :func:`analyse` found in one source text."""

    random: list[tuple[Hit, str]] = field(default_factory=list)
    set_columns: list[Hit] = field(default_factory=list)
    fixed_columns: list[Hit] = field(default_factory=list)
    leaks: list[Leak] = field(default_factory=list)
    splits: list[int] = field(default_factory=list)
    pipelines: list[int] = field(default_factory=list)
    tracking: list[Hit] = field(default_factory=list)
    hashing: list[Hit] = field(default_factory=list)
    json_writes: list[Hit] = field(default_factory=list)
    monitoring: list[Hit] = field(default_factory=list)
    trains: list[Hit] = field(default_factory=list)


def is_set_valued(node: ast.AST) -> bool:
    """Whether an expression evaluates to a set (so its iteration order is not fixed)."""
    if isinstance(node, ast.Set | ast.SetComp):
        return True
    if isinstance(node, ast.Call):
        name = callee(node)
        if isinstance(node.func, ast.Name) and name in ("set", "frozenset"):
            return True
        if isinstance(node.func, ast.Attribute) and name in SET_METHODS:
            return is_set_valued(node.func.value)
        return False
    if isinstance(node, ast.BinOp) and isinstance(node.op, SET_OPS):
        return any(is_set_valued(side) or _is_keys(side) for side in (node.left, node.right))
    return False


def _is_keys(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and callee(node) == "keys" and not node.args


class _Visitor(ast.NodeVisitor):
    def __init__(self) -> None:
        self.facts = Facts()
        self.stack: list[ast.AST] = []
        self.global_draws: list[Hit] = []
        self.numpy_seeded = False

    def generic_visit(self, node: ast.AST) -> None:
        self.stack.append(node)
        super().generic_visit(node)
        self.stack.pop()

    def _in_sorted(self) -> bool:
        return any(isinstance(n, ast.Call) and callee(n) == "sorted" for n in self.stack)

    def _set_column(self, node: ast.AST, line: int, how: str, columnish: bool = True) -> None:
        if not (is_set_valued(node) and not self._in_sorted()):
            return
        if columnish or _mentions_columns(node) or self._assigned_to_columns():
            self.facts.set_columns.append(Hit(line, f"column list built from a set ({how})"))

    def _assigned_to_columns(self) -> bool:
        assign = next((n for n in reversed(self.stack) if isinstance(n, ast.Assign)), None)
        return assign is not None and any(
            isinstance(t, ast.Name) and COLUMN_NAME.search(t.id) for t in assign.targets)

    def visit_Call(self, node: ast.Call) -> None:
        name = callee(node)
        verdict = judge_call(node)
        if verdict is not None:
            state, reason = verdict
            if state == "global":
                self.global_draws.append(Hit(node.lineno, reason))
            else:
                self.numpy_seeded |= reason == "global NumPy seed"
                self.facts.random.append((Hit(node.lineno, reason), state))
        if isinstance(node.func, ast.Name) and name in ("list", "tuple") and node.args:
            self._set_column(node.args[0], node.lineno, f"{name}() of a set", columnish=False)
        for keyword in node.keywords:
            if keyword.arg in COLUMN_KEYWORDS:
                self._set_column(keyword.value, node.lineno, f"{keyword.arg}=")
        self._call_facts(node, name)
        self.generic_visit(node)

    def _call_facts(self, node: ast.Call, name: str) -> None:
        path = dotted(node.func)
        if name in DRIFT_CALLS:
            self.facts.monitoring.append(Hit(node.lineno, f"drift test {name}()"))
        if path.startswith("hashlib.") and name in HASH_CALLS:
            self.facts.hashing.append(Hit(node.lineno, f"{path}()"))
        if path in ("json.dump", "json.dumps"):
            self.facts.json_writes.append(Hit(node.lineno, f"{path}()"))
        if name == "fit" or (TRAIN_NAME.search(name) and name not in SPLITS):
            self.facts.trains.append(Hit(node.lineno, f"calls {name}()"))
        if path.split(".")[0] in TRACKING and path.count("."):
            self.facts.tracking.append(Hit(node.lineno, f"{path}()"))

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self._set_column(node.slice, node.lineno, "used as df[...] index")
        self.generic_visit(node)

    def visit_ListComp(self, node: ast.ListComp) -> None:
        for generator in node.generators:
            self._set_column(generator.iter, node.lineno, "list comprehension over a set",
                             columnish=False)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        if any(COLUMN_NAME.search(n) for n in names):
            if _fixed_order(node.value):
                self.facts.fixed_columns.append(Hit(node.lineno, f"{names[0]} in a fixed order"))
        self.generic_visit(node)

    def _imports(self, node: ast.AST, modules: list[str]) -> None:
        for module in modules:
            top = module.split(".")[0]
            if top in TRACKING:
                self.facts.tracking.append(Hit(node.lineno, f"imports {module}"))
            if top in MONITORING:
                self.facts.monitoring.append(Hit(node.lineno, f"imports {module}"))

    def visit_Import(self, node: ast.Import) -> None:
        self._imports(node, [alias.name for alias in node.names])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and not node.level:
            self._imports(node, [node.module])

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if DRIFT_NAME.search(node.name):
            self.facts.monitoring.append(Hit(node.lineno, f"defines {node.name}()"))
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef


def _mentions_columns(node: ast.AST) -> bool:
    """Whether an expression names columns: ``.columns``, ``.keys()``, ``*col*``, ``*feature*``."""
    for child in ast.walk(node):
        word = child.id if isinstance(child, ast.Name) else getattr(child, "attr", "")
        if isinstance(word, str) and (word == "keys" or COLUMN_NAME.search(word)):
            return True
    return False


def _fixed_order(node: ast.AST) -> bool:
    """``sorted(...)`` or a list/tuple literal of strings: a column list in a fixed order."""
    if isinstance(node, ast.Call) and callee(node) == "sorted":
        return True
    if isinstance(node, ast.List | ast.Tuple) and node.elts:
        return all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts)
    return False


def analyse_tree(tree: ast.Module) -> Facts:
    """The :class:`Facts` of an already parsed module."""
    visitor = _Visitor()
    visitor.visit(tree)
    facts = visitor.facts
    state = SEEDED if visitor.numpy_seeded else UNSEEDED
    facts.random.extend((hit, state) for hit in visitor.global_draws)
    facts.random.sort(key=lambda pair: pair[0].line)
    facts.set_columns = list({hit.line: hit for hit in reversed(facts.set_columns)}.values())
    facts.set_columns.sort(key=lambda hit: hit.line)
    facts.leaks, facts.splits, facts.pipelines = find_leaks(tree)
    return facts


def analyse(source: str) -> Facts:
    """Parse Python source and collect its :class:`Facts`.

    Args:
        source: the text of a ``.py`` file (or a notebook's code cells joined).

    Returns:
        The facts, lines counted in ``source``.

    Raises:
        SyntaxError: the source does not parse (also for null bytes or bad encodings) or is
            nested too deeply to read.
    """
    try:
        tree = ast.parse(source)
    except (ValueError, RecursionError, MemoryError) as error:
        raise SyntaxError(f"cannot parse: {error.__class__.__name__}") from error
    try:
        return analyse_tree(tree)
    except RecursionError as error:
        raise SyntaxError("too deeply nested to read") from error
