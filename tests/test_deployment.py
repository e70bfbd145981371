"""The scheduled deployment: it loads without a server, with the schedule and parameters the
README documents, and its parameters fit the flow's signature and parameter schema."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import jsonschema
import pytest

from flows.build import build_dataset, deployment
from flows.cli import DEFAULT_CRON, DEPLOYMENT_NAME, parse_serve_args
from tests.conftest import ROOT, SEEDS

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_deployment_has_the_readme_schedule_and_parameters() -> None:
    served = deployment(parse_serve_args([]))
    assert served.name == DEPLOYMENT_NAME and served.flow_name == build_dataset.name
    assert [s.schedule.cron for s in served.schedules] == [DEFAULT_CRON]
    assert f"`{DEFAULT_CRON}`" in README and f"build-news-dataset/{DEPLOYMENT_NAME}" in README
    assert served.parameters["input_dir"] == str(SEEDS)
    documented = set(re.findall(r"^\| `(\w+)` \| [^|]+ \| `--", README, flags=re.MULTILINE))
    assert documented == set(served.parameters) == set(inspect.signature(build_dataset.fn).parameters)
    jsonschema.validate(served.parameters, served._parameter_openapi_schema.model_dump())


def test_serve_options_become_parameters_and_schedule(tmp_path: Path) -> None:
    options = ["--cron", "*/15 * * * *", "--batch-size", "50", "--text-field", "body"]
    served = deployment(
        parse_serve_args(["--input", str(tmp_path), "--output", str(tmp_path / "out"), *options])
    )
    assert [s.schedule.cron for s in served.schedules] == ["*/15 * * * *"]
    assert served.parameters["output_dir"] == str(tmp_path / "out")
    assert served.parameters["batch_size"] == 50
    assert served.parameters["fields"]["text"] == "body"
    jsonschema.validate(served.parameters, served._parameter_openapi_schema.model_dump())


def test_a_served_deployment_runs_its_tasks_here(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_serve_args(["--dask-address", "tcp://scheduler:8786"])
    assert "--dask-address is for one-off runs" in capsys.readouterr().err
