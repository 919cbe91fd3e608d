"""Each export read back by its real consumer library: ids, text and audio round-trip."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import soundfile as sf

from synth_assets.core.audio import from_flac
from synth_assets.core.audio_quality import flac_quality
from synth_assets.core.storage import LocalStore
from synth_assets.release.export import assistant_channel, export_release
from synth_assets.release.rows import release_rows
from synth_assets.release.versions import ReleaseError, create_release, release_part_keys
from synth_assets.tts.policy import VoicePolicy
from tests.release.samples import LABELS, standard_rows, store_fixture, voiced_conversations, write_dataset  # noqa: F401

IDS = {r["id"] for r in standard_rows()}
AUDIO = {r["id"]: from_flac(r["audio"])[0] for r in standard_rows()}
TEXT = {r["id"]: r["text"] for r in standard_rows()}


@pytest.fixture
def released(store):
    create_release(store, "v1", rate_mos=False)
    return store


def dominant_hz(channel: np.ndarray, rate: int = 24000) -> float:
    spectrum = np.abs(np.fft.rfft(channel))
    return float(np.fft.rfftfreq(channel.size, 1 / rate)[np.argmax(spectrum)])


def test_hf_export_loads_with_datasets_as_audio_with_the_same_ids_and_text(released, tmp_path):
    import datasets

    export_release(released, "v1", "hf", tmp_path / "out")
    dataset = datasets.load_dataset("parquet", data_dir=str(tmp_path / "out" / "hf" / "data"), split="train")
    assert isinstance(dataset.features["audio"], datasets.Audio)
    assert dataset.features["audio"].sampling_rate == 24000
    # Decoding needs torchcodec and FFmpeg, which this machine lacks: read the undecoded bytes instead.
    rows = dataset.cast_column("audio", datasets.Audio(decode=False))
    assert set(rows["id"]) == IDS
    for row in rows:
        assert row["text"] == TEXT[row["id"]]
        audio, _rate = sf.read(io.BytesIO(row["audio"]["bytes"]), dtype="float32")
        np.testing.assert_allclose(audio, AUDIO[row["id"]], atol=1e-4)
        assert row["is_mono"] == (audio.ndim == 1)


def test_webdataset_export_reads_one_sample_per_id_with_flac_and_json(released, tmp_path):
    import webdataset as wds

    export_release(released, "v1", "webdataset", tmp_path / "out")
    shards = sorted(str(p) for p in (tmp_path / "out" / "webdataset").glob("*.tar"))
    samples = list(wds.WebDataset(shards, shardshuffle=False))
    assert len(samples) == len(IDS)
    for sample in samples:
        meta = json.loads(sample["json"])
        assert "." not in sample["__key__"] and meta["text"] == TEXT[meta["id"]]
        audio, _ = sf.read(io.BytesIO(sample["flac"]), dtype="float32")
        np.testing.assert_allclose(audio, AUDIO[meta["id"]], atol=1e-4)


def test_nemo_manifest_has_relative_audio_durations_text_and_turn_offsets(released, tmp_path):
    export_release(released, "v1", "nemo", tmp_path / "out")
    folder = tmp_path / "out" / "nemo"
    lines = [json.loads(line) for line in (folder / "manifest.jsonl").read_text().splitlines()]
    assert {line["id"] for line in lines} == IDS
    for line in lines:
        info = sf.info(folder / line["audio_filepath"])
        assert not line["audio_filepath"].startswith("/") and line["text"]
        assert line.get("offset", 0) + line["duration"] <= info.duration + 1e-3
    assistant = next(line for line in lines if line["id"] == "dlg-old" and line["role"] == "assistant")
    assert (assistant["offset"], assistant["text"]) == (1.2, "no it is blue")
    audio, rate = sf.read(folder / assistant["audio_filepath"])
    span = audio[int(assistant["offset"] * rate): int((assistant["offset"] + assistant["duration"]) * rate)]
    assert dominant_hz(span) == pytest.approx(600, abs=5)  # the assistant's voice, whatever the layout


def test_nemo_turn_lines_carry_the_conversation_labels_and_clips_none(released, tmp_path):
    export_release(released, "v1", "nemo", tmp_path / "out")
    lines = [json.loads(line) for line in (tmp_path / "out" / "nemo" / "manifest.jsonl").read_text().splitlines()]
    labelled = [line for line in lines if line["id"] == "dlg-new"]
    assert len(labelled) == 2 and all({k: line[k] for k in LABELS} == LABELS for line in labelled)
    assert not any("turn_taking" in line for line in lines if line["id"] != "dlg-new")


def test_lhotse_manifests_load_with_word_alignments_and_the_same_audio(released, tmp_path):
    import lhotse

    export_release(released, "v1", "lhotse", tmp_path / "out")
    folder = tmp_path / "out" / "lhotse"
    cuts = lhotse.load_manifest(folder / "cuts.jsonl.gz").with_recording_path_prefix(str(folder))
    recordings = lhotse.load_manifest(folder / "recordings.jsonl.gz")
    supervisions = lhotse.load_manifest(folder / "supervisions.jsonl.gz")
    assert {c.id for c in cuts} == IDS == {r.id for r in recordings}
    clip = cuts["clip-a"]
    assert clip.supervisions[0].text == "words of clip-a"
    word = clip.supervisions[0].alignment["word"][0]
    assert (word.symbol, word.start, word.duration) == ("words", 0.1, 0.3)
    np.testing.assert_allclose(clip.load_audio()[0], AUDIO["clip-a"], atol=1e-4)
    conversation = cuts["dlg-new"]
    agent = next(s for s in conversation.supervisions if s.speaker == "agent")
    assert agent.channel == 0 and agent.text == "no it is blue"  # stored assistant-left
    old_agent = next(s for s in supervisions if s.recording_id == "dlg-old" and s.speaker == "agent")
    assert old_agent.channel == 1  # stored user-left
    assert conversation.load_audio().shape == (2, AUDIO["dlg-new"].shape[0])
    assert {k: conversation.custom[k] for k in LABELS} == LABELS  # the turn-taking labels, as Lhotse reads them
    assert "turn_taking" not in cuts["dlg-old"].custom and "backchannels" not in clip.custom


@pytest.mark.parametrize("conversation_id", ["dlg-old", "dlg-new"])
def test_moshi_export_puts_the_assistant_on_channel_0_whatever_the_stored_layout(released, tmp_path, conversation_id):
    export_release(released, "v1", "moshi", tmp_path / "out")
    folder = tmp_path / "out" / "moshi"
    manifest = [json.loads(line) for line in (folder / "manifest.jsonl").read_text().splitlines()]
    assert len(manifest) == 2  # conversations only
    entry = next(m for m in manifest if conversation_id in m["path"])
    audio, rate = sf.read(folder / entry["path"])
    assert rate == 24000 and audio.shape[1] == 2
    assert entry["duration"] == audio.shape[0] / rate
    # Assistant speaks 1.2-2.2 s at 600 Hz, the user 0-1 s at 300 Hz.
    assert dominant_hz(audio[int(1.2 * rate): int(2.2 * rate), 0]) == pytest.approx(600, abs=5)
    assert dominant_hz(audio[: rate, 1]) == pytest.approx(300, abs=5)
    assert np.abs(audio[: rate, 0]).max() < 1e-3
    alignments = json.loads((folder / entry["path"]).with_suffix(".json").read_text())["alignments"]
    starts = [a[1][0] for a in alignments]
    assert starts == sorted(starts)
    main = [a[0] for a in alignments if a[2] == "SPEAKER_MAIN"]
    assert main == ["no", "it", "is", "blue"]
    assert all(1.2 <= a[1][0] < a[1][1] <= 2.2 for a in alignments if a[2] == "SPEAKER_MAIN")
    labels = json.loads((folder / entry["path"]).with_suffix(".json").read_text())["labels"]
    assert labels == (LABELS if conversation_id == "dlg-new" else {})


def test_an_export_into_a_folder_holding_another_release_is_refused(released, tmp_path):
    create_release(released, "v2", rate_mos=False)
    export_release(released, "v1", "nemo", tmp_path / "out")
    before = sorted(p.relative_to(tmp_path) for p in (tmp_path / "out").rglob("*"))
    with pytest.raises(ReleaseError, match="holds an export of release 'v1'"):
        export_release(released, "v2", "hf", tmp_path / "out")
    assert sorted(p.relative_to(tmp_path) for p in (tmp_path / "out").rglob("*")) == before
    export_release(released, "v1", "hf", tmp_path / "out")  # the same release, another format: fine


def test_an_export_of_a_release_with_a_corrupted_part_names_the_part(released, tmp_path):
    key = release_part_keys(released, "v1")[0]
    released.write_bytes(key, b"not parquet at all")
    with pytest.raises(ReleaseError, match=re.escape(key)):
        export_release(released, "v1", "webdataset", tmp_path / "out")


@pytest.fixture
def voiced_release(tmp_path, tone_voices):
    """A release holding one conversation voiced for real, with its stored word times."""
    female, male, assistant = tone_voices
    store = LocalStore(tmp_path / "data")
    voiced_conversations(store, VoicePolicy(user_voices=(female, male), assistant_voice=assistant, workers=1), 1)
    conversation = next(release_rows(store, ["wikipedia/2026-11-01/a"], max_wer=0.25))
    write_dataset(store, [{**conversation, **flac_quality(conversation["audio"])}])
    create_release(store, "v1", rate_mos=False)
    return store, conversation


def stored_words(conversation: dict, role: str) -> list[tuple[str, float, float]]:
    return [(w["word"], w["start"], w["end"]) for w in json.loads(conversation[f"words_{role}"])]


def test_moshi_alignments_are_the_stored_word_times_of_each_channel(voiced_release, tmp_path):
    store, conversation = voiced_release
    export_release(store, "v1", "moshi", tmp_path / "out")
    (aligned,) = (tmp_path / "out" / "moshi" / "audio").glob("*.json")
    alignments = json.loads(aligned.read_text())["alignments"]
    for role, speaker in (("assistant", "SPEAKER_MAIN"), ("user", "SPEAKER_USER")):
        words = [(w, s, e) for w, (s, e), who in alignments if who == speaker]
        assert words == stored_words(conversation, role) and words


def test_lhotse_word_alignments_are_the_stored_word_times_of_each_turn(voiced_release, tmp_path):
    import lhotse

    store, conversation = voiced_release
    export_release(store, "v1", "lhotse", tmp_path / "out")
    (cut,) = lhotse.load_manifest(tmp_path / "out" / "lhotse" / "cuts.jsonl.gz")
    for role, speaker in (("assistant", "agent"), ("user", "user")):
        words = [(item.symbol, item.start, round(item.start + item.duration, 3))
                 for supervision in cut.supervisions if supervision.speaker == speaker
                 for item in supervision.alignment["word"]]
        assert words == stored_words(conversation, role) and words


def test_a_release_cut_before_the_word_columns_exports_with_estimated_word_times(released, tmp_path):
    (key,) = release_part_keys(released, "v1")
    path = Path(released.root) / key
    pq.write_table(pq.read_table(path).drop_columns(["words_assistant", "words_user"]), path)
    export_release(released, "v1", "moshi", tmp_path / "out")
    entry = next((tmp_path / "out" / "moshi" / "audio").glob("dlg-new*.json"))
    main = [a[0] for a in json.loads(entry.read_text())["alignments"] if a[2] == "SPEAKER_MAIN"]
    assert main == ["no", "it", "is", "blue"]


@pytest.mark.parametrize(("layout", "channel"), [("assistant-left", 0), ("assistant,user", 0), ("user-left", 1),
                                                 ("user,assistant", 1), (None, 1)])
def test_the_assistant_channel_follows_the_layout_as_either_spelling_names_it(layout, channel):
    assert assistant_channel({"id": "d", "channel_layout": layout}) == channel


def test_conversation_words_are_the_times_stored_with_each_turn_and_spread_only_for_older_rows():
    from synth_assets.release.export import turn_words

    cut = {"role": "assistant", "spoken": "yes it rises in the warm", "start": 1.0, "end": 2.0, "interrupted": True,
           "words": [{"word": "yes", "start": 1.1, "end": 1.3}, {"word": "it", "start": 1.35, "end": 1.5}]}
    user = {"role": "user", "spoken": "does it rise", "start": 1.8, "end": 2.6,
            "words": [{"word": "does", "start": 1.85, "end": 2.0}, {"word": "it", "start": 2.0, "end": 2.1},
                      {"word": "rise", "start": 2.1, "end": 2.5}]}
    assert turn_words({"turns": json.dumps([cut, user])}) == [
        ("yes", 1.1, 1.3, "assistant"), ("it", 1.35, 1.5, "assistant"), ("does", 1.85, 2.0, "user"),
        ("it", 2.0, 2.1, "user"), ("rise", 2.1, 2.5, "user")]  # the words cut off are not there
    old = {"role": "user", "spoken": "is it", "start": 0.0, "end": 0.6}
    assert turn_words({"turns": json.dumps([old])}) == [("is", 0.0, 0.3, "user"), ("it", 0.3, 0.6, "user")]
