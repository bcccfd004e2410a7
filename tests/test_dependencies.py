"""Every distribution the code imports is declared in setup.cfg, and pinned from there.

A fresh machine gets what ``install_requires`` names and nothing else: a module that is here
only because another package pulled it in, or because someone installed it by hand, would
break the first install somewhere else (as ``flask_cors`` once did).
"""

import ast
import configparser
import importlib.metadata
import re
import sys
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(option, section="options"):
    """Names of the requirements in setup.cfg's ``[section] option``."""
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg", encoding="utf-8")
    lines = parser.get(section, option).splitlines()
    return {normalize(Requirement(line).name) for line in lines if line.strip() and not line.startswith("#")}


def pinned(path):
    """Names pinned with ``==`` in a compiled requirements file."""
    text = (ROOT / path).read_text(encoding="utf-8")
    return {normalize(m.group(1)) for m in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", text, re.MULTILINE)}


def imported_modules(*paths, base=ROOT):
    """Top-level modules imported (absolutely) by the Python files under ``paths``: {module: a file}.

    The standard library, and modules and packages at the top of ``base``, are left out.
    """
    local = {p.stem for p in base.iterdir() if p.suffix == ".py"} | {p.name for p in base.iterdir() if p.is_dir()}
    found = {}
    for path in paths:
        files = [path] if path.is_file() else sorted(path.rglob("*.py"))
        for file in files:
            for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in local:
                        found.setdefault(top, str(file.relative_to(base)))
    return found


def undeclared(modules, allowed):
    """The modules whose distribution is not in ``allowed``, each with where it is imported."""
    owners = importlib.metadata.packages_distributions()
    problems = []
    for module, where in sorted(modules.items()):
        distributions = {normalize(d) for d in owners.get(module, ())}
        if not distributions:
            problems.append(f"{module} (imported in {where}) is not installed: declare its distribution")
        elif not distributions & allowed:
            problems.append(f"{module} (imported in {where}) comes from {sorted(distributions)}, not declared")
    return problems


def test_the_package_imports_only_declared_distributions():
    service = imported_modules(ROOT / "sgp_app", ROOT / "wsgi.py", ROOT / "gunicorn.conf.py")
    assert "flask_cors" in service  # the reader works: it sees what security.py imports
    assert undeclared(service, declared("install_requires")) == []


def test_the_tests_import_only_declared_distributions():
    allowed = declared("install_requires") | declared("test", section="options.extras_require")
    assert undeclared(imported_modules(ROOT / "tests"), allowed) == []


def test_an_undeclared_import_is_reported(tmp_path):
    # markupsafe is installed (Flask needs it) but not declared: exactly the trap.
    (tmp_path / "mod.py").write_text("import flask, json\nfrom markupsafe import escape\n", encoding="utf-8")
    modules = imported_modules(tmp_path, base=tmp_path)
    assert set(modules) == {"flask", "markupsafe"}
    assert undeclared(modules, declared("install_requires")) == [
        "markupsafe (imported in mod.py) comes from ['markupsafe'], not declared"
    ]


def test_requirements_files_pin_every_declared_distribution():
    assert declared("install_requires") - pinned("requirements.txt") == set()
    assert declared("install_requires") | declared("test", section="options.extras_require") <= pinned(
        "requirements-dev.txt"
    )
