"""The case study's command line: run, verify, stage — exit codes, one-line errors, help."""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from case_study import cli, paths
from case_study.hashing import sha256_file, sha256_model

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """``python -m case_study ARGS`` in a fresh process, as a user would type it."""
    return subprocess.run(
        [sys.executable, "-m", "case_study", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def reproducible_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "reproducible"
    result = run_cli("run", "--pipeline", "reproducible", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def copy_run(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target / "manifest.json"


def assert_one_line_error(stderr: str) -> None:
    assert "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr


# ------------------------------------------------------------------ fresh processes


@pytest.mark.slow
def test_run_writes_the_manifest_with_the_model_beside_it(reproducible_dir):
    """`run` leaves manifest.json and model.pkl; the model file is the one the manifest hashes."""
    manifest = json.loads((reproducible_dir / "manifest.json").read_text(encoding="utf-8"))
    for key in (
        "pipeline",
        "data_sha256",
        "code_version",
        "params",
        "seed",
        "environment",
        "metrics",
        "model_sha256",
        "predictions_sha256",
        "created_at",
        "manifest_version",
        "model_file_sha256",
    ):
        assert key in manifest
    model_file = reproducible_dir / "model.pkl"
    assert sha256_file(model_file) == manifest["model_file_sha256"]
    # Written by another process, hashed by content here: the same model.
    assert sha256_model(pickle.loads(model_file.read_bytes())) == manifest["model_sha256"]


@pytest.mark.slow
def test_verify_in_another_process_rebuilds_the_same_run(reproducible_dir):
    """A run written by one process verifies byte for byte in a fresh one: exit 0, "OK"."""
    result = run_cli("verify", str(reproducible_dir / "manifest.json"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK: ")
    assert "model.pkl is byte for byte the rebuilt model" in result.stdout
    assert "never unpickled" in result.stdout


@pytest.mark.slow
def test_verify_names_a_tampered_parameter_and_exits_1(reproducible_dir, tmp_path):
    """Editing n_estimators in the manifest: exit 1, and the diff names the field."""
    manifest_path = copy_run(reproducible_dir, tmp_path / "run")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["params"]["n_estimators"] = 50
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    result = run_cli("verify", str(manifest_path))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "model_sha256" in result.stdout
    assert "model.pkl is not the rebuilt model" in result.stdout
    assert "Traceback" not in result.stderr
    # The file is the user's own: trusting it unpickles it and names the edited field.
    trusted = run_cli("verify", "--trust-model-file", str(manifest_path))
    assert trusted.returncode == 1, trusted.stdout + trusted.stderr
    assert "params.n_estimators" in trusted.stdout


@pytest.mark.slow
def test_an_irreproducible_run_does_not_verify(tmp_path):
    """The team's pipeline, even with a manifest, rebuilds to another model: exit 1."""
    out = tmp_path / "irreproducible"
    assert run_cli("run", "--pipeline", "irreproducible", "--out", str(out)).returncode == 0
    result = run_cli("verify", str(out / "manifest.json"))
    assert result.returncode == 1
    assert "model_sha256" in result.stdout


@pytest.mark.slow
def test_bad_json_in_a_fresh_process_is_one_line_and_exit_2(tmp_path):
    """A broken manifest file ends as one line on stderr, never a traceback."""
    bad = tmp_path / "manifest.json"
    bad.write_text("{ not json", encoding="utf-8")
    result = run_cli("verify", str(bad))
    assert result.returncode == 2
    assert_one_line_error(result.stderr)
    assert "not valid JSON" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("command", [[], ["run"], ["verify"], ["stage"]])
def test_help_is_available_for_every_subcommand(command):
    """`--help` works at the top and for every subcommand."""
    result = run_cli(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: python -m case_study")


@pytest.mark.slow
def test_stage_4_prints_its_side_by_side_table():
    """`stage 4` prints the figure / irreproducible / reproducible table."""
    result = run_cli("stage", "4")
    assert result.returncode == 0, result.stderr
    header = result.stdout.splitlines()[0].split()
    assert header == ["figure", "irreproducible", "reproducible"]
    assert "model_sha256" in result.stdout


# --------------------------------------------------------------------- in-process


@pytest.fixture
def manifest_dir(reproducible_dir, tmp_path) -> Path:
    return copy_run(reproducible_dir, tmp_path / "run").parent


def edit(manifest_path: Path, change) -> Path:
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    change(manifest)
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    return manifest_path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m.update(pipeline="magic"), "Unknown pipeline 'magic'"),
        (lambda m: m.pop("seed"), "lacks seed"),
        (lambda m: m.update(data_sha256="f" * 64), "cannot rebuild: data differs"),
        (lambda m: m["params"].update(criterion="magic"), "rejected"),
        (
            lambda m: m["params"].update(n_estimators=2**31 - 1),
            "must be a whole number from 1 to 500",
        ),
        (lambda m: m.update(seed=2**40), "'seed' must be a whole number from 0"),
    ],
    ids=[
        "unknown-pipeline",
        "missing-key",
        "data-differs",
        "bad-param",
        "huge-forest",
        "huge-seed",
    ],
)
def test_unusable_manifests_exit_2_with_one_line(manifest_dir, capsys, change, message):
    """Unknown pipeline, missing keys, other data, bad or out-of-range params.

    Each exits with code 2 and one line saying why.
    """
    path = edit(manifest_dir / "manifest.json", change)
    assert cli.main(["verify", str(path)]) == 2
    captured = capsys.readouterr()
    assert_one_line_error(captured.err)
    assert message in captured.err


def test_data_differs_names_both_hashes(manifest_dir, capsys):
    """Refusing other data shows the recorded and the found hash."""
    path = edit(manifest_dir / "manifest.json", lambda m: m.update(data_sha256="f" * 64))
    recorded = "f" * 64
    assert cli.main(["verify", str(path)]) == 2
    err = capsys.readouterr().err
    assert recorded in err and sha256_file(PROJECT_ROOT / "data" / "raw" / "german.data") in err


def test_a_missing_manifest_exits_2_with_one_line(tmp_path, capsys):
    """Verifying a path that does not exist says so in one line."""
    assert cli.main(["verify", str(tmp_path / "nowhere" / "manifest.json")]) == 2
    captured = capsys.readouterr()
    assert_one_line_error(captured.err)
    assert "No run manifest" in captured.err


def test_an_unknown_pipeline_option_is_one_line(capsys, tmp_path):
    """`run --pipeline magic` is a usage error: exit 2, one line, the valid choices named."""
    assert cli.main(["run", "--pipeline", "magic", "--out", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert_one_line_error(captured.err)
    assert "reproducible" in captured.err


@pytest.mark.parametrize("where", ["", "raw", "runs"], ids=["data", "data-raw", "data-sub"])
def test_run_refuses_to_write_into_the_data_folder(capsys, monkeypatch, where):
    """`run --out data` would overwrite data/manifest.json: refused in one line, before training."""
    from case_study import pipelines

    monkeypatch.setattr(
        pipelines, "train_reproducible", lambda *a, **k: pytest.fail("trained anyway")
    )
    before = paths.DATA_MANIFEST.read_bytes()
    out = paths.DATA_DIR / where if where else paths.DATA_DIR
    assert cli.main(["run", "--pipeline", "reproducible", "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert_one_line_error(captured.err)
    assert "inside the data folder" in captured.err
    assert paths.DATA_MANIFEST.read_bytes() == before
    assert not (paths.DATA_DIR / "runs").exists()


def test_the_irreproducible_pipeline_takes_no_seed(capsys, tmp_path):
    """Asking for a seed with the irreproducible pipeline is refused in one line."""
    argv = ["run", "--pipeline", "irreproducible", "--seed", "1", "--out", str(tmp_path)]
    assert cli.main(argv) == 2
    assert_one_line_error(capsys.readouterr().err)


def test_a_missing_stage_module_exits_2_with_one_line(monkeypatch, capsys):
    """A stage whose module is not written yet is reported, not crashed on."""
    monkeypatch.setitem(cli.STAGE_MODULES, 1, "stage1_not_written_yet")
    assert cli.main(["stage", "1"]) == 2
    captured = capsys.readouterr()
    assert_one_line_error(captured.err)
    assert "stage1_not_written_yet.py is missing" in captured.err


def test_an_out_of_range_stage_is_a_usage_error(capsys):
    """Only stages 0 to 5 exist."""
    assert cli.main(["stage", "9"]) == 2
    assert_one_line_error(capsys.readouterr().err)


def test_ctrl_c_exits_130_quietly(monkeypatch, capsys):
    """An interrupted command exits 130 without a traceback or message."""
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.COMMANDS, "verify", interrupted)
    assert cli.main(["verify", "x.json"]) == 130
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_an_unexpected_error_is_still_one_line(monkeypatch, capsys):
    """A bug ends as one line that says how to get the traceback."""
    def broken(args):
        raise RuntimeError("boom")

    monkeypatch.setitem(cli.COMMANDS, "verify", broken)
    monkeypatch.delenv("CASE_STUDY_DEBUG", raising=False)
    assert cli.main(["verify", "x.json"]) == 2
    captured = capsys.readouterr()
    assert_one_line_error(captured.err)
    assert "CASE_STUDY_DEBUG" in captured.err


def test_version_prints_the_package_version(capsys):
    """`case-study --version` (the console script calls cli.main) names the version, exit 0."""
    import case_study

    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"case-study {case_study.__version__}"
    assert case_study.__version__ == "0.2.0"


def test_main_reads_sys_argv_when_given_no_arguments(monkeypatch, capsys):
    """A console script calls main() with no arguments: it parses sys.argv[1:]."""
    monkeypatch.setattr(sys, "argv", ["case-study", "--version"])
    assert cli.main() == 0
    assert capsys.readouterr().out.startswith("case-study ")


def test_debug_setting_shows_the_traceback_of_an_unexpected_error(monkeypatch):
    """CASE_STUDY_DEBUG (read through case_study.settings) re-raises an unexpected error."""

    def broken(args):
        raise RuntimeError("boom")

    monkeypatch.setitem(cli.COMMANDS, "stage", broken)
    monkeypatch.setenv("CASE_STUDY_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        cli.main(["stage", "0"])
    monkeypatch.delenv("CASE_STUDY_DEBUG")
    assert cli.main(["stage", "0"]) == cli.EXIT_UNUSABLE


# ------------------------------------------------ verify never unpickles an untrusted file


@pytest.mark.parametrize("stealthy", [False, True], ids=["loud", "stealthy"])
def test_verify_does_not_run_a_hostile_pickle_and_exits_1(manifest_dir, capsys, stealthy):
    """Issue "Safe by default", finding 1: model.pkl replaced by a pickle that runs code (the
    stealthy one returns the genuine model), manifest hash rewritten: the code never runs,
    verify exits 1 and never prints "OK"."""
    from tests.test_case_study_rebuild import hostile_model_file

    manifest_path, _, marker = hostile_model_file(manifest_dir, stealthy=stealthy)
    assert cli.main(["verify", str(manifest_path)]) == 1
    out = capsys.readouterr().out
    assert not marker.exists()
    assert out.startswith("MISMATCH: all 20 compared fields"), out
    assert "It was not unpickled" in out


def test_verify_help_says_the_trust_flag_unpickles(capsys):
    """The one option that opens model.pkl says, in its help, that it runs the file's code."""
    assert cli.main(["verify", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--trust-model-file" in text and "UNPICKLE" in text and "runs any code" in text
