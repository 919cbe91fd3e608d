"""Typed rows of the speech stages, in the manner of Lhotse's manifests: one record per stage output,
each column documented once, here, with where the release carries it (or why it does not).

- ``Clip``: a tts_audio row, one voiced piece of spoken text (synth_assets/tts/voicing.py);
- ``ClipLabel``: a pseudo_labels row, a clip transcribed back by Whisper (synth_assets/asr/labels.py);
- ``AugmentedClip``: an augmented_clips row, a clip put through a recipe (synth_assets/augment/clips.py);
- ``Utterance``: a recorded_speech row, an utterance cut from a real recording (synth_assets/recordings/rows.py);
- ``RecordingLabel``: a recording_labels row, an utterance transcribed by Whisper (synth_assets/recordings/labels.py).
The conversations' rows are in core/conversation_records.py. The release row they become is ``ReleaseRow`` (synth_assets/release/rows.py).

A record's ``to_row`` gives the dict the stage writes, column for column as stored: the lineage
columns first, the stage's own next, and ``code_version`` and ``run_id`` last (the stage stamps them
when it writes, core/stage_run.py), so ``Record.to_row(Record.from_row(stored)) == stored``.

Every column says where its value goes in the release, ``release="<release column>"``, or why it
stays out, ``not_released="..."``: the release (speech_dataset, code version release-v5) is stored
data, so a column added to it waits for its next version, and the reason says so.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from synth_assets.core.records import LINEAGE_COLUMNS, Record

STAMPED = ("code_version", "run_id")  # filled by the stage that writes the row: the last two columns

# Why a column a stage makes is not a column of the release (speech_dataset, release-v5) yet.
IN_LINEAGE = ("kept in its stage's parts and reached through the release row's lineage (`synth lineage`); "
              "adding it to speech_dataset changes stored data: it waits for the release's next code version")


def column(doc: str, default: Any = "", *, release: str | None = None, not_released: str | None = None,
           arrow: Any = None, not_exported: str | None = None) -> Any:
    """A documented column: ``doc`` says what it holds; ``release`` names the release column that carries
    its value, or ``not_released`` says why none does; ``arrow`` is its Parquet type and ``not_exported``
    why the exports leave it out (release rows)."""
    return field(default=default, metadata={"doc": doc, "release": release, "not_released": not_released,
                                            "arrow": arrow, "not_exported": not_exported})


def columns(record: type) -> dict[str, str]:
    """Column name -> its documentation, in the stored order."""
    order = [f for f in dataclasses.fields(record) if f.name not in STAMPED]
    order += [f for f in dataclasses.fields(record) if f.name in STAMPED]
    return {f.name: f.metadata.get("doc", "") for f in order}


def released(record: Any) -> dict[str, Any]:
    """The record's values under the release columns they become (each column's ``release``)."""
    return {f.metadata["release"]: getattr(record, f.name) for f in dataclasses.fields(record)
            if f.metadata.get("release")}


@dataclass
class SpeechRecord(Record):
    """The lineage columns every speech row carries: its own, and those it carries down from its
    spoken text (core/records.py LINEAGE_COLUMNS: source, snapshot, role, document_id, license)."""

    id: str = column("The row's stable id (core/records.py stable_id): a release sample's id", release="id")
    parent_id: str | None = column("The id of the row it was made from", None, release="parent_id")
    stage: str = column("The asset that made it", not_released="the release row's `kind` says which stage "
                        "made the sample; its own `stage` is speech_dataset")
    params: str = column("JSON object: the parameters that made the row (voice, seed, model, recipe...)", "{}",
                         release="lineage")
    code_version: str = column("The code version of the asset that wrote it", release="made_by_code")
    run_id: str = column("The Dagster run that wrote it", release="made_by_run")
    source: str = column("Landing-zone source name, e.g. wikipedia", release="source")
    snapshot: str = column("Crawl snapshot id, e.g. 2026-11-01", release="snapshot")
    role: str = column("narration, user or assistant: which voice the text was written for", "narration",
                       not_released=IN_LINEAGE)
    document_id: str = column("The crawl document the text came from", release="source_document")
    license: str = column("The license of the source text", release="text_license")

    def lineage(self) -> dict[str, Any]:
        """The lineage columns a row made from this one carries down (LINEAGE_COLUMNS)."""
        return {name: getattr(self, name) for name in LINEAGE_COLUMNS}

    def to_row(self) -> dict[str, Any]:
        row = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in STAMPED}
        row.update((name, getattr(self, name)) for name in STAMPED)
        return row


@dataclass
class Clip(SpeechRecord):
    """A tts_audio row: one spoken-text row voiced (mono FLAC, 24 kHz). Its ``params`` hold the voice,
    engine, model hash, seed, speed, sampling noise, gender slot and the cleaned text when it differs."""

    text: str = column("What the voice was given: the spoken text, cleaned for speech (the reference the "
                       "round trip is scored against)", release="text")
    voice_id: str = column("The voice (synth_assets/tts/registry.py)", release="voice_id")
    voice_gender: str = column("The voice's gender, female or male (the voices' gender balance is checked on it)",
                               not_released="the voice's card gives it from `voice_id`; " + IN_LINEAGE)
    voice_accent: str = column("The voice's accent, e.g. en-US",
                               not_released="the voice's card gives it from `voice_id`; " + IN_LINEAGE)
    voice_license: str = column("The license of the voice model and its engine",
                                not_released="the voice's card gives it from `voice_id` (the dataset card lists "
                                "it per voice); " + IN_LINEAGE)
    sample_rate: int = column("Samples per second of ``audio`` (24000)", 0, release="sample_rate")
    duration_s: float = column("Seconds of audio", 0.0, release="duration_s")
    rms_dbfs: float = column("Loudness of the clip, dB relative to full scale (silent or overloud voices are "
                             "checked on it)", 0.0,
                             not_released="the release measures every sample's audio itself (peak_dbfs, "
                             "clipping_ratio, silence_ratio, snr_db); " + IN_LINEAGE)
    audio: bytes = column("The clip, FLAC bytes", b"", release="audio")


@dataclass
class ClipLabel(SpeechRecord):
    """A pseudo_labels row: a clip transcribed back by Whisper, with word times and its round-trip error
    against the text the voice was given. ``params`` hold the model, beam size, packing, the clip's audio
    hash and the ASR settings' hash (what decides whether a stored label is kept on a recompute)."""

    id: str = column("The label's stable id", not_released="a label is released on its clip's sample (id = the "
                     "clip's id, this label's `parent_id`)")
    parent_id: str | None = column("The clip's id", None, release="id")
    params: str = column("JSON object: model, beam size, packing, audio and ASR-settings hashes", "{}",
                         not_released="the release row's `lineage` is the clip's params; " + IN_LINEAGE)
    code_version: str = column("The code version of pseudo_labels", not_released="`made_by_code` is the clip's; "
                               + IN_LINEAGE)
    run_id: str = column("The run that transcribed it", not_released="`made_by_run` is the clip's; " + IN_LINEAGE)
    voice_id: str = column("The clip's voice (checked per voice)", release="voice_id")
    duration_s: float = column("The clip's seconds", 0.0, release="duration_s")
    reference: str = column("What the voice was given (the clip's ``text``)", release="text")
    transcript: str = column("What Whisper heard", release="transcript")
    words: str = column("JSON list of {word, start, end, probability}: each word heard with its times",
                        release="words")
    language: str = column("The language Whisper detected", not_released=IN_LINEAGE)
    avg_logprob: float = column("Whisper's mean token log-probability", 0.0, not_released=IN_LINEAGE)
    confidence: float = column("Mean word probability", 0.0,
                               not_released="the release's `confidence` is a recording's (kind recording); a "
                               "clip's is " + IN_LINEAGE)
    model_id: str = column("The ASR model, e.g. faster-whisper/tiny.en", not_released=IN_LINEAGE)
    wer: float = column("Round-trip word error rate, sound-alike proper names forgiven (quality/metrics.py "
                        "round_trip); the release keeps clips at most WER_THRESHOLD", 0.0, release="wer")
    exact_wer: float = column("Round-trip word error rate, nothing forgiven", 0.0, not_released=IN_LINEAGE)
    wer_method: str = column("How ``wer`` was computed (normaliser and forgiveness, versioned)",
                             not_released=IN_LINEAGE)
    names_forgiven: str = column('JSON list of the names forgiven, e.g. ["telephus=telafus"]',
                                 not_released=IN_LINEAGE)
    cer: float = column("Round-trip character error rate", 0.0, not_released=IN_LINEAGE)


