"""Asset names, in graph order: every module that names an asset (to read its parts, to depend on it,
to select it in a job) uses these, so a rename is one line."""

from __future__ import annotations

CRAWL_SNAPSHOT = "crawl_snapshot"
SNAPSHOT_CHANGES = "snapshot_changes"
TEXT_SEGMENTS = "text_segments"
SPOKEN_TEXT = "spoken_text"
TTS_AUDIO = "tts_audio"
PSEUDO_LABELS = "pseudo_labels"
AUGMENTED_CLIPS = "augmented_clips"
SAFETY_DIALOGUES = "safety_dialogues"
FALSE_PREMISE_DIALOGUES = "false_premise_dialogues"
INSTRUCTION_DIALOGUES = "instruction_dialogues"
RECORDED_SPEECH = "recorded_speech"
RECORDING_LABELS = "recording_labels"
SPEECH_DATASET = "speech_dataset"

# Stages whose rows carry the lineage columns, in graph order (the lineage store reads these).
LINEAGE_ASSETS = (CRAWL_SNAPSHOT, TEXT_SEGMENTS, SPOKEN_TEXT, TTS_AUDIO, PSEUDO_LABELS, AUGMENTED_CLIPS,
                  SAFETY_DIALOGUES, FALSE_PREMISE_DIALOGUES, INSTRUCTION_DIALOGUES, RECORDED_SPEECH, RECORDING_LABELS)
# The conversation stages (two-channel dialogues), whose rows carry a ``kind`` and a duration.
CONVERSATION_ASSETS = (SAFETY_DIALOGUES, FALSE_PREMISE_DIALOGUES, INSTRUCTION_DIALOGUES)
# Partition sets.
CRAWL_SHARDS = "crawl_shards"
AUDIO_BATCHES = "audio_batches"
# A named, frozen release cut from SPEECH_DATASET (one materialization per release; not in the pipeline job).
DATASET_RELEASE = "dataset_release"
