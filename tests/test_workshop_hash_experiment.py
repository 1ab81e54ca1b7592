"""The room experiment "Same hashes on your machine?": what a learner may paste or upload,
what is refused (with a message that says why), and how the room's hashes are counted."""

from __future__ import annotations

import json

import pytest

from case_study import cli, pipelines, run_manifest
from workshop.errors import HashReportError, WorkshopError
from workshop.hash_experiment import (
    HASH_FIELD,
    MANIFEST_VERSION,
    MAX_REPORT_BYTES,
    NOT_RECORDED,
    PIPELINE,
    REQUIRED_KEYS,
    RUN_COMMAND,
    SEED,
    HashReport,
    blas_summary,
    parse_report,
    summarise,
)

A, B, C = "a" * 64, "b" * 64, "c" * 64


def _manifest(**changes) -> dict:
    manifest = {
        "manifest_version": 1, "pipeline": "reproducible", "seed": 42, "unknown": [1, 2],
        "data_sha256": "d" * 64, "code_version": {"sha256": "e" * 64}, "params": {},
        "metrics": {"roc_auc": 0.8}, "model_sha256": "f" * 64,
        "predictions_sha256": "0123456789ABCDEF" * 4,
        "environment": {
            "python": "3.12.1", "platform": "macOS-14.2-arm64", "implementation": "CPython",
            "packages": {"numpy": "2.1.0", "pandas": "2.2"},
            "blas": [{"user_api": "blas", "internal_api": "openblas", "version": "0.3.27",
                      "num_threads": 8, "threading_layer": "pthreads"},
                     {"user_api": "openmp", "internal_api": "openmp", "num_threads": 8}],
        },
    }
    manifest.update(changes)
    return manifest


def test_the_mirrored_schema_is_the_case_studys():
    """The engine's copy of the manifest schema is what case_study writes."""
    assert MANIFEST_VERSION == run_manifest.MANIFEST_VERSION
    assert HASH_FIELD in run_manifest.REQUIRED_KEYS
    assert REQUIRED_KEYS == run_manifest.REQUIRED_KEYS
    assert SEED == pipelines.DEFAULT_SEED
    assert PIPELINE in run_manifest.PIPELINES
    assert RUN_COMMAND.split()[0] == "case-study"
    assert cli.build_parser().parse_args(RUN_COMMAND.split()[1:]).pipeline == PIPELINE
    assert issubclass(HashReportError, WorkshopError)


@pytest.mark.parametrize("text", [A, A.upper(), f"  \n{A}\t \n", "0123456789ABCdef" * 4])
def test_a_bare_hash_in_any_case_with_whitespace(text):
    report = parse_report(text)
    assert report == HashReport(text.strip().lower())
    assert (report.platform, report.python, report.numpy, report.blas) == (None,) * 4


def test_a_manifest_gives_its_hash_and_environment_and_ignores_unknown_fields():
    report = parse_report(json.dumps(_manifest(), indent=2))
    assert report == HashReport("0123456789abcdef" * 4, "macOS-14.2-arm64", "3.12.1", "2.1.0",
                                "openblas 0.3.27 (pthreads, 8 threads)")
    assert parse_report(json.dumps(_manifest()).encode()) == report  # an uploaded file


def test_a_manifest_without_environment_details_is_still_a_report():
    report = parse_report(json.dumps(_manifest(environment={})))
    assert (report.platform, report.numpy, report.blas) == (None, None, None)
    assert blas_summary([]) is None


def test_a_real_manifest_environment_is_read():
    """What run_manifest.environment() records on this machine parses, BLAS included."""
    environment = run_manifest.environment()
    report = parse_report(json.dumps(_manifest(environment=environment)))
    assert report.python == environment["python"]
    assert report.numpy == environment["packages"]["numpy"]
    assert isinstance(environment["blas"], list)
    if any(pool.get("user_api") == "blas" for pool in environment["blas"]):
        assert report.blas


