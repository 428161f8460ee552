"""`swgw completion bash|zsh`: scripts that a real shell loads and that complete commands, options and choices."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from gateway.tools.cli import main


def _script(capsys: pytest.CaptureFixture[str], shell: str, tmp_path: Path) -> Path:
    assert main(["completion", shell]) == 0
    path = tmp_path / f"swgw.{shell}"
    path.write_text(capsys.readouterr().out)
    return path


def _complete(script: Path, *words: str) -> list[str]:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    # bash's completion protocol: COMP_WORDS/COMP_CWORD in, COMPREPLY out.
    program = (f'source "{script}"; COMP_WORDS=({" ".join(repr(w) for w in words)}); '
               f'COMP_CWORD={len(words) - 1}; _shtab_swgw; printf "%s\\n" "${{COMPREPLY[@]}}"')
    done = subprocess.run([bash, "-c", program], capture_output=True, text=True, timeout=60, check=True)
    return sorted(line for line in done.stdout.splitlines() if line)


def test_bash_completes_commands_options_and_choices(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    script = _script(capsys, "bash", tmp_path)
    assert _complete(script, "swgw", "tr") == ["trust"]
    assert {"stats", "alerts", "completion"} <= set(_complete(script, "swgw", ""))
    assert _complete(script, "swgw", "trust", "add", "HK", "ca.pem", "--role", "") == ["anchor", "intermediate",
                                                                                      "pinned"]
    assert "--json" in _complete(script, "swgw", "messages", "list", "--")


def test_zsh_script_is_a_completion_function(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    script = _script(capsys, "zsh", tmp_path)
    assert script.read_text().startswith("#compdef swgw")
    zsh = shutil.which("zsh")
    if zsh is not None:  # zsh parses it without running it
        subprocess.run([zsh, "-n", str(script)], check=True, timeout=60)