@dataclass
class AugmentedClip(SpeechRecord):
    """An augmented_clips row: a clip that passed the round-trip filter, put through one recipe
    (synth_assets/augment/recipes.py). ``params`` hold the seed, the noise folder and every step drawn."""

    text: str = column("The clean clip's text: the label, which augmentation keeps", release="text")
    voice_id: str = column("The clean clip's voice", release="voice_id")
    sample_rate: int = column("Samples per second of ``audio`` (24000)", 0, release="sample_rate")
    duration_s: float = column("Seconds of audio", 0.0, release="duration_s")
    recipe: str = column("The recipe's name, e.g. telephone", not_released="`params` names it; " + IN_LINEAGE)
    recipe_version: str = column("The recipe's version, e.g. telephone-v2",
                                 not_released="`params` names it; " + IN_LINEAGE)
    snr_db: float = column("Speech over the noise added, dB (NaN: nothing added)", math.nan,
                           not_released="the release's `snr_db` is measured from the audio for every sample "
                           "alike; the recipe's target SNR is in `params`, " + IN_LINEAGE)
    clean_wer: float = column("The clean clip's round-trip WER", math.nan,
                              not_released="the clean clip's sample carries it as `wer`; " + IN_LINEAGE)
    wer: float = column("Round-trip WER of the augmented audio, light recipes only (NaN: not transcribed); the "
                        "check holds it to the clean clip's", math.nan,
                        not_released="the release's `wer` is the clean clips' filter, null for augmented "
                        "samples; " + IN_LINEAGE)
    augmentations: str = column("The steps applied, e.g. telephone@telephone-v2:telephone",
                                not_released=IN_LINEAGE)
    audio: bytes = column("The augmented clip, FLAC bytes", b"", release="audio")


