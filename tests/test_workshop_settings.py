"""workshop.settings: the one module that reads the workshop's environment and secrets."""

from __future__ import annotations

from pathlib import Path

from workshop import settings


def test_data_dir_from_the_environment_or_the_default(tmp_path):
    assert settings.data_dir({"WORKSHOP_DATA_DIR": str(tmp_path)}) == tmp_path
    assert settings.data_dir({"WORKSHOP_DATA_DIR": "  "}) == settings.DEFAULT_DATA_DIR.expanduser()
    assert settings.data_dir({}) == Path("~/.local/share/reproducible-ml-workshop").expanduser()


def test_lessons_dir_from_the_environment_or_the_project(tmp_path):
    assert settings.lessons_dir({"WORKSHOP_LESSONS_DIR": f" {tmp_path} "}) == tmp_path
    assert settings.lessons_dir({}) == settings.DEFAULT_LESSONS_DIR
    assert (settings.DEFAULT_LESSONS_DIR / "course.toml").is_file()


def test_database_url_is_none_unless_set():
    assert settings.database_url({}) is None
    url = "postgresql://u@127.0.0.1:5432/room"
    assert settings.database_url({"WORKSHOP_DATABASE_URL": url}) == url


def test_instructor_code_prefers_the_environment_then_the_secrets_file(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('instructor_code = " from-secrets-file "\n', encoding="utf-8")
    files = (tmp_path / "missing.toml", secrets)
    env = {"WORKSHOP_INSTRUCTOR_CODE": " env-code\n"}
    assert settings.instructor_code(env, files) == "env-code"
    assert settings.instructor_code({}, files) == "from-secrets-file"
    blank = {"WORKSHOP_INSTRUCTOR_CODE": "  "}
    assert settings.instructor_code(blank, files) == "from-secrets-file"
    assert settings.instructor_code({}, (tmp_path / "missing.toml",)) is None


def test_a_broken_or_non_string_secret_is_passed_over(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("instructor_code = = nope", encoding="utf-8")
    number = tmp_path / "number.toml"
    number.write_text("instructor_code = 1234\n", encoding="utf-8")
    good = tmp_path / "good.toml"
    good.write_text('instructor_code = "ok-code"\n', encoding="utf-8")
    assert settings.instructor_code({}, (broken, number, good)) == "ok-code"
    assert settings.secret("instructor_code", (broken, number)) is None


def test_run_slots_is_a_whole_number_from_1_to_64_else_the_default():
    assert settings.run_slots({}) == settings.DEFAULT_RUN_SLOTS
    assert settings.run_slots({"WORKSHOP_RUN_SLOTS": " 3 "}) == 3
    assert settings.run_slots({"WORKSHOP_RUN_SLOTS": "64"}) == 64
    for unusable in ("0", "65", "-1", "two", "1.5", ""):
        assert settings.run_slots({"WORKSHOP_RUN_SLOTS": unusable}) == settings.DEFAULT_RUN_SLOTS
