"""`python -m workshop validate`: a team lead edits lessons and gets exit 0 with a one-line
summary, or exit 1 with every problem as `file:location: message — fix`, never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # every test here starts a fresh Python process

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = HERE.parent
VALID = HERE / "fixtures" / "lessons" / "valid"
FIXTURE_CODE = HERE / "fixtures" / "code"

# `python -m workshop`, with the fixture course's functions findable as
# workshop.fixture_checks (the same module search path the engine's other tests use).
RUN_AS_MAIN = (
    "import runpy, sys, workshop; workshop.__path__.append(sys.argv.pop(1)); "
    "sys.argv[0] = 'python -m workshop'; runpy.run_module('workshop', run_name='__main__')"
)


def run_cli(*args: str, cwd: Path = PROJECT_ROOT, fixtures: bool = True):
    """Run the validator in a fresh process; returns the CompletedProcess."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    command = ([sys.executable, "-c", RUN_AS_MAIN, str(FIXTURE_CODE), *args] if fixtures
               else [sys.executable, "-m", "workshop", *args])
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60)


@pytest.fixture
def lessons(tmp_path) -> Path:
    target = tmp_path / "lessons"
    shutil.copytree(VALID, target)
    return target


def no_traceback(done) -> bool:
    return "Traceback" not in done.stdout + done.stderr


def test_help_explains_the_command():
    """--help lists the validate command and exits 0."""
    done = run_cli("--help", fixtures=False)
    assert done.returncode == 0
    assert "validate" in done.stdout
    sub = run_cli("validate", "--help", fixtures=False)
    assert sub.returncode == 0
    words = " ".join(sub.stdout.split())
    assert "LESSONS_DIR" in words
    assert "Exit 0 when valid, 1 when there are problems, 2 when the folder does not exist" in words


def test_valid_course_exits_0_with_a_one_line_summary(lessons):
    """A clean course prints one OK line with the number of stages and checks."""
    done = run_cli("validate", str(lessons))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == f"OK: {lessons} — 2 stages, 6 checks, 2 agendas."
    # Before it, where the right answers sit in the files (the options' positions).
    assert all(line.startswith(("Right answers", "Multiple-choice")) for line in lines[:-1])
    assert done.stderr == ""


def test_problems_exit_1_and_list_every_one_as_file_location_message_fix(lessons, tmp_path):
    """Each problem is one line the lead can click through to, then a summary line."""
    checks = lessons / "00-intro" / "checks.toml"
    checks.write_text(checks.read_text().replace('answer = "seed"', 'answer = "seeds"')
                      .replace('kind = "numeric"', 'kind = "numerical"'))
    course = lessons / "course.toml"
    course.write_text(course.read_text().replace("minutes = 20", "minutes = 25"))
    done = run_cli("validate", "lessons", cwd=tmp_path)
    assert done.returncode == 1
    assert no_traceback(done)
    lines = done.stdout.splitlines()
    assert lines[-1] == "FAILED: 3 problems in lessons. Fix each one above, then run this again."
    problems = lines[:-1]
    assert len(problems) == 3
    assert ('lessons/00-intro/checks.toml:line 5, check "intro-single", answer: the answer '
            "'seeds' is not among the options (did you mean \"seed\"?) — use one of the option "
            "keys: seed, faster, more-data") in problems
    assert any(line.startswith('lessons/00-intro/checks.toml:line 54, check "intro-numeric", '
                               "kind: unknown kind 'numerical'") for line in problems)
    assert any(line.startswith('lessons/course.toml:line 7, agenda "short", minutes: the '
                               "timings do not add up") and "add 5 min" in line
               for line in problems)
    assert all(" — " in line for line in problems)


def test_paths_are_shown_as_the_user_typed_the_folder(lessons, tmp_path):
    """A nested folder argument prefixes every file, so editors can open the line."""
    (lessons / "01-practice" / "lesson.md").unlink()
    done = run_cli("validate", str(lessons))
    assert done.returncode == 1
    assert done.stdout.startswith(f"{lessons}/01-practice/lesson.md:file: lesson.md is missing")


def test_warnings_alone_still_exit_0(lessons):
    """A draft folder not in course.toml is a warning: printed, but the course is OK."""
    shutil.copytree(lessons / "01-practice", lessons / "02-draft")
    done = run_cli("validate", str(lessons))
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    first, last = lines[0], lines[-1]
    assert first.startswith(f"{lessons}/02-draft:folder: warning: this lesson folder is not listed")
    assert last == f"OK: {lessons} — 2 stages, 6 checks, 2 agendas, 1 warning."