@dataclass
class Utterance(SpeechRecord):
    """A recorded_speech row: one utterance of a real recording, cut from one channel of its file at
    pauses (synth_assets/recordings/rows.py), resampled to 24 kHz mono. Its ``params`` hold the file, its
    hash, the span, the source format, the resampler, the VAD and the segmentation settings. Its lineage
    columns are the recording's: ``source`` and ``snapshot`` are the collection and its sub-folder, ``role``
    the channel, ``document_id`` the file."""

    parent_id: str | None = column("The file it was cut from, the landing-zone key (its hash beside it)", None,
                                   release="parent_id")
    params: str = column("JSON object: file, hash, span, source format, resampler, VAD, segmentation settings",
                         "{}", release="lineage")
    code_version: str = column("The code version of recorded_speech", release="made_by_code")
    source: str = column("The collection: the audio landing zone's top folder", release="source")
    snapshot: str = column("The collection's sub-folder ('.' for none)", release="snapshot")
    role: str = column("The channel: mono, left or right", "mono",
                       not_released="the release's `channel` carries the channel name; " + IN_LINEAGE)
    document_id: str = column("The file, the landing-zone key", release="source_document")
    license: str = column("The collection's license (the batch's options)", release="text_license")
    collection: str = column("The collection (as ``source``)", not_released="the release's `source` carries it")
    file: str = column("The file, the landing-zone key (as ``document_id``)",
                       not_released="the release's `source_document` carries it")
    file_sha256: str = column("sha256 of the file's bytes", not_released="`lineage` (params) holds it; " + IN_LINEAGE)
    channel: int = column("The channel's index in the file", 0,
                          not_released="the release's `channel` is its name; " + IN_LINEAGE)
    channel_name: str = column("The channel: mono, left or right", release="channel")
    start_s: float = column("Where the utterance starts in its file, seconds", 0.0, release="start_s")
    end_s: float = column("Where it ends, seconds", 0.0, release="end_s")
    duration_s: float = column("Seconds of audio", 0.0, release="duration_s")
    file_duration_s: float = column("Seconds of the whole file (the check keeps the span inside it)", 0.0,
                                    not_released=IN_LINEAGE)
    source_rate: int = column("The file's sample rate", 0, not_released="`lineage` (params) holds it; " + IN_LINEAGE)
    source_channels: int = column("The file's channel count", 0,
                                  not_released="`lineage` (params) holds it; " + IN_LINEAGE)
    source_format: str = column('The file\'s format, e.g. "WAV PCM_16"',
                                not_released="`lineage` (params) holds it; " + IN_LINEAGE)
    sample_rate: int = column("Samples per second of ``audio`` (24000)", 0, release="sample_rate")
    speech_probability: float = column("The VAD's mean speech probability over the span", 0.0,
                                       not_released=IN_LINEAGE)
    rms_dbfs: float = column("Loudness of the utterance, dB relative to full scale", 0.0,
                             not_released="the release measures every sample's audio itself (peak_dbfs, "
                             "clipping_ratio, silence_ratio, snr_db); " + IN_LINEAGE)
    audio: bytes = column("The utterance, mono FLAC bytes", b"", release="audio")


