"""`synth plan` measures a landing zone's text with the text stages' own functions and turns it into
clips, audio hours and time, before anything runs."""

from __future__ import annotations

import json
import shutil

from conftest import LAKE_TEXT, mediawiki_xml, write_tiny_landing

from resources.storage import LocalStorage
from synth_assets import settings
from synth_assets.cli import main
from synth_assets.drivers import plan


REWRITTEN_CLOCK = ("'''The tower clock''' was taken down for repair last winter. A team of three volunteers "
                   "replaced its worn gears with new bronze ones cast in a foundry near the coast, and the town "
                   "council paid for a quieter bell. It struck again on the first of March, to loud applause.")


def _rates(pool: str = "default") -> plan.Rates:
    return plan.default_rates(plan.measure_text(LocalStorage(root=str(settings.SAMPLE_LANDING)), None), pool)


def test_a_later_snapshot_costs_only_its_changed_documents(tmp_path):
    landing = write_tiny_landing(tmp_path / "landing")
    later = landing / "wikipedia" / "2026-12-01"
    later.mkdir()
    (later / "pages.xml").write_text(mediawiki_xml(
        [("Lake Orvin", LAKE_TEXT), ("Tower clock", REWRITTEN_CLOCK)]))
    plans = {p.key: p for p in plan.measure_text(LocalStorage(root=str(landing)), None)}
    first, second = plans["wikipedia/2026-11-01/pages.xml"], plans["wikipedia/2026-12-01/pages.xml"]
    assert (first.new, first.changed, first.unchanged) == (3, 0, 0) and first.segments > 0
    assert (second.new, second.changed, second.unchanged) == (0, 1, 1)
    assert 0 < second.voiced_chars < first.voiced_chars, "only the changed clock article is voiced again"
    assert plans["alpaca/2026-11-01/alpaca.json"].instruction_documents == 2


def test_an_unreadable_file_is_named_and_the_rest_is_planned(tmp_path):
    landing = write_tiny_landing(tmp_path / "landing")
    junk = landing / "broken" / "2026-11-01"
    junk.mkdir(parents=True)
    (junk / "dump.bin").write_bytes(b"\x00\x9f not a dump format")
    plans = plan.measure_text(LocalStorage(root=str(landing)), None)
    plan.estimate(plans, _rates())
    result = plan.report(plans, _rates(), workers=2)
    assert list(result["unreadable"]) == ["broken/2026-11-01/dump.bin"]
    assert "dump.bin" in result["unreadable"]["broken/2026-11-01/dump.bin"]
    assert result["to_run"] == 3 and result["clips"] > 0


def test_more_workers_never_take_longer_and_never_less_than_the_largest_partition(tmp_path):
    plans = plan.measure_text(LocalStorage(root=str(settings.SAMPLE_LANDING)), None)
    plan.estimate(plans, _rates())
    one, two, eight = (plan.wall_seconds(plans, n, cores=2) for n in (1, 2, 8))
    assert one > two == eight  # two cores: workers beyond two add nothing
    largest = max(sum(s for stage, s in p.step_s.items() if stage in plan.SPEECH_STAGES) for p in plans)
    assert two >= largest


def test_the_fast_pool_is_estimated_cheaper_than_the_default_one():
    plans = plan.measure_text(LocalStorage(root=str(settings.SAMPLE_LANDING)), None)
    plan.estimate(plans, _rates("default"))
    default = plan.wall_seconds(plans, 1)
    plan.estimate(plans, _rates("fast"))
    assert plan.wall_seconds(plans, 1) < default / 2
    assert plan.pool_name(["piper-joe", "flite-slt"]) == "fast"
    assert plan.pool_name(["piper-joe", "kokoro-gongitsune"]) == "default"


def test_the_command_answers_from_defaults_on_a_fresh_machine(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "no_instance"))
    landing = write_tiny_landing(tmp_path / "landing")
    assert main(["--data", str(tmp_path / "no_data"), "plan", "--landing", str(landing), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["partitions"] == 3 and result["stored"] == 0
    assert {info["from"] for info in result["rates"].values()} == {"default"}
    assert result["audio_hours"] > 0 and result["wall_s"]["1"] > result["wall_s"]["2"] > 0


def test_the_command_explains_a_missing_landing_and_an_unknown_partition(tmp_path, capsys):
    assert main(["plan", "--landing", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err
    landing = write_tiny_landing(tmp_path / "landing")
    assert main(["plan", "--landing", str(landing), "--partitions", "wikipedia/2026-11-01/nope.xml"]) == 2
    assert "not a partition" in capsys.readouterr().err
    shutil.rmtree(landing)
    landing.mkdir()
    assert main(["plan", "--landing", str(landing)]) == 2
    assert "no dump files" in capsys.readouterr().err
