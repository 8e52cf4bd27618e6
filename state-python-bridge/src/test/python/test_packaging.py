"""The package installs with pip from its source folder, and the installed copy is complete."""

import json
import os
import shutil
import subprocess
import venv
from pathlib import Path

PACKAGE_SOURCE = Path(__file__).resolve().parents[2] / "main" / "python"


def test_pip_installs_the_package_and_the_installed_copy_speaks_the_protocol(tmp_path: Path) -> None:
    # A fresh environment that sees this interpreter's pip, setuptools, wheel and msgpack: nothing is downloaded.
    environment = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True).create(environment)
    python = str(environment / "bin" / "python")
    # Without the PYTHONPATH the suite runs with, which points at the sources.
    clean = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    # Built from a copy: a build leaves build/ and *.egg-info beside the sources.
    source = shutil.copytree(PACKAGE_SOURCE, tmp_path / "source",
                             ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info", ".*_cache"))
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", str(source)], check=True, cwd=tmp_path, env=clean, timeout=300)
    installed = subprocess.run(
        [python, "-c", "import statestore, pathlib; p = pathlib.Path(statestore.__file__).parent; "
                       "print(p); print(sorted(f.name for f in p.iterdir() if f.suffix in ('.py', '.typed')))"],
        check=True, cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=60).stdout.splitlines()
    assert Path(installed[0]).is_relative_to(environment), f"imported from {installed[0]}, not the environment"
    shipped = sorted(f.name for f in (PACKAGE_SOURCE / "statestore").iterdir() if f.suffix in (".py", ".typed"))
    assert installed[1] == repr(shipped)
    table = json.loads(subprocess.run([python, "-m", "statestore", "protocol"], check=True, cwd=tmp_path,
                                      env=clean, capture_output=True, text=True, timeout=60).stdout)
    assert table["operations"]["get"] == ["key"]
