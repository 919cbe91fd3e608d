"""instruction_dialogues in a real Dagster run: good documents become conversations; an empty, a
non-English instruction and a turn the voice fails on are each skipped with a reason, and the rest of
the partition is rendered."""

from __future__ import annotations

import io
import json
import textwrap

import pytest
import soundfile as sf
from conftest import python_voices
from dagster import DagsterInstance, materialize

from resources.asr import WhisperASR
from resources.mix import ConversationMix
from resources.rewriter import TextRewriter
from resources.storage import LocalStorage
from resources.voices import TTSVoices
from synth_assets.assets.dialogues import instruction_dialogues
from synth_assets.core import names, parts

KEY = "alpaca/2026-11-01/alpaca.json"
# A tone per word; the voice fails on the word "boom", as an engine may fail on one turn.
FRAGILE_ENGINE = textwrap.dedent("""\
    import numpy as np

    def load(threads):
        def speak(text, speed, seed, **variation):
            if "boom" in text.lower():
                raise RuntimeError("engine crashed on this text")
            words = max(1, len(text.split()))
            t = np.arange(int(16000 * 0.3 * words)) / 16000
            return (0.3 * np.sin(2 * np.pi * (150 + seed % 150) * t)).astype(np.float32), 16000
        return speak
""")
DOCUMENTS = [
    ("Give one tip for keeping bread fresh.", "Keep it in a cloth bag at room temperature."),
    ("", "An answer to nothing."),
    ("Écris un poème sur la mer et les bateaux qui partent le matin avec les pêcheurs.", "Un poème."),
    ("Describe a firework.", "It goes boom and lights the sky."),
    ("Explain why the sky looks blue.", "Blue light scatters more than red light in the air."),
    ("Write a program that counts to ten.", "for i in range(10):\n    print(i + 1)"),
    ("Tell me about rivers.", "Rivers carry water to the sea, and so on. " * 20),
    ("Suggest a name for a grey cat.", "Smoky suits a grey cat."),
    ("Name a red fruit.", "A strawberry is red."),
]


@pytest.fixture
def fragile_voices(tmp_path):
    with python_voices(tmp_path, "fragile", FRAGILE_ENGINE, (("assistant", "female"), ("user-f", "female"), ("user-m", "male"))) as voices:
        yield voices


def test_instruction_dialogues_render_good_documents_and_skip_bad_ones_with_reasons(tmp_path, fragile_voices,
                                                                                    monkeypatch):
    monkeypatch.setenv("SYNTH_DUPLEX_BEHAVIOURS", '{"greeting": 0, "closing": 0, "stop": 0, "side_talk": 0, '
                       '"background": 0, "long_session": 0, "barge_in": 0}')  # each document its own plain conversation
    store = LocalStorage(root=str(tmp_path / "data"))
    rows = [{"id": f"doc-{i}", "parent_id": None, "stage": names.CRAWL_SNAPSHOT, "kind": "alpaca",
             "text": f"USER: {q}\n\nASSISTANT: {a}", "source": "alpaca", "snapshot": "2026-11-01",
             "license": "CC BY-NC 4.0", "file": KEY, "position": f"line 1, item {i + 1}"}
            for i, (q, a) in enumerate(DOCUMENTS)]
    parts.write_parts(store, names.CRAWL_SNAPSHOT, KEY, rows, fingerprint_value="fixture")
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("crawl_shards", [KEY])
    assistant, *users = fragile_voices
    voices = TTSVoices(user_voices=[assistant, *users], assistant_voice=assistant, workers=1)
    # A clarification for every other instruction, each from the next document: the firework's fails on "boom".
    mix = ConversationMix(safety=0.2, false_premise=0.2, instruction=0.4, clarification=0.2)
    result = materialize([instruction_dialogues], partition_key=KEY, instance=instance,
                         resources={"store": store, "voices": voices, "mix": mix, "asr": WhisperASR(),
                                    "rewriter": TextRewriter()})
    assert result.success
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert checks.keys() == {"instruction_dialogues_valid", "instruction_dialogues_alignment"}
    assert all(c.passed for c in checks.values())  # no voice here reports durations: nothing to check against

    rows = list(parts.read_rows(store, names.INSTRUCTION_DIALOGUES, KEY))
    made = [r for r in rows if r["kind"] == "instruction"]
    assert sorted(r["parent_id"] for r in made) == ["doc-0", "doc-4", "doc-7"]
    assert [r["parent_id"] for r in rows if r["kind"] == "clarification"] == ["doc-8"]  # its own question
    for row in made:
        assert row["user_voice"] in users and row["assistant_voice"] == assistant
        turns = json.loads(row["turns"])
        assert turns[0]["text"].startswith("Can you ") and turns[0]["voice"] == row["user_voice"]
        assert row["word_times"] == "whisper:faster-whisper/tiny.en"
        audio, rate = sf.read(io.BytesIO(row["audio"]))
        assert rate == 24_000 and audio.shape[1] == 2 and row["channel_layout"] == "assistant-left"
        question, _ = sf.read(io.BytesIO(row["question_audio"]))
        assert question.ndim == 1 and row["question_text"] == turns[0]["spoken"]
    assert {r["user_gender"] for r in rows} == {"female", "male"}  # rotated by gender
    assert sorted(r["kind"] for r in rows) == ["clarification", "instruction", "instruction", "instruction"]

    quarantined = parts.read_table(store, "quarantine", f"{names.INSTRUCTION_DIALOGUES}/{KEY}").to_pylist()
    reasons = " | ".join(q["reason"] for q in quarantined)
    # Four bad documents, and the clarification built from the firework one fails on "boom".
    assert len(quarantined) == 5
    assert "empty instruction" in reasons and "not in English" in reasons
    assert "answer is code" in reasons and "too long to say whole" in reasons and "no LLM rewriter" in reasons
    assert "engine crashed" in reasons and "turn 3 (assistant)" in reasons