@dataclass
class RecordingLabel(SpeechRecord):
    """A recording_labels row: an utterance transcribed by Whisper, each channel on its own, with word
    times relative to the utterance and absolute in the file (synth_assets/recordings/labels.py). There
    is no reference text: no error rate. It carries the utterance's lineage and span columns."""

    id: str = column("The label's stable id", not_released="a label is released on its utterance's sample (id = "
                     "the utterance's id, this label's `parent_id`)")
    parent_id: str | None = column("The utterance's id", None, release="id")
    params: str = column("JSON object: model, beam size, packing", "{}",
                         not_released="the release row's `lineage` is the utterance's params; " + IN_LINEAGE)
    code_version: str = column("The code version of recording_labels",
                               not_released="`made_by_code` is the utterance's; " + IN_LINEAGE)
    run_id: str = column("The run that transcribed it", not_released="`made_by_run` is the utterance's; "
                         + IN_LINEAGE)
    role: str = column("The utterance's channel: mono, left or right", "mono",
                       not_released="the release's `channel` carries the channel name; " + IN_LINEAGE)
    collection: str = column("The utterance's collection", not_released="the release's `source` carries it")
    file: str = column("The utterance's file", not_released="the release's `source_document` carries it")
    channel: int = column("The utterance's channel index", 0, not_released="the release's `channel` is its name")
    channel_name: str = column("The utterance's channel name", release="channel")
    start_s: float = column("Where the utterance starts in its file, seconds", 0.0, release="start_s")
    end_s: float = column("Where it ends, seconds", 0.0, release="end_s")
    duration_s: float = column("The utterance's seconds", 0.0, release="duration_s")
    transcript: str = column("What Whisper heard: the release's `text` and `transcript`", release="transcript")
    words: str = column("JSON list of {word, start, end, probability, file_start, file_end}: each word heard, its "
                        "times in the utterance and in the file", release="words")
    word_count: int = column("How many words were heard", 0, not_released="`words` holds them; " + IN_LINEAGE)
    language: str = column("The language Whisper detected", not_released=IN_LINEAGE)
    avg_logprob: float = column("Whisper's mean token log-probability", 0.0, not_released=IN_LINEAGE)
    confidence: float = column("Mean word probability (the check wants half a partition's at least "
                               "RECORDING_MIN_CONFIDENCE)", 0.0, release="confidence")
    model_id: str = column("The ASR model, e.g. faster-whisper/tiny.en", not_released=IN_LINEAGE)
