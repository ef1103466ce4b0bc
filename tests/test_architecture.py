"""The layout shows the architecture: small modules, packages that use each other only
through public names, no import cycles, and one module per condition kind."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import eligibility
from eligibility.language.kinds import KINDS, ConditionKind

ROOT = Path(eligibility.__file__).parent
MODULES = sorted(ROOT.rglob("*.py"))
LIMIT = 420  # lines: "no module over ~400"


def _name(path: Path) -> str:
    parts = ("eligibility",) + path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, str | None]]:
    """(module, name) for every import in ``path``, function-level ones included."""
    module = _name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("eligibility"):
                for alias in node.names:
                    submodule = f"{target}.{alias.name}"
                    is_module = (ROOT.parent / submodule.replace(".", "/")).with_suffix(".py").exists() or \
                        (ROOT.parent / submodule.replace(".", "/")).is_dir()
                    found.append((submodule, None) if is_module else (target, alias.name))
        elif isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names if alias.name.startswith("eligibility")]
    return found


def _package(module: str) -> str:
    """The subpackage a module belongs to (``eligibility.language``), or the root."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 and (ROOT / parts[1]).is_dir() else "eligibility"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_over_about_400_lines(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= LIMIT, f"{path.relative_to(ROOT)} has {lines} lines: split it by meaning"


def test_no_private_name_is_imported_across_packages():
    crossing = []
    for path in MODULES:
        source = _name(path)
        for target, name in _imports(path):
            if _package(target) == _package(source) and _package(source) != "eligibility":
                continue
            if _package(target) == _package(source) == "eligibility" and target.count(".") == 1:
                continue  # the root package's own modules (``_api``) are its own
            private = [part for part in target.split(".")[1:] if part.startswith("_")]
            if private or (name is not None and name.startswith("_") and name != "__version__"):
                crossing.append(f"{source} imports {target}{'.' + name if name else ''}")
    assert [] == crossing


def test_there_are_no_import_cycles():
    graph: dict[str, set[str]] = {}
    names = {_name(p) for p in MODULES}
    for path in MODULES:
        edges = set()
        for target, _ in _imports(path):
            while target not in names and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in names and target != _name(path):
                edges.add(target)
        graph[_name(path)] = edges
    # a package's __init__ re-exporting its own modules is how packages are built, not a cycle
    def edges(module: str) -> set[str]:
        return {t for t in graph[module] if not (t.startswith(module + ".") and module in names)}

    cycles = []
    state: dict[str, int] = {}

    def visit(module: str, stack: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges(module)):
            if state.get(target) == 1:
                cycles.append(stack[stack.index(target):] + [target])
            elif target not in state:
                visit(target, stack + [target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert [] == cycles


def test_every_condition_kind_provides_every_operation():
    for kind in KINDS:
        assert isinstance(kind, ConditionKind)
        for operation in ("compile", "evaluator", "observed", "reads", "describe", "sentence", "aim", "children",
                          "dates"):
            assert callable(getattr(kind, operation)), (kind.keys, operation)
        assert kind.keys and kind.nodes and kind.specs and kind.doc, kind.keys
        for node in kind.nodes:
            assert node.__dataclass_params__.frozen and hasattr(node, "__slots__"), node
    keys = [key for kind in KINDS for key in kind.keys]
    assert len(keys) == len(set(keys))


def test_each_condition_kind_lives_in_one_module():
    for kind in KINDS:
        modules = {node.__module__ for node in kind.nodes} | {spec.__module__ for spec in kind.specs}
        modules |= {kind.compile.__module__, kind.evaluator.__module__, kind.describe.__module__,
                    kind.sentence.__module__, kind.aim.__module__, kind.observed.__module__}
        assert 1 == len(modules), (kind.keys, modules)