@pytest.mark.parametrize(("text", "message"), [
    ("", "Nothing to compare"),
    ("   \n ", "Nothing to compare"),
    ("a" * 63, "not a SHA-256 .*63 characters, not 64"),
    ("a" * 65, "65 characters, not 64"),
    ("g" * 64, "not hexadecimal \\('g'\\)"),
    ("sha256:" + A, "not hexadecimal"),
    ("x" * (MAX_REPORT_BYTES + 1), "at most 64 KB"),
    (b"\xff\xfe{}", "not UTF-8"),
    ("[1, 2]", "JSON object .*list"),
    ("{not json", "not valid JSON \\(.*line 1"),
    ('{"a": NaN}', "not valid JSON"),
    ("[" * 100_000, "not valid JSON|at most 64 KB"),
    (json.dumps({k: v for k, v in _manifest().items() if k != HASH_FIELD}),
     "lacks predictions_sha256"),
    (json.dumps(_manifest(predictions_sha256=42)), "predictions_sha256 .*found 42"),
    (json.dumps(_manifest(predictions_sha256=A[:63])), "64-character"),
    (json.dumps(_manifest(manifest_version="1")), "not a run manifest of version 1"),
    (json.dumps(_manifest(pipeline="irreproducible")), "irreproducible.*--pipeline reproducible"),
    (json.dumps({k: v for k, v in _manifest().items() if k not in ("seed", "metrics")}),
     "lacks seed, metrics"),
    (json.dumps(_manifest(model_sha256="m" * 64)), "model_sha256 must be a 64-character"),
    (json.dumps(_manifest(data_sha256=None)), "data_sha256 must be a 64-character"),
    (json.dumps(_manifest(params=[1])), "params must be a JSON object"),
    (json.dumps(_manifest(manifest_version=True)), "not a run manifest of version 1"),
    (json.dumps(_manifest(seed=7)), "seed 7.*default seed 42.*without --seed"),
    (json.dumps(_manifest(seed="42")), "seed '42'"),
    (json.dumps(_manifest(seed=42.0)), "seed 42.0"),
    (json.dumps(_manifest(environment=["linux"])), "environment must be a JSON object"),
    (json.dumps(_manifest(environment={"python": 3.12})), "environment.python must be text"),
    (json.dumps(_manifest(environment={"packages": {"numpy": [2]}})),
     "environment.packages.numpy must be text"),
    (json.dumps(_manifest(environment={"packages": "numpy"})), "packages must be a JSON object"),
    (json.dumps(_manifest(environment={"blas": "openblas"})), "blas must be a list"),
])
def test_malformed_input_is_refused_with_a_clear_message(text, message):
    with pytest.raises(HashReportError, match=message) as caught:
        parse_report(text)
    assert str(caught.value).endswith(".")


def test_the_size_limit_counts_bytes_not_characters():
    with pytest.raises(HashReportError, match="bytes"):
        parse_report("é" * (MAX_REPORT_BYTES // 2 + 1))


def _report(sha, platform=None, python="3.12", numpy="2.1", blas="openblas 0.3.27"):
    return HashReport(sha, platform, python if platform else None,
                      numpy if platform else None, blas if platform else None)


def test_five_reports_three_hashes_two_platforms_are_counted_exactly():
    reports = [_report(A, "Linux"), _report(A, "Linux"), _report(B, "Linux"),
               _report(A, "macOS"), _report(C, "macOS")]
    summary = summarise(reports, A.upper())
    assert (summary.reports, summary.distinct, summary.matching) == (5, 3, 3)
    assert summary.server_hash == A
    assert [(h.sha256, h.count, h.matches_server) for h in summary.hashes] == [
        (A, 3, True), (B, 1, False), (C, 1, False)]
    assert [(g.platform, g.reports) for g in summary.groups] == [("Linux", 3), ("macOS", 2)]
    linux, mac = summary.groups
    assert [(h.sha256, h.count) for h in linux.hashes] == [(A, 2), (B, 1)]
    assert [(h.sha256, h.count) for h in mac.hashes] == [(A, 1), (C, 1)]
    rows = summary.rows()
    assert len(rows) == 4 and sum(row["learners"] for row in rows) == 5
    assert rows[0] == {"platform": "Linux", "python": "3.12", "numpy": "2.1",
                       "blas": "openblas 0.3.27", "prediction hash": A, "learners": 2,
                       "same as server": True}


def test_groups_split_on_python_numpy_and_blas_and_bare_hashes_group_together():
    reports = [_report(A, "Linux"), _report(A, "Linux", numpy="2.0"),
               _report(A, "Linux", blas="mkl 2024"), _report(A, "Linux", python="3.11"),
               _report(B), _report(B)]
    summary = summarise(reports, None)
    assert len(summary.groups) == 5 and summary.matching == 0
    bare = next(group for group in summary.groups if group.platform == NOT_RECORDED)
    assert (bare.python, bare.reports, bare.hashes[0].count) == (NOT_RECORDED, 2, 2)


def test_an_empty_room():
    summary = summarise([], B)
    assert (summary.reports, summary.distinct, summary.matching, summary.rows()) == (0, 0, 0, [])
