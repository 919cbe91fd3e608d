"""A model stage's materialization is an MLflow run: its models, settings and figures, with the run id
in the Dagster metadata; a partition reused unchanged logs nothing new. While it runs, the step
reports its progress to the command watching it."""

from __future__ import annotations

import mlflow
from dagster import materialize

from resources.storage import LocalStorage
from resources.voices import TTSVoices
from synth_assets.assets.speech import tts_audio
from tests.helpers import stored_spoken_text
from synth_assets.core.progress import DONE, REUSED, read_steps
from synth_assets.orchestration.stage import STAGE_EXPERIMENT

KEY = "tests/2026-11-01/tracked.jsonl"


def test_a_tts_materialization_is_logged_as_an_mlflow_run(tmp_path, monkeypatch, tone_voices):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("SYNTH_MLFLOW", "1")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("SYNTH_PROGRESS_DIR", str(tmp_path / "progress"))
    store = LocalStorage(root=str(tmp_path / "data"))
    instance = stored_spoken_text(store, KEY, 4)
    voices = TTSVoices(user_voices=tone_voices[:2], assistant_voice=tone_voices[2], workers=1)

    def run():
        result = materialize([tts_audio], partition_key=KEY, instance=instance,
                             resources={"store": store, "voices": voices})
        (event,) = result.asset_materializations_for_node("tts_audio")
        return {key: getattr(value, "value", value) for key, value in event.metadata.items()}

    first = run()
    (made,) = read_steps(tmp_path / "progress")  # what `synth materialize` shows of the step
    assert (made.asset, made.partition, made.state, made.done, made.total) == ("tts_audio", KEY, DONE, 4, 4)
    assert made.audio_s > 0 and made.quarantine_path.endswith("quarantine/tts_audio")
    client = mlflow.MlflowClient(tracking_uri=uri)
    logged = client.get_run(first["mlflow_run_id"])
    assert logged.data.params["asset"] == "tts_audio" and logged.data.params["partition"] == KEY
    assert all(voice in logged.data.params["voices"] for voice in tone_voices[:2])  # the voices and their model hashes
    assert logged.data.metrics["clips"] == 4 and logged.data.metrics["checks_passed"] == 1.0
    second = run()  # unchanged: reused, and still names the run that made the parts
    assert sorted(step.state for step in read_steps(tmp_path / "progress")) == [DONE, REUSED]
    assert second["reused_stored_parts"] and second["mlflow_run_id"] == first["mlflow_run_id"]
    experiment = client.get_experiment_by_name(STAGE_EXPERIMENT)
    assert len(client.search_runs([experiment.experiment_id])) == 1
