"""The layout's rules, checked on the source: Dagster only at the edge, no import cycles, and domain
packages that load without Dagster, Great Expectations, MLflow or torch."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ("core", "crawl", "segments", "spoken", "tts", "asr", "augment", "dialogues", "recordings", "release")
# Domain code may not reach these, not even from inside a function.
FORBIDDEN = ("dagster", "dagster_aws", "dagster_duckdb", "dagster_postgres", "dagster_webserver",
             "great_expectations", "resources", "synth_assets.assets", "synth_assets.orchestration",
             "synth_assets.definitions", "synth_assets.drivers", "synth_assets.cli", "quality.expectations")
HEAVY = ("dagster", "great_expectations", "mlflow", "torch", "transformers", "faster_whisper", "matplotlib",
         "scipy.signal", "audiomentations")

# quality/'s suites are Dagster checks, one module per stage group: forbidden too. Its measures
# (metrics, mos) the domain may use.
FORBIDDEN += tuple(sorted(f"quality.{p.stem}" for p in (ROOT / "quality").glob("*.py")
                          if p.stem not in ("__init__", "metrics", "mos")))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(*packages: str) -> dict[str, Path]:
    found = {}
    for package in packages:
        base = ROOT / package.replace(".", "/")
        for path in sorted(base.rglob("*.py")) if base.is_dir() else [base.with_suffix(".py")]:
            found[module_name(path)] = path
    return found


def imports(path: Path, name: str) -> set[str]:
    """Every module a file imports, at the top or inside a function, relative imports resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def reaches(target: str, imported: str) -> bool:
    return imported == target or imported.startswith(target + ".")


def test_domain_packages_import_no_dagster_resources_or_orchestration():
    offences = []
    for name, path in modules(*(f"synth_assets.{p}" for p in DOMAIN), "synth_assets.settings").items():
        for imported in imports(path, name):
            offences += [f"{name} imports {imported}" for banned in FORBIDDEN if reaches(banned, imported)]
    assert offences == []


def test_the_product_imports_no_benchmark_and_no_private_dagster_module():
    offences = []
    for name, path in modules("synth_assets", "resources", "quality").items():
        offences += [f"{name} imports {imported}" for imported in imports(path, name)
                     if reaches("benchmarks", imported) or imported.startswith("dagster._")]
    assert offences == []


# Each layer may import those below it, never one above: the stage framework (orchestration), then the
# assets and resources, then `definitions`, then the drivers and the CLI.
ABOVE = {
    "synth_assets.orchestration": ("synth_assets.assets", "synth_assets.definitions", "synth_assets.drivers",
                                   "synth_assets.cli"),
    "synth_assets.assets": ("synth_assets.definitions", "synth_assets.drivers", "synth_assets.cli"),
    "resources": ("synth_assets.assets", "synth_assets.definitions", "synth_assets.drivers", "synth_assets.cli"),
    "synth_assets.definitions": ("synth_assets.drivers", "synth_assets.cli"),
    "synth_assets.drivers": ("synth_assets.cli",),
}


def test_no_import_runs_back_up_from_the_stage_framework_to_definitions_or_the_drivers():
    offences = []
    for layer, above in ABOVE.items():
        for name, path in modules(layer).items():
            offences += [f"{name} imports {imported}" for imported in imports(path, name)
                         for higher in above if reaches(higher, imported)]
    assert offences == []


def test_resources_hold_only_configurable_resources():
    for name, path in modules("resources").items():
        tree = ast.parse(path.read_text())
        classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
        for cls in classes:
            bases = {ast.unparse(base) for base in cls.bases}
            assert bases & {"ConfigurableResource", "Storage"}, f"{name}.{cls.name} is not a resource"


def import_graph() -> dict[str, set[str]]:
    known = modules("synth_assets", "resources", "quality")
    graph = {}
    for name, path in known.items():
        edges = set()
        for imported in imports(path, name):
            # "from pkg import module" names the module; "from module import thing" names the module.
            while imported and imported not in known:
                imported = imported.rpartition(".")[0]
            # A package's own __init__ runs before its modules: that edge is not a cycle.
            if imported and imported != name and not name.startswith(imported + "."):
                edges.add(imported)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_back_even_from_inside_a_function():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle_hidden_in_a_function():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize("package", DOMAIN)
def test_a_domain_package_loads_without_heavy_frameworks(package):
    code = (
        "import importlib, json, pkgutil, sys\n"
        f"root = importlib.import_module('synth_assets.{package}')\n"
        "for info in pkgutil.walk_packages(root.__path__, root.__name__ + '.'):\n"
        "    importlib.import_module(info.name)\n"
        f"print(json.dumps([h for h in {HEAVY!r} if h in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_loading_the_definitions_leaves_great_expectations_to_the_first_check_and_dagster_aws_to_s3():
    code = ("import sys, synth_assets.definitions; print('great_expectations' in sys.modules, 'dagster_aws' in sys.modules);"
            "from resources.storage import S3Storage; print(S3Storage.__name__, 'dagster_aws' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                         env={**os.environ, "SYNTH_DEPLOYMENT": "local"})
    assert out.stdout.strip().splitlines()[-2:] == ["False False", "S3Storage True"]


def test_domain_packages_depend_on_each_other_in_one_direction():
    def package(module: str) -> str | None:
        parts = module.split(".")
        return ".".join(parts[:2]) if len(parts) > 1 and parts[0] == "synth_assets" and parts[1] in DOMAIN else None

    graph: dict[str, set[str]] = {}
    for module, edges in import_graph().items():
        source = package(module)
        if source:
            graph.setdefault(source, set()).update(p for p in map(package, edges) if p and p != source)
    assert cycles(graph) == []