def test_missing_folder_exits_2_with_a_message(tmp_path):
    """A folder that does not exist is a usage error (exit 2), said in plain words."""
    done = run_cli("validate", str(tmp_path / "nope"), fixtures=False)
    assert done.returncode == 2
    assert "does not exist" in done.stderr and no_traceback(done)
    not_a_folder = tmp_path / "file.toml"
    not_a_folder.write_text("x = 1")
    done = run_cli("validate", str(not_a_folder), fixtures=False)
    assert done.returncode == 2 and "is not a folder" in done.stderr


@pytest.mark.parametrize("args", [(), ("frobnicate",), ("validate", "a", "b"), ("--nope",)])
def test_wrong_command_lines_exit_2_with_usage(args):
    """A missing or unknown command shows the usage and exits 2, without a traceback."""
    done = run_cli(*args, fixtures=False)
    assert done.returncode == 2
    assert "usage: python -m workshop" in done.stderr
    assert no_traceback(done)


def test_garbage_files_are_problems_not_crashes(lessons):
    """Binary junk, an empty course file and a tomllib error all become listed problems."""
    (lessons / "00-intro" / "lesson.md").write_bytes(b"\x00\xff\xfe garbage")
    (lessons / "01-practice" / "checks.toml").write_bytes(b"[[check]\n\x00")
    (lessons / "sources.toml").write_text("")
    done = run_cli("validate", str(lessons))
    assert done.returncode == 1
    assert no_traceback(done)
    assert "not UTF-8 text" in done.stdout
    assert "malformed TOML" in done.stdout
    assert "no [[source]] tables" in done.stdout


def test_default_folder_is_the_projects_lessons():
    """With no argument it validates lessons/ of this project (as in the README)."""
    done = run_cli("validate", fixtures=False)
    assert done.returncode in (0, 1), done.stderr
    assert no_traceback(done)
    last = done.stdout.splitlines()[-1]
    assert last.startswith("OK: lessons — ") or (last.startswith("FAILED: ")
                                                  and " in lessons" in last)


def test_version_is_printed():
    done = run_cli("--version", fixtures=False)
    assert done.returncode == 0
    assert done.stdout.strip() == "workshop 0.2.0"


def test_main_returns_the_exit_code_for_the_console_script(capsys):
    """`workshop = "workshop.__main__:main"`: main() returns, it does not raise SystemExit."""
    from workshop import __version__
    from workshop.__main__ import main

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"workshop {__version__}"
    assert main(["serve", "--processes", "0"]) == 2
    assert "--processes: must be at least 1" in capsys.readouterr().err


def test_serve_help_explains_processes_port_and_the_single_process_mode():
    done = run_cli("serve", "--help", fixtures=False)
    assert done.returncode == 0
    words = " ".join(done.stdout.split())
    for flag in ("--processes N", "--port P", "--address ADDRESS", "--data-dir D"):
        assert flag in words
    assert "HAProxy" in words
    assert "With --processes 1 it runs a single Streamlit on the port directly, without HAProxy" \
        in words
    assert f"one per core, here {os.cpu_count()}" in words


@pytest.mark.parametrize("args", [("--processes", "0"), ("--processes", "two"),
                                  ("--port", "70000"), ("--port", "0"), ("--bogus",)])
def test_serve_refuses_wrong_arguments_with_exit_2(args):
    done = run_cli("serve", *args, fixtures=False)
    assert done.returncode == 2
    assert no_traceback(done)
    assert "usage:" in done.stderr


def test_audit_is_a_subcommand_with_the_audits_exit_codes(capsys):
    """`workshop audit PATH` runs the static audit: 0 careful, 1 careless, 2 no folder."""
    from workshop.__main__ import main

    fixtures = PROJECT_ROOT / "tests" / "fixtures" / "audit"
    assert main(["audit", str(fixtures / "careful")]) == 0
    assert "# " in capsys.readouterr().out
    assert main(["audit", str(fixtures / "careless"), "--format", "json"]) == 1
    assert '"schema": "workshop-audit/1"' in capsys.readouterr().out
    assert main(["audit", str(fixtures / "no-such-project")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_audit_appears_in_help():
    done = run_cli("--help", fixtures=False)
    assert done.returncode == 0
    assert "audit" in done.stdout
