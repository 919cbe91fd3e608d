"""Real recordings: audio batches, the sensor, utterance cutting, bad files, and the two assets end to end
on files these tests write (TTS speech placed where we know it is)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr
from dagster import DagsterInstance, build_sensor_context, materialize

from resources.storage import LocalStorage
from synth_assets.core import parts
from synth_assets.core.audio_input import BadAudio
from synth_assets.recordings.batches import AudioBatch, plan_batches
from synth_assets.recordings.decode import scan
from synth_assets.recordings.synthetic import speak, write_call
from synth_assets.recordings.utterances import Segmentation, utterances
from synth_assets.recordings.vad import FRAME_SECONDS

CALL = [
    (0, "The invoice for my electricity account arrived twice this month."),
    (1, "I can see the duplicate payment, and the refund will reach your bank on Friday."),
    (0, "Wonderful, thank you for checking the electricity invoice so quickly."),
    (1, "You are welcome. The refund reference is in the email we sent you."),
]
LEFT_WORDS, RIGHT_WORDS = {"invoice", "electricity"}, {"refund", "friday", "payment"}
BATCH = "helpdesk/2026-05@part-001"


# ---------------------------------------------------------------- partitions and the sensor

def test_folders_become_numbered_groups_that_never_nest():
    keys = ["calls/_collection.json", "calls/root.wav", "calls/2026-05/b.wav", "calls/2026-05/a.wav",
            "calls/2026-05/c.mp3", "calls/2026-05/.upload.wav.part", "calls/2026-05/late/x.flac", "stray.wav"]
    batches = plan_batches(keys, per_partition=2)
    assert batches == {
        "calls/2026-05@part-001": ["calls/2026-05/a.wav", "calls/2026-05/b.wav"],
        "calls/2026-05@part-002": ["calls/2026-05/c.mp3"],
        "calls/2026-05/late@part-001": ["calls/2026-05/late/x.flac"],
        "calls@part-001": ["calls/root.wav"],
    }
    # No key is a folder of another one (a stage's parts live under <asset>/<key>/).
    assert not any(a != b and b.startswith(a + "/") for a in batches for b in batches)
    batch = AudioBatch.parse("calls/2026-05/late@part-001")
    assert (batch.collection, batch.subfolder, batch.index) == ("calls", "2026-05/late", 0)
    assert str(batch) == "calls/2026-05/late@part-001"
    assert AudioBatch.parse("calls@part-012").subfolder == "" and AudioBatch.parse("calls@part-012").index == 11
    with pytest.raises(ValueError):
        AudioBatch.parse("calls/2026-05")


def test_sensor_registers_new_batches_and_reruns_only_the_group_that_grew(tmp_path, monkeypatch):
    from synth_assets.orchestration.automation import audio_landing_sensor, recordings_job

    monkeypatch.setenv("SYNTH_AUDIO_FILES_PER_PARTITION", "2")
    folder = tmp_path / "calls" / "2026-05"
    folder.mkdir(parents=True)
    for name in ("0001.wav", "0002.wav", "0003.wav"):
        (folder / name).write_bytes(b"RIFF")  # the sensor only lists names
    instance = DagsterInstance.ephemeral()
    context = build_sensor_context(instance=instance, resources={"audio_landing": LocalStorage(root=str(tmp_path))})

    first = audio_landing_sensor(context)
    assert first.dynamic_partitions_requests[0].partition_keys == ["calls/2026-05@part-001", "calls/2026-05@part-002"]
    assert [r.partition_key for r in first.run_requests] == ["calls/2026-05@part-001", "calls/2026-05@part-002"]
    instance.add_dynamic_partitions("audio_batches", ["calls/2026-05@part-001", "calls/2026-05@part-002"])

    (folder / "0004.wav").write_bytes(b"RIFF")  # a new recording, sorting last
    second = audio_landing_sensor(context)
    assert second.dynamic_partitions_requests == []
    before = {r.partition_key: r.run_key for r in first.run_requests}
    after = {r.partition_key: r.run_key for r in second.run_requests}
    assert after["calls/2026-05@part-001"] == before["calls/2026-05@part-001"], "a full group keeps its run key"
    assert after["calls/2026-05@part-002"] != before["calls/2026-05@part-002"], "the grown group runs again"
    assert recordings_job.name == "recordings_pipeline"


def test_the_crawl_pipeline_leaves_recordings_to_their_own_job():
    from synth_assets.definitions import make_defs

    defs = make_defs()
    def assets_of(job: str) -> set[str]:
        return {k.to_user_string() for k in defs.resolve_job_def(job).asset_layer.executable_asset_keys}

    crawl, recordings = assets_of("synth_pipeline"), assets_of("recordings_pipeline")
    assert recordings == {"recorded_speech", "recording_labels"} and not crawl & recordings


# ---------------------------------------------------------------- cutting utterances

def _frames(seconds: float) -> int:
    return int(round(seconds / FRAME_SECONDS))


def test_utterances_merge_short_pauses_split_long_speech_at_its_quietest_point_and_drop_blips():
    probabilities = np.zeros(_frames(80), np.float32)
    probabilities[_frames(1):_frames(4)] = 0.9  # a turn with a short pause...
    probabilities[_frames(4.4):_frames(6)] = 0.9  # ...joins the next region
    probabilities[_frames(10):_frames(10.1)] = 0.9  # a click: too short for speech
    probabilities[_frames(20):_frames(62)] = 0.95  # 42 s without a pause...
    probabilities[_frames(41):_frames(41.2)] = 0.4  # ...but one softer moment
    spans = utterances(probabilities, 80.0, Segmentation())
    assert [(round(s.start, 1), round(s.end, 1)) for s in spans][0] == (0.8, 6.2)
    long = spans[1:]
    assert len(long) == 2 and all(s.seconds <= 28.0 for s in long)
    assert 41.0 <= long[0].end <= 41.2 and long[1].start == long[0].end, "cut at the soft moment, nothing lost"
    assert utterances(np.zeros(_frames(30), np.float32), 30.0) == []


# ---------------------------------------------------------------- bad files, one by one

def _tone(rate: int, seconds: float = 1.0, channels: int = 1) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    wave = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    return np.repeat(wave[:, None], channels, axis=1) if channels > 1 else wave


def write_bad_files(folder: Path) -> dict[str, str]:
    """Bad files and the words their quarantine reason must contain."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "empty.wav").write_bytes(b"")
    sf.write(folder / "whole.wav", _tone(16000, 2.0), 16000, subtype="PCM_16")
    data = (folder / "whole.wav").read_bytes()
    (folder / "truncated.wav").write_bytes(data[: len(data) // 2])
    (folder / "whole.wav").unlink()
    sf.write(folder / "whole.flac", _tone(16000, 3.0), 16000)
    data = (folder / "whole.flac").read_bytes()
    (folder / "corrupt.flac").write_bytes(data[:200] + bytes(range(256)) * 8 + data[2500:])
    (folder / "whole.flac").unlink()
    nan = _tone(16000, 2.0)
    nan[16000:16100] = np.nan
    sf.write(folder / "nan.wav", nan, 16000, subtype="FLOAT")
    (folder / "notes.txt").write_text("call notes: customer wants a refund\n")
    sf.write(folder / "surround.wav", _tone(16000, 1.0, channels=6), 16000, subtype="PCM_16")
    sf.write(folder / "infrasonic.wav", _tone(4000, 1.0), 4000, subtype="PCM_16")
    return {"empty.wav": "zero bytes", "truncated.wav": "truncated", "corrupt.flac": "undecodable",
            "nan.wav": "NaN", "notes.txt": "not audio", "surround.wav": "6 channels",
            "infrasonic.wav": "sample rate 4000"}


def test_each_kind_of_bad_file_gets_a_reason(tmp_path):
    expected = write_bad_files(tmp_path)
    for name, words in expected.items():
        with pytest.raises(BadAudio, match=words):
            scan(tmp_path / name)
    assert "1.00 s" in _reason(tmp_path / "nan.wav"), "the reason says where the first NaN is"


def _reason(path: Path) -> str:
    try:
        scan(path)
    except BadAudio as error:
        return str(error)
    return ""


def test_silence_is_no_speech_and_a_stereo_file_of_one_signal_twice_is_read_as_mono(tmp_path):
    quiet = np.random.default_rng(1).standard_normal(16000 * 4).astype(np.float32) * 1e-3
    sf.write(tmp_path / "silence.wav", quiet, 16000, subtype="PCM_16")
    recording = scan(tmp_path / "silence.wav")
    assert utterances(recording.probabilities[0], recording.duration_s) == []
    voice = speak("A stereo file that carries the same voice on both channels.", seed=3)
    sf.write(tmp_path / "twice.wav", np.stack([voice, voice], axis=1), 24000, subtype="PCM_16")
    twice = scan(tmp_path / "twice.wav")
    assert twice.layout == ("mono",) and twice.channels == 2 and "identical" in twice.note
    assert utterances(twice.probabilities[0], twice.duration_s)


# ---------------------------------------------------------------- end to end, with Whisper

@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    """A landing zone with one folder: an 8 kHz telephone call, an MP3 at 44.1 kHz, a FLAC at 22.05 kHz,
    a file of silence, and every kind of bad file."""
    root = tmp_path_factory.mktemp("audio_landing")
    folder = root / "helpdesk" / "2026-05"
    (root / "helpdesk").mkdir()
    (root / "helpdesk" / "_collection.json").write_text(json.dumps({"license": "CC-BY-4.0"}))
    turns = write_call(folder / "call-0001.wav", CALL, rate=8000, pause_s=2.0)
    mp3 = speak("The meeting about the garden fence moved to Thursday afternoon.", seed=11)
    sf.write(folder / "voicemail.mp3", soxr.resample(mp3, 24000, 44100, quality="VHQ"), 44100, format="MP3")
    flac = speak("Please call the library back about the overdue atlas.", seed=12)
    sf.write(folder / "message.flac", soxr.resample(flac, 24000, 22050, quality="VHQ"), 22050, subtype="PCM_16")
    quiet = np.random.default_rng(2).standard_normal(8000 * 6).astype(np.float32) * 1e-3
    sf.write(folder / "silence.wav", quiet, 8000, subtype="PCM_16")
    bad = write_bad_files(folder)
    return {"root": root, "turns": turns, "bad": bad}


@pytest.fixture(scope="module")
def materialized(collection, tmp_path_factory):
    from resources.asr import WhisperASR
    from synth_assets.assets.recordings import recorded_speech, recording_labels

    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("audio_batches", [BATCH])
    store = LocalStorage(root=str(tmp_path_factory.mktemp("data")))
    resources = {"audio_landing": LocalStorage(root=str(collection["root"])), "store": store, "asr": WhisperASR()}
    result = materialize([recorded_speech, recording_labels], partition_key=BATCH, resources=resources,
                         instance=instance)
    return {"result": result, "store": store, "instance": instance, "resources": resources}



def _metadata(result, asset: str) -> dict:
    event = next(e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == asset)
    return {k: getattr(v, "value", v) for k, v in event.materialization.metadata.items()}


@pytest.mark.slow
def test_bad_files_are_quarantined_by_name_and_the_good_ones_complete(collection, materialized):
    result, store = materialized["result"], materialized["store"]
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    quarantined = {Path(q["file"]).name: q for q in parts.read_rows(store, "quarantine", f"recorded_speech/{BATCH}")}
    for name, words in collection["bad"].items():
        assert words in quarantined[name]["reason"], (name, quarantined[name]["reason"])
        assert quarantined[name]["file"] == f"helpdesk/2026-05/{name}"
    assert "no speech" in quarantined["silence.wav"]["reason"]
    rows = parts.read_table(store, "recorded_speech", BATCH, columns=["file", "source_rate", "license"]).to_pylist()
    assert {Path(r["file"]).name: r["source_rate"] for r in rows} == {
        "call-0001.wav": 8000, "voicemail.mp3": 44100, "message.flac": 22050}
    assert {r["license"] for r in rows} == {"CC-BY-4.0"}
    metadata = _metadata(result, "recorded_speech")
    assert metadata["files"] == 11 and metadata["files_quarantined"] == 7 and metadata["files_without_speech"] == 1
    assert metadata["utterances_per_channel"]["left"] == 2 and metadata["utterances_per_channel"]["right"] == 2
    assert metadata["silence_hours_dropped"] > 0


@pytest.mark.slow
def test_each_channel_of_a_call_is_transcribed_on_its_own_where_its_speech_was(collection, materialized):
    store = materialized["store"]
    speech = {r["id"]: r for r in parts.read_rows(store, "recorded_speech", BATCH)}
    labels = [r for r in parts.read_rows(store, "recording_labels", BATCH) if r["file"].endswith("call-0001.wav")]
    assert len(labels) == 4
    for channel, own, other in (("left", LEFT_WORDS, RIGHT_WORDS), ("right", RIGHT_WORDS, LEFT_WORDS)):
        heard = " ".join(r["transcript"] for r in labels if r["channel_name"] == channel).lower()
        assert all(word in heard for word in own) and not any(word in heard for word in other), (channel, heard)
    for label in labels:
        turns = [t for t in collection["turns"] if ["left", "right"][t.channel] == label["channel_name"]]
        # The utterance holds one turn of its own channel and none of the long silence around it.
        turn = next(t for t in turns if label["start_s"] <= t.start + 0.1 and label["end_s"] >= t.end - 0.1)
        assert label["start_s"] >= turn.start - 0.5 and label["end_s"] <= turn.end + 0.5
        words = json.loads(label["words"])
        assert words[0]["file_start"] >= turn.start - 0.3 and words[-1]["file_end"] <= turn.end + 0.3
        assert abs(words[0]["file_start"] - (label["start_s"] + words[0]["start"])) < 0.002
        audio, rate = sf.read(io.BytesIO(speech[label["parent_id"]]["audio"]))
        assert rate == 24_000 and audio.ndim == 1
        assert abs(len(audio) / rate - (label["end_s"] - label["start_s"])) < 0.01
    metadata = _metadata(materialized["result"], "recording_labels")
    assert metadata["mean_confidence"] > 0.7


@pytest.mark.slow
def test_mono_files_at_other_rates_are_transcribed(materialized):
    labels = {Path(r["file"]).name: r for r in parts.read_rows(materialized["store"], "recording_labels", BATCH)}
    assert "garden fence" in labels["voicemail.mp3"]["transcript"].lower()
    assert "library" in labels["message.flac"]["transcript"].lower()
    assert labels["voicemail.mp3"]["channel_name"] == "mono"


@pytest.mark.slow
def test_rerun_reuses_the_parts_and_the_release_carries_recordings_with_lineage(materialized, tmp_path):
    from resources.lineage import LineageStore
    from resources.mix import ConversationMix
    from resources.tracking import ExperimentTracker
    from resources.voices import TTSVoices
    from synth_assets.assets.recordings import recorded_speech, recording_labels
    from synth_assets.assets.release import speech_dataset

    store, instance, resources = materialized["store"], materialized["instance"], materialized["resources"]
    before = parts.read_table(store, "recording_labels", BATCH, columns=["id", "run_id"]).to_pylist()
    again = materialize([recorded_speech, recording_labels], partition_key=BATCH, resources=resources,
                        instance=instance)
    assert _metadata(again, "recorded_speech")["reused_stored_parts"] is True
    assert parts.read_table(store, "recording_labels", BATCH, columns=["id", "run_id"]).to_pylist() == before

    release = materialize([speech_dataset], instance=instance, resources={
        "store": store, "lineage": LineageStore(path=str(tmp_path / "lineage.duckdb")),
        "tracker": ExperimentTracker(tracking_uri="", enabled=False), "voices": TTSVoices(), "mix": ConversationMix()})
    assert release.success
    rows = parts.read_table(store, "speech_dataset", None).to_pylist()
    assert {r["kind"] for r in rows} == {"recording"} and len(rows) == len(before)
    call = [r for r in rows if r["source_document"] == "helpdesk/2026-05/call-0001.wav"]
    assert {r["channel"] for r in call} == {"left", "right"} and all(r["end_s"] > r["start_s"] for r in call)
    assert all(r["text"] == r["transcript"] and r["partition"] == BATCH for r in rows)
    lineage = json.loads(call[0]["lineage"])
    assert lineage["file"] == "helpdesk/2026-05/call-0001.wav" and lineage["source_rate"] == 8000
    # The lineage store walks a released utterance back to the file it was cut from.
    chain = LineageStore(path=str(tmp_path / "lineage.duckdb")).walk(call[0]["id"])
    assert [step["stage"] for step in chain] == ["recorded_speech"]
    assert chain[0]["parent_id"] == "helpdesk/2026-05/call-0001.wav" and chain[0]["source"] == "helpdesk"


def test_recordings_are_read_from_an_s3_prefix(moto_endpoint, tmp_path):
    """The audio landing zone as an S3 prefix (a real moto server): files are listed, hashed and cut
    from temp copies, and a bad file's reason names its key, not the temp copy."""
    import uuid

    import boto3
    from dagster_aws.s3 import S3Resource

    from resources.storage import S3Storage
    from synth_assets.assets.recordings import recorded_speech
    from synth_assets.settings import SAMPLE_RECORDINGS

    bucket = f"audio-{uuid.uuid4().hex[:8]}"
    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=bucket)
    for path in SAMPLE_RECORDINGS.rglob("*"):
        if path.is_file():
            client.upload_file(str(path), bucket, f"audio/{path.relative_to(SAMPLE_RECORDINGS).as_posix()}")
    client.put_object(Bucket=bucket, Key="audio/support-calls/2026-11/broken.wav", Body=b"RIFF\x00\x00")
    s3 = S3Resource(endpoint_url=moto_endpoint, region_name="us-east-1")
    landing = S3Storage(s3=s3, bucket=bucket, prefix="audio")

    from synth_assets.recordings.batches import landing_audio_batches

    batches = landing_audio_batches(landing)
    assert batches == {"support-calls/2026-11@part-001": ["support-calls/2026-11/broken.wav",
                                                          "support-calls/2026-11/call-0001.flac"]}
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("audio_batches", list(batches))
    store = LocalStorage(root=str(tmp_path / "data"))
    key = "support-calls/2026-11@part-001"
    result = materialize([recorded_speech], partition_key=key, instance=instance,
                         resources={"audio_landing": landing, "store": store})
    assert result.success
    rows = parts.read_table(store, "recorded_speech", key, columns=["file", "channel_name", "license"]).to_pylist()
    assert {r["channel_name"] for r in rows} == {"left", "right"} and {r["license"] for r in rows} == {"CC0-1.0"}
    [bad] = parts.read_rows(store, "quarantine", f"recorded_speech/{key}")
    assert bad["file"] == "support-calls/2026-11/broken.wav" and "synth-s3-" not in bad["reason"]
