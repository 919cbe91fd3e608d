"""The voice gate's verdicts, the shipped cards of the default pool, and `synth voices` with cards and blends."""

from __future__ import annotations

import json

import numpy as np

from synth_assets.tts.gate import MAX_MEDIAN_WER, MAX_SIMILARITY, MIN_MOS, VoiceMeasure, judge, load_cards
from synth_assets.tts.policy import DEFAULT_ASSISTANT_VOICE, DEFAULT_USER_VOICES
from synth_assets.tts.registry import REGISTRY, is_available, model_hash, register_voices_file


def measure(voice_id: str, direction: list[float], wer: float = 0.0, mos: float = 3.5) -> VoiceMeasure:
    vector = np.asarray(direction, float)
    return VoiceMeasure(voice_id, wers=[wer] * 8, mos=[mos] * 8, f0_hz=150.0, words_per_second=2.5, rtf=0.3,
                        embedding=vector / np.linalg.norm(vector))


def test_the_gate_fails_a_voice_that_mumbles_sounds_bad_or_sounds_like_another():
    measures = [measure("piper-joe", [1, 0, 0]), measure("hibari-heart", [0, 1, 0]),
                measure("kokoro-kumo", [1, 0.2, 0], wer=0.12), measure("kokoro-gongitsune", [0, 0, 1], mos=2.1)]
    cards = {c.id: c for c in judge(measures, REGISTRY)}
    assert cards["hibari-heart"].passed and cards["hibari-heart"].reasons == []
    assert cards["kokoro-kumo"].nearest_voice == "piper-joe" and cards["kokoro-kumo"].nearest_similarity > 0.95
    assert [r.split(" ")[0] for r in cards["kokoro-kumo"].reasons] == ["median", "sounds"]
    assert not cards["piper-joe"].passed  # the likeness fails both voices of the pair
    assert cards["kokoro-gongitsune"].reasons == [f"MOS 2.10 is under {MIN_MOS}"]
    assert cards["kokoro-gongitsune"].accent == "en (Japanese accent)" and cards["kokoro-gongitsune"].engine == "kokoro"


def test_every_default_user_voice_and_the_assistant_carry_a_passing_card():
    cards = load_cards()
    pool = [*DEFAULT_USER_VOICES, DEFAULT_ASSISTANT_VOICE]
    for voice_id in pool:
        card = cards[voice_id]
        assert card.passed, (voice_id, card.reasons)
        assert card.median_wer <= MAX_MEDIAN_WER and card.mos >= MIN_MOS
        assert card.nearest_similarity < MAX_SIMILARITY and card.nearest_voice in pool
        assert card.gender == REGISTRY[voice_id].gender and card.median_f0_hz > 0


def run_cli(capsys, *argv) -> tuple[int, str]:
    from synth_assets.cli import main

    code = main(list(argv))
    return code, capsys.readouterr().out


def test_voices_json_shows_each_voice_with_its_card(capsys):
    code, out = run_cli(capsys, "voices", "--json")
    rows = {r["id"]: r for r in json.loads(out)}
    assert code == 0 and set(DEFAULT_USER_VOICES) <= set(rows)
    card = rows["kokoro-kumo-gongitsune"]["card"]
    assert {"engine", "license", "accent", "gender", "median_f0_hz", "words_per_second", "median_wer", "mos",
            "nearest_voice", "nearest_similarity"} <= set(card)
    assert rows["kokoro-kumo-gongitsune"]["blend"] == [["jm_kumo", 0.7], ["jf_gongitsune", 0.3]]
    assert rows["espeak-us-m3"]["card"] is None  # never gated: no card


def test_a_blend_named_on_the_command_line_is_saved_to_a_voices_file(tmp_path, capsys):
    file = tmp_path / "voices.json"
    code, _ = run_cli(capsys, "voices", "blend", "jm_kumo:0.6", "jf_nezumi:0.4", "--name", "test-kumo-nezumi",
                      "--gender", "male", "--pitch", "-1", "--file", str(file), "--no-gate")
    try:
        assert code == 0
        REGISTRY.pop("test-kumo-nezumi")
        (voice,) = register_voices_file(file)
        assert voice.blend == (("jm_kumo", 0.6), ("jf_nezumi", 0.4)) and voice.pitch == -1
        assert voice.accent == "en (Japanese accent)" and voice.engine_spec.engine_voice.endswith("pitch=-1.00")
        if is_available(voice.id):
            assert len(model_hash(voice.id)) == 16
        code, _ = run_cli(capsys, "voices", "blend", "af_bella:1", "--name", "test-bad", "--gender", "female",
                          "--file", str(file), "--no-gate")
        assert code == 2 and "test-bad" not in REGISTRY
    finally:
        REGISTRY.pop("test-kumo-nezumi", None)
