"""Every script fails the same way: the cause in its log and on the console, no traceback."""

import re
import logging
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from f5flow import errors, rulescript
from f5flow.errors import F5flowError

from conftest import REPO


@pytest.fixture
def job(tmp_path):
    stderr = sys.stderr
    yield SimpleNamespace(log=[str(tmp_path / "job.log")], rule="some_rule")
    sys.stderr = stderr  # rulescript points it at the job's log
    logging.basicConfig(force=True)


def test_fixable_error_fails_the_job_with_its_message(job, tmp_path, monkeypatch, capfd):
    monkeypatch.chdir(tmp_path)  # the project folder, where jobs run
    at_exit = []
    monkeypatch.setattr(errors.atexit, "register", lambda *call: at_exit.append(call))
    errors.say_causes_at_exit()  # (as the Snakemake the user started does)
    with pytest.raises(SystemExit) as stop:
        with rulescript.run(job):
            raise F5flowError("config key x: use y")
    assert stop.value.code == 1
    log = Path(job.log[0]).read_text()
    assert "config key x: use y" in log and "Traceback" not in log
    [(say, folder)] = at_exit
    say(folder)  # at the Snakemake's exit: the last lines
    said = capfd.readouterr().err.rstrip().splitlines()
    assert said[-2:] == ["f5flow: the run stopped because of", "some_rule: config key x: use y"]
    errors.say_causes_at_exit()  # the next run starts with none
    assert not list((tmp_path / errors.CAUSES).iterdir())


def test_a_bug_keeps_its_traceback(job, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ZeroDivisionError):
        with rulescript.run(job):
            1 / 0
    [cause] = (tmp_path / errors.CAUSES).iterdir()  # the run's last lines name it and the log
    said = cause.read_text()
    assert said.startswith("some_rule: ZeroDivisionError: division by zero (a bug in f5flow")
    assert job.log[0] in said


def test_every_script_runs_inside_rulescript():
    scripts = sorted((REPO / "scripts").glob("*.py"))
    assert scripts
    for script in scripts:
        assert re.search(r"with rulescript.run\(snakemake(, collect_cycles=False)?\):", script.read_text()), script.name


def test_every_rule_has_its_script_named_after_it():
    rules = REPO / "rules"
    text = "\n".join(p.read_text() for p in rules.glob("*.smk"))
    for script in (REPO / "scripts").glob("*.py"):
        assert re.search(rf"^(rule|checkpoint) {script.stem}:", text, re.M), f"scripts/{script.name} is named after no rule"
