"""augmented_clips' work: clips that pass the round-trip WER filter, each put through one of the
configured recipes (drawn per clip from its id); a clip that fails the filter (or has no label) is
quarantined with what was said and heard."""

from __future__ import annotations

import dataclasses
import math
import random
from collections import deque
from itertools import islice
from typing import Any, Iterator

from quality.metrics import round_trip
from synth_assets.asr.transcriber import Transcriber
from synth_assets.augment.noise import NoiseBank
from synth_assets.augment.recipes import RECIPES, apply_recipe
from synth_assets.core import names, parts
from synth_assets.core.audio import SAMPLE_RATE, from_flac, to_flac
from synth_assets.core.records import LINEAGE_COLUMNS, Quarantined, params, seed_from_id, stable_id
from synth_assets.core.speech_records import AugmentedClip
from synth_assets.core.stage_run import StageError, StageRun
from synth_assets.core.storage import Store

BABBLE_CLIPS = 8  # other clips of the partition that babble noise is made of


def noise_bank(speech: list, folder: str = "") -> NoiseBank:
    """The user's folder of noise when given, else generated noise with babble from ``speech``."""
    if not folder:
        return NoiseBank(speech=speech[:BABBLE_CLIPS])
    try:
        return NoiseBank.from_folder(folder, speech[:BABBLE_CLIPS])
    except (FileNotFoundError, RuntimeError) as error:  # the whole partition depends on it
        raise StageError(f"noise folder {folder!r}: {error}") from error


DEFAULT_RECIPES = ("moshi-user", "telephone")  # one drawn per clip


def augment_partition(stage: StageRun, store: Store, partition: str, max_wer: float,
                      recipes: tuple[str, ...] = DEFAULT_RECIPES, noise_folder: str = "",
                      transcriber: Transcriber | None = None) -> Iterator[dict[str, Any]]:
    """Augmented clips' rows (AugmentedClip, core/speech_records.py), streamed in the clips' order; with
    ``transcriber``, clips of light recipes are transcribed back, so the check can hold their WER to the
    clean clip's (augmentation must keep the label)."""
    made = _augmented_rows(stage, store, partition, max_wer, recipes, noise_folder)
    if transcriber is not None and any(r in RECIPES and RECIPES[r].light for r in recipes):
        made = _with_light_wer(made, transcriber)
    for clip in made:
        yield clip.to_row()


def _with_light_wer(rows: Iterator[AugmentedClip], transcriber: Transcriber) -> Iterator[AugmentedClip]:
    """The rows in order, each light recipe's with its round-trip WER. The light clips go to Whisper as
    one stream (packed as they come); a row waits only for the light rows before it, so what is held
    is the rows of the windows being transcribed, not the partition."""
    held: deque[AugmentedClip] = deque()  # rows in order, from the oldest light row not heard yet
    heard: dict[str, str] = {}

    def light_clips():
        for row in rows:
            held.append(row)
            if RECIPES[row.recipe].light:
                yield row.id, from_flac(row.audio)[0], SAMPLE_RATE

    def done() -> Iterator[AugmentedClip]:
        while held and (not RECIPES[held[0].recipe].light or held[0].id in heard):
            row = held.popleft()
            if row.id in heard:
                row.wer = round(round_trip(row.text, heard.pop(row.id)).wer, 4)  # as the clean clip's
            yield row

    for key, transcript in transcriber.transcribe_many(light_clips()):
        heard[key] = transcript.text
        yield from done()
    yield from done()


def babble_pool(store: Store, partition: str) -> dict[str, Any]:
    """The partition's first clips, decoded: each clip's babble is made of the first BABBLE_CLIPS
    other than itself, so only these are held, whatever the partition's size."""
    first = islice(parts.read_rows(store, names.TTS_AUDIO, partition, columns=["id", "audio"]), BABBLE_CLIPS + 1)
    return {row["id"]: from_flac(row["audio"])[0] for row in first}


def _augmented_rows(stage: StageRun, store: Store, partition: str, max_wer: float, recipes: tuple[str, ...],
                    noise_folder: str) -> Iterator[AugmentedClip]:
    unknown = [r for r in recipes if r not in RECIPES]
    if unknown or not recipes:
        raise StageError(f"unknown augmentation recipes {unknown or list(recipes)}; known: {sorted(RECIPES)}")
    labels = {r["parent_id"]: r for r in parts.read_rows(store, names.PSEUDO_LABELS, partition,
                                                       columns=["parent_id", "wer", "transcript"])}
    pool = babble_pool(store, partition)
    bank = noise_bank(list(pool.values()), noise_folder)
    for row in parts.read_rows(store, names.TTS_AUDIO, partition):
        label = labels.get(row["id"])
        if label is None or label["wer"] > max_wer:
            stage.quarantine(Quarantined(
                stage=names.AUGMENTED_CLIPS, file=row["id"], position="round trip",
                reason=f"round-trip WER {label['wer'] if label else 'missing'} over {max_wer}",
                raw=f"said: {row['text'][:140]} | heard: {(label or {}).get('transcript', '')[:140]}"))
            continue
        recipe = random.Random(seed_from_id(row["id"], "recipe")).choice(recipes)
        seed = seed_from_id(row["id"], RECIPES[recipe].version)
        others = [audio for key, audio in pool.items() if key != row["id"]]
        babble_from_others = dataclasses.replace(bank, speech=others[:BABBLE_CLIPS])
        audio = pool[row["id"]] if row["id"] in pool else from_flac(row["audio"])[0]
        augmented = apply_recipe(recipe, audio, seed, babble_from_others)
        yield AugmentedClip(
            id=stable_id(names.AUGMENTED_CLIPS, row["id"], RECIPES[recipe].version, seed),
            parent_id=row["id"], stage=names.AUGMENTED_CLIPS,
            params=params(seed=seed, noise_folder=noise_folder, **augmented.record()),
            **{k: row[k] for k in LINEAGE_COLUMNS},
            text=row["text"], voice_id=row["voice_id"], sample_rate=SAMPLE_RATE,
            duration_s=round(augmented.audio.size / SAMPLE_RATE, 3),
            recipe=augmented.recipe, recipe_version=augmented.version,
            snr_db=math.nan if augmented.snr_db is None else augmented.snr_db,  # nan: nothing added
            clean_wer=label["wer"], wer=math.nan,
            augmentations=augmented.label,
            audio=to_flac(augmented.audio),
        )
