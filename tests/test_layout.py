"""The house keeps its shape: every module and adapter package has the canonical files for its roles.

See docs/architecture.md ("Where each kind of code goes"). The import rules are checked by
import-linter in `make check`; this test checks what import-linter cannot: file names and roles.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

HANDLER_FILES = (
    "__init__.py",
    "README.md",
    "settings.py",
    "models.py",
    "service.py",
    "consumers.py",
    "api.py",
)
HANDLER_LEGACY = ("module.py", "bus.py", "core.py", "config.py", "public.py")

ADAPTER_FILES = ("__init__.py", "README.md", "settings.py", "service.py", "consumers.py")
COUNTERPART_FILES = ("client.py", "mapping.py", "simulator")
ADAPTER_LEGACY = (
    "module.py",
    "config.py",
    "webhook.py",
    "inbound.py",
    "outbound.py",
    "backend.py",
    "serving.py",
    "wire.py",
    "messages.py",
    "signature.py",
)
# Adapters whose counterpart has no wire of its own to map or simulate, with the reason.
NO_COUNTERPART_WIRE = {
    "axis": "the shared piece of the two axis adapters (intake, mapping, dispatcher): no counterpart",
    "attendance": "devices push to the hub; it never calls them (no client)",
    "signing": "a local signing engine (keys, PKCS#11 tokens); its only remote peers are TSA/OCSP",
}
# Files that must not import FastAPI: domain logic, bus glue and tables stay web-free.
WEB_FREE = ("service.py", "consumers.py", "models.py", "settings.py")


def packages(root: str) -> list[object]:
    found = sorted(p.parent for p in (ROOT / root).glob("*/__init__.py"))
    return [pytest.param(p, id=p.name) for p in found]


def has(pkg: Path, name: str) -> bool:
    if name == "simulator":
        return (pkg / "simulator.py").is_file() or (pkg / "simulator" / "__init__.py").is_file()
    return (pkg / name).exists()


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def builds_module(init: Path) -> bool:
    tree = ast.parse(init.read_text(encoding="utf-8"))
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == "module" for t in targets):
            return True
    return False


@pytest.mark.parametrize("pkg", packages("handlers"))
def test_handler_has_the_canonical_files(pkg: Path) -> None:
    missing = [n for n in HANDLER_FILES if not has(pkg, n)]
    if not (pkg / "migrations").is_dir():
        missing.append("migrations/")
    legacy = [n for n in HANDLER_LEGACY if has(pkg, n)]
    assert not missing, f"handlers/{pkg.name} lacks {missing}"
    assert not legacy, f"handlers/{pkg.name} still has legacy role files {legacy}"


@pytest.mark.parametrize("pkg", packages("adapters"))
def test_adapter_has_the_canonical_files(pkg: Path) -> None:
    wanted = ADAPTER_FILES + (() if pkg.name in NO_COUNTERPART_WIRE else COUNTERPART_FILES)
    missing = [n for n in wanted if not has(pkg, n)]
    legacy = [n for n in ADAPTER_LEGACY if has(pkg, n)]
    assert not missing, f"adapters/{pkg.name} lacks {missing}"
    assert not legacy, f"adapters/{pkg.name} still has legacy role files {legacy}"
    if (pkg / "models.py").exists():
        assert (pkg / "migrations").is_dir(), f"adapters/{pkg.name} has tables but no migrations/"


@pytest.mark.parametrize("pkg", packages("handlers") + packages("adapters"))
def test_module_is_built_in_init(pkg: Path) -> None:
    assert builds_module(pkg / "__init__.py"), f"{pkg.relative_to(ROOT)}/__init__.py does not build `module`"


@pytest.mark.parametrize("pkg", packages("handlers") + packages("adapters"))
def test_domain_logic_and_bus_glue_do_not_speak_http(pkg: Path) -> None:
    offenders = []
    for name in WEB_FREE:
        path = pkg / name
        if path.exists() and any(m.split(".")[0] in {"fastapi", "starlette"} for m in imported_modules(path)):
            offenders.append(name)
    assert not offenders, f"{pkg.relative_to(ROOT)}: {offenders} import FastAPI/Starlette"


@pytest.mark.parametrize("pkg", packages("handlers"))
def test_services_raise_domain_errors_not_http_errors(pkg: Path) -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in sorted(pkg.rglob("*.py"))
        if not p.name.startswith("api") and "HTTPException" in p.read_text(encoding="utf-8")
    ]
    assert not offenders, f"HTTPException outside the API layer: {offenders}"


@pytest.mark.parametrize("pkg", packages("handlers") + packages("adapters"))
def test_models_hold_tables_only(pkg: Path) -> None:
    path = pkg / "models.py"
    if not path.exists():
        pytest.skip(f"{pkg.name} has no tables")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    dtos = [
        n.name
        for n in tree.body
        if isinstance(n, ast.ClassDef)
        and any(isinstance(b, ast.Name) and b.id in {"BaseModel", "BaseSettings"} for b in n.bases)
    ]
    assert not dtos, f"{pkg.relative_to(ROOT)}/models.py declares pydantic models {dtos}: tables only"
