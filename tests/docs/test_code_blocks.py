"""Every fenced code block in README.md and docs/*.md runs as written.

Convention (also stated in docs/design.md, "Documentation"):
* ```python blocks are executed, each file's blocks in order in one namespace, in a fresh
  subprocess whose working directory is an empty temporary folder and whose model cache
  (``XDG_CACHE_HOME``) is empty too: a block may not rely on files another run left behind;
* ```console blocks: every line starting with ``$ `` (joined with the next line while it ends
  in a backslash) is run with bash from the repository root, with the interpreter's ``bin``
  folder first on PATH (so ``picojoule`` is the one under test), and must exit 0; the lines
  below a command are its output and are not compared. A command that must fail is written
  ``$ ! picojoule ...`` (bash negates its status);
* ```text, ```yaml, ```csv and ```json blocks are data or output and are not executed;
* any other fence — a bare ``` in particular — fails: every block says what it is.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
EXECUTED = {"python", "console"}
DATA = {"text", "yaml", "csv", "json"}
FENCE = re.compile(r"^(?P<indent>\s*)```(?P<info>[^`]*)$")
COMMAND_TIMEOUT_S = 120


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    lang: str
    body: str

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def blocks(path: Path) -> list[Block]:
    """The fenced blocks of a Markdown file, bodies dedented by their fence's indent."""
    out: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, start = len(m["indent"]), i
        body: list[str] = []
        i += 1
        while i < len(lines) and not (FENCE.match(lines[i]) and lines[i].strip() == "```"):
            line = lines[i]
            body.append(line[indent:] if indent == 0 or line[:indent].isspace()
                        else line.lstrip())
            i += 1
        out.append(Block(path, start + 1, m["info"].strip(), "\n".join(body) + "\n"))
        i += 1
    return out


def commands(block: Block) -> list[str]:
    """The ``$ `` lines of a console block, backslash continuations joined."""
    out: list[str] = []
    lines = block.body.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("$ "):
            cmd = lines[i][2:]
            while cmd.endswith("\\") and i + 1 < len(lines):
                i += 1
                cmd = cmd[:-1] + " " + lines[i].strip()
            out.append(cmd)
        i += 1
    return out


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"),
                                                      env.get("PYTHONPATH")]))
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    env["COLUMNS"] = "100"
    env.setdefault("HF_HUB_OFFLINE", "1")
    return env


ALL = [b for path in DOCS for b in blocks(path)]


def test_the_docs_have_code_blocks() -> None:
    # the extractor finds what is there: README alone has more than ten blocks
    assert sum(b.path.name == "README.md" for b in ALL) > 10
    assert {b.lang for b in ALL} >= {"python", "console", "text"}


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_every_block_says_what_it_is(path: Path) -> None:
    unlabeled = [f"{b.where}: ```{b.lang}" for b in blocks(path)
                 if b.lang not in EXECUTED | DATA]
    assert not unlabeled, ("fences must be one of "
                           f"{sorted(EXECUTED | DATA)}:\n" + "\n".join(unlabeled))


RUNNER = """
import json, sys
blocks = json.load(sys.stdin)
namespace = {"__name__": "__doc__"}
for where, source in blocks:
    try:
        exec(compile(source, where, "exec"), namespace)
    except BaseException:
        print(f"doc block failed: {where}", file=sys.stderr)
        raise
"""

PYTHON_FILES = [p for p in DOCS if any(b.lang == "python" for b in blocks(p))]


@pytest.mark.parametrize("path", PYTHON_FILES, ids=lambda p: p.name)
def test_python_blocks_run(path: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    payload = [(b.where, b.body) for b in blocks(path) if b.lang == "python"]
    proc = subprocess.run([sys.executable, "-c", RUNNER], input=json.dumps(payload),
                          capture_output=True, text=True, cwd=work, env=_env(tmp_path),
                          timeout=COMMAND_TIMEOUT_S, check=False)
    assert proc.returncode == 0, proc.stderr[-4000:]


CONSOLE = [b for b in ALL if b.lang == "console"]


@pytest.mark.parametrize("block", CONSOLE, ids=lambda b: b.where)
def test_console_commands_exit_0(block: Block, tmp_path: Path) -> None:
    cmds = commands(block)
    assert cmds, f"{block.where}: a console block without a `$ ` command"
    for cmd in cmds:
        proc = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, cwd=ROOT,
                              env=_env(tmp_path), timeout=COMMAND_TIMEOUT_S, check=False)
        assert proc.returncode == 0, (f"{block.where}: `{cmd}` exited {proc.returncode}\n"
                                      f"{proc.stderr[-3000:]}")


def test_extraction_by_hand(tmp_path: Path) -> None:
    # a two-block file: an indented console block with a continuation, then a bare fence
    doc = tmp_path / "x.md"
    doc.write_text("text\n\n  ```console\n  $ echo a \\\n      b\n  a b\n  ```\n\n```\nraw\n```\n")
    found = blocks(doc)
    assert [(b.line, b.lang) for b in found] == [(3, "console"), (9, "")]
    assert commands(found[0]) == ["echo a  b"]
    assert found[1].body == "raw\n"
