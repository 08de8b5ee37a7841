"""The README's first example runs as pasted, against the local server over loopback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from memoram_local import LocalServer

README = Path(__file__).resolve().parents[2] / "README.md"


def first_python_block() -> str:
    match = re.search(r"```python\n(.*?)```", README.read_text(), re.DOTALL)
    assert match is not None, "README.md has no python example"
    return match.group(1)


def test_first_example_runs_and_prints_decrypted_content(tmp_path: Path) -> None:
    """The pasted example requests access, creates memories and prints them decrypted."""
    script = tmp_path / "example.py"
    script.write_text(first_python_block())
    with LocalServer(auto_approve=True) as server:
        env = {
            **os.environ,
            "MEMORAM_API_KEY": server.api_key,
            "MEMORAM_BASE_URL": server.base_url,
            "MEMORAM_MEMORY_KEY": "mk_readme_example",
        }
        result = subprocess.run(
            [sys.executable, str(script)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "Seat -> Prefers window seats" in result.stdout
        assert "Allergy" not in result.stdout  # filtered out by the tag
        assert server.api_key not in result.stdout + result.stderr
