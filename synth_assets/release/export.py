"""Exports of a stored release in five consumer formats, with the same sample ids everywhere.

- ``hf``: Parquet shards whose ``audio`` column is the `datasets` Audio feature;
- ``webdataset``: tar shards, one sample's ``.flac`` and ``.json`` adjacent;
- ``nemo``: a JSONL manifest (conversations: one line per turn, a span of the channel's file);
- ``lhotse``: recordings, supervisions and cuts, gzipped JSONL, with word alignments;
- ``moshi``: moshi-finetune's stereo 24 kHz WAVs (channel 0 the assistant), alignments and manifest.
What each consumer reads is in /work/shared/FORMATS.md and docs/releases.md. The exporter writes
plain files with pyarrow, soundfile and the standard library: the consumers are needed only to read.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import shutil
import tarfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import soundfile as sf

from synth_assets.core.audio import SAMPLE_RATE, from_flac
from synth_assets.core.interrupts import deferred_interrupts
from synth_assets.core.progress import FAILED, ProgressFile, counted
from synth_assets.core.storage import Store
from synth_assets.release.versions import ReleaseError, iter_release_tables, load_release

MARKER = "synth_release.json"  # names the release a folder holds: no folder mixes two releases
SAMPLES_PER_SHARD = 1000
# The release columns the exports read: every ReleaseRow column (release/rows.py) except those whose
# ``not_exported`` says why, and the cut release's content_hash (tests/release check the two agree).
ROW_COLUMNS = ["id", "kind", "partition", "source", "snapshot", "source_document", "text", "transcript", "wer",
               "words", "turns", "voice_id", "assistant_voice", "text_license", "sample_rate", "channels",
               "duration_s", "channel", "start_s", "end_s", "channel_layout", "peak_dbfs", "clipping_ratio",
               "silence_ratio", "snr_db", "mos", "content_hash", "words_assistant", "words_user", "backchannels",
               "turn_taking", "overlap_s", "interruptions", "duplex", "audio"]
TEXT_COLUMNS = [c for c in ROW_COLUMNS if c not in ("audio",)]
# Columns a release cut before they existed lacks: read as null, so its words are estimated.
LATER_COLUMNS = ("words_assistant", "words_user", "backchannels", "turn_taking", "overlap_s", "interruptions", "duplex")


@dataclass
class ExportReport:
    release: str
    format: str
    out: str
    samples: int
    audio_hours: float
    seconds: float
    files: int

    @property
    def hours_per_minute(self) -> float:
        return self.audio_hours / (self.seconds / 60) if self.seconds else 0.0


# --- helpers every format shares ---------------------------------------------------------------------


def file_key(sample_id: str) -> str:
    """A file and WebDataset key for an id: dots would split a WebDataset key, slashes a path."""
    return sample_id.replace(".", "_").replace("/", "_")


# The dialogue stages name the left channel's role (conversation.py CHANNEL_LAYOUT): the same layouts.
LEFT_ROLE = {"assistant-left": "assistant,user", "user-left": "user,assistant"}


def assistant_channel(row: dict) -> int:
    """Which channel holds the assistant: from the row's ``channel_layout`` ("assistant,user" or
    "user,assistant", or "assistant-left" as the dialogue stages write it), and for older rows without
    one, the old layout (user left, assistant right)."""
    layout = (row.get("channel_layout") or "user,assistant").replace(" ", "").lower()
    layout = LEFT_ROLE.get(layout, layout)
    roles = layout.split(",")
    if sorted(roles) != ["assistant", "user"]:
        raise ReleaseError(f"sample {row['id']}: unknown channel_layout {row.get('channel_layout')!r}")
    return roles.index("assistant")


def turn_words(row: dict) -> list[tuple[str, float, float, str]]:
    """(word, start, end, role) of every word said in a conversation, in time order: each channel's
    stored word times (``words_assistant``, ``words_user``), or for a row without them (a release
    cut before they were kept) the turns' own word times or an estimate from the turns."""
    stored = {role: row.get(f"words_{role}") for role in ("assistant", "user")}
    if None in stored.values():
        return turns_word_times(row)
    words = [(w["word"].strip(), float(w["start"]), float(w["end"]), role)
             for role, text in stored.items() for w in json.loads(text)]
    return sorted(words, key=lambda w: w[1])


def turns_word_times(row: dict) -> list[tuple[str, float, float, str]]:
    """The word times stored with each turn; for rows from before turns had them, each turn's span
    shared among its words in proportion to their length."""
    words = []
    for turn in json.loads(row["turns"] or "[]"):
        if "words" in turn:
            words += [(w["word"], w["start"], w["end"], turn["role"]) for w in turn["words"]]
            continue
        tokens = turn["spoken"].split()
        if not tokens:
            continue
        span, total = turn["end"] - turn["start"], sum(len(t) + 1 for t in tokens)
        cursor = turn["start"]
        for token in tokens:
            length = span * (len(token) + 1) / total
            words.append((token, round(cursor, 3), round(cursor + length, 3), turn["role"]))
            cursor += length
    return sorted(words, key=lambda w: w[1])


def is_conversation(row: dict) -> bool:
    """Two channels and turns: any dialogue kind, including ones added later."""
    return row.get("channels") == 2 and bool(row.get("turns"))


def clip_words(row: dict) -> list[tuple[str, float, float]]:
    return [(w["word"].strip(), float(w["start"]), float(w["end"])) for w in json.loads(row["words"] or "[]")]


def audio_info(data: bytes) -> tuple[int, int, int]:
    """Frames, rate and channels from the FLAC header, without decoding the samples."""
    info = sf.info(io.BytesIO(data))
    return info.frames, info.samplerate, info.channels


CONVERSATION_LABELS = ("backchannels", "turn_taking", "overlap_s", "interruptions", "duplex")


def conversation_labels(row: dict) -> dict:
    """A conversation's turn-taking labels as JSON values (the release stores the lists and objects as
    JSON text): backchannels, the turn-taking plan, overlap seconds, interruptions and the duplex
    timing heard. Empty for a clip, and a label a release cut before it existed is left out."""
    if not is_conversation(row):
        return {}
    labels = {}
    for column in CONVERSATION_LABELS:
        value = row.get(column)
        if value is None:
            continue
        labels[column] = json.loads(value) if isinstance(value, str) else value
    return labels


def metadata(row: dict) -> dict:
    return {c: row.get(c) for c in TEXT_COLUMNS if c in row}


def write_audio(path: Path, audio: np.ndarray, rate: int, fmt: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, audio, rate, format=fmt, subtype="PCM_16")


STAGING = ".{fmt}.partial-{pid}"  # where an export is written before it appears as out/<fmt> in one rename


def prepare_folder(out: Path, release: str, fmt: str) -> None:
    """An empty folder, or one holding an export of this same release; anything else is refused
    before a file is written. What an interrupted export left (a staging folder) is removed."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(STAGING.format(fmt=fmt, pid="*")):
        pid = stale.name.rsplit("-", 1)[1]
        if not (pid.isdigit() and Path(f"/proc/{pid}").exists()):  # another export may be writing its own
            shutil.rmtree(stale, ignore_errors=True)
    marker = out / MARKER
    if marker.exists():
        held = json.loads(marker.read_text())
        if held.get("release") != release:
            raise ReleaseError(f"{out} holds an export of release {held.get('release')!r}: export {release!r} into "
                               "another folder")
        if (out / fmt).exists():
            raise ReleaseError(f"{out / fmt} exists already: remove it to export {fmt} again")
    elif any(not entry.name.startswith(f".{fmt}.partial-") for entry in out.iterdir()):
        raise ReleaseError(f"{out} is not empty and holds no synth_assets export: choose an empty folder")


def _publish(staging: Path, out: Path, release: str, fmt: str) -> None:
    """The export appears whole or not at all: a signal waits until the marker and the rename are done."""
    with deferred_interrupts():
        marker = out / MARKER
        if not marker.exists():
            tmp = out / f".{MARKER}.{os.getpid()}.tmp"
            tmp.write_text(json.dumps({"release": release}))
            os.replace(tmp, marker)
        os.rename(staging / fmt, out / fmt)


def iter_rows(store: Store, name: str) -> Iterator[dict]:
    for table in iter_release_tables(store, name, ROW_COLUMNS, optional=LATER_COLUMNS):
        yield from table.to_pylist()


# --- hf ------------------------------------------------------------------------------------------------

HF_TEXT = ["id", "kind", "text", "transcript", "source", "snapshot", "partition", "source_document", "voice_id",
           "assistant_voice", "text_license", "words", "turns", "channel_layout", "channel", "content_hash",
           "words_assistant", "words_user", "backchannels", "turn_taking", "duplex"]
HF_FLOAT = ["duration_s", "wer", "start_s", "end_s", "peak_dbfs", "clipping_ratio", "silence_ratio", "snr_db", "mos",
            "overlap_s"]
HF_INT = ["sample_rate", "channels", "interruptions"]
AUDIO_TYPE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])


def hf_schema() -> pa.Schema:
    fields = [pa.field(c, pa.string()) for c in HF_TEXT] + [pa.field("audio", AUDIO_TYPE)]
    fields += [pa.field(c, pa.float64()) for c in HF_FLOAT] + [pa.field(c, pa.int64()) for c in HF_INT]
    fields += [pa.field("is_mono", pa.bool_())]
    features = {f.name: {"dtype": {"string": "string", "double": "float64", "int64": "int64", "bool": "bool"}
                         .get(str(f.type)), "_type": "Value"} for f in fields if f.name != "audio"}
    features["audio"] = {"_type": "Audio", "sampling_rate": SAMPLE_RATE}
    info = {"info": {"features": {f.name: features[f.name] for f in fields}}}
    return pa.schema(fields, metadata={"huggingface": json.dumps(info)})


def export_hf(rows: Iterator[dict], out: Path) -> int:
    schema, files, chunk = hf_schema(), 0, []
    folder = out / "hf" / "data"
    folder.mkdir(parents=True)

    def flush():
        nonlocal files, chunk
        table = pa.Table.from_pylist(chunk, schema=schema)
        pq.write_table(table, folder / f"train-{files:05d}.parquet")
        files, chunk = files + 1, []

    for row in rows:
        record = {c: row.get(c) for c in (*HF_TEXT, *HF_FLOAT, *HF_INT)}
        record["audio"] = {"bytes": row["audio"], "path": f"{file_key(row['id'])}.flac"}
        record["is_mono"] = row["channels"] == 1
        chunk.append(record)
        if len(chunk) >= SAMPLES_PER_SHARD:
            flush()
    if chunk or not files:
        flush()
    return files


# --- webdataset ----------------------------------------------------------------------------------------


def _add_member(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime = len(data), 0
    tar.addfile(info, io.BytesIO(data))


def chunks(rows: Iterator[dict], size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def export_webdataset(rows: Iterator[dict], out: Path) -> int:
    folder = out / "webdataset"
    folder.mkdir(parents=True)
    files = 0
    for files, batch in enumerate(chunks(rows, SAMPLES_PER_SHARD), start=1):
        with tarfile.open(folder / f"shard-{files - 1:06d}.tar", "w") as tar:
            for row in batch:
                key = file_key(row["id"])
                _add_member(tar, f"{key}.flac", row["audio"])  # a sample's members adjacent: flac then json
                _add_member(tar, f"{key}.json", json.dumps(metadata(row)).encode())
    return files


# --- nemo ----------------------------------------------------------------------------------------------


def nemo_lines(row: dict, audio_dir: Path) -> Iterator[dict]:
    if not is_conversation(row):
        frames, rate, _ = audio_info(row["audio"])
        path = audio_dir / f"{file_key(row['id'])}.flac"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(row["audio"])
        yield {"audio_filepath": f"audio/{path.name}", "duration": round(frames / rate, 4),
               "text": row["transcript"] or row["text"], "id": row["id"], "kind": row["kind"],
               "speaker": row["voice_id"], "lang": "en"}
        return
    # A conversation: each channel becomes one file, each turn a span of it (offset + duration).
    audio, rate = from_flac(row["audio"])
    assistant = assistant_channel(row)
    labels = conversation_labels(row)  # extra keys: NeMo's manifest readers keep what they do not know
    for turn in json.loads(row["turns"]):
        channel = assistant if turn["role"] == "assistant" else 1 - assistant
        path = audio_dir / f"{file_key(row['id'])}_{turn['role']}.flac"
        if not path.exists():
            write_audio(path, audio[:, channel], rate, "FLAC")
        yield {"audio_filepath": f"audio/{path.name}", "offset": turn["start"],
               "duration": round(turn["end"] - turn["start"], 4), "text": turn["spoken"], "id": row["id"],
               "kind": row["kind"], "role": turn["role"], "lang": "en",
               **({"transition": turn["transition"]} if "transition" in turn else {}), **labels}


def export_nemo(rows: Iterator[dict], out: Path) -> int:
    folder = out / "nemo"
    folder.mkdir(parents=True)
    with open(folder / "manifest.jsonl", "w") as manifest:
        for row in rows:
            manifest.writelines(json.dumps(line) + "\n" for line in nemo_lines(row, folder / "audio"))
    return 1


# --- lhotse --------------------------------------------------------------------------------------------


def lhotse_items(row: dict) -> tuple[dict, list[dict], dict]:
    """A Recording, its SupervisionSegments and a cut over the whole recording, as Lhotse's dicts."""
    num_samples, rate, channels = audio_info(row["audio"])
    duration = num_samples / rate
    recording = {"id": row["id"], "sources": [{"type": "file", "channels": list(range(channels)),
                                               "source": f"audio/{file_key(row['id'])}.flac"}],
                 "sampling_rate": rate, "num_samples": num_samples, "duration": duration,
                 "channel_ids": list(range(channels))}
    if is_conversation(row):
        assistant = assistant_channel(row)
        supervisions = []
        words = turn_words(row)
        for index, turn in enumerate(json.loads(row["turns"])):
            role = "agent" if turn["role"] == "assistant" else "user"
            spoken = [w for w in words if w[3] == turn["role"] and turn["start"] <= w[1] < turn["end"]]
            supervision = _supervision(
                f"{row['id']}-{index}", row["id"], turn["start"], turn["end"] - turn["start"],
                assistant if role == "agent" else 1 - assistant, turn["spoken"], role,
                [(w, s, e) for w, s, e, _ in spoken])
            custom = {k: turn[k] for k in TURN_LABELS if k in turn}
            if custom:  # the turn's own labels: how it began, whether it was cut, its behaviour
                supervision["custom"] = custom
            supervisions.append(supervision)
    else:
        supervisions = [_supervision(row["id"], row["id"], 0.0, duration, 0, row["transcript"] or row["text"],
                                     row["voice_id"], clip_words(row))]
    cut = {"id": row["id"], "start": 0.0, "duration": duration,
           "channel": 0 if channels == 1 else list(range(channels)), "supervisions": supervisions,
           "recording": recording, "custom": {"kind": row["kind"], "content_hash": row["content_hash"], **conversation_labels(row)},
           "type": "MonoCut" if channels == 1 else "MultiCut"}
    return recording, supervisions, cut


TURN_LABELS = ("transition", "interrupted", "hesitation", "behaviour", "addressed")


def _supervision(sup_id, recording_id, start, duration, channel, text, speaker, words) -> dict:
    # Lhotse's alignment items are (symbol, start, duration, score), times from the recording's start.
    alignment = [[w, round(s, 3), round(max(e - s, 0.0), 3), 1.0] for w, s, e in words]
    return {"id": sup_id, "recording_id": recording_id, "start": round(start, 3), "duration": round(duration, 3),
            "channel": channel, "text": text, "language": "en", "speaker": speaker,
            **({"alignment": {"word": alignment}} if alignment else {})}


def export_lhotse(rows: Iterator[dict], out: Path) -> int:
    folder = out / "lhotse"
    (folder / "audio").mkdir(parents=True)
    names = ("recordings.jsonl.gz", "supervisions.jsonl.gz", "cuts.jsonl.gz")
    with contextlib.ExitStack() as stack:
        handles = [stack.enter_context(gzip.open(folder / n, "wt")) for n in names]
        for row in rows:
            (folder / "audio" / f"{file_key(row['id'])}.flac").write_bytes(row["audio"])
            recording, supervisions, cut = lhotse_items(row)
            handles[0].write(json.dumps(recording) + "\n")
            handles[1].writelines(json.dumps(s) + "\n" for s in supervisions)
            handles[2].write(json.dumps(cut) + "\n")
    return len(names)


# --- moshi ---------------------------------------------------------------------------------------------

MAIN_SPEAKER = "SPEAKER_MAIN"  # the only label moshi-finetune trains on: the assistant's words
OTHER_SPEAKER = "SPEAKER_USER"


def moshi_audio(row: dict) -> np.ndarray:
    """The conversation as moshi-finetune wants it: channel 0 the assistant, channel 1 the user."""
    audio, rate = from_flac(row["audio"])
    if audio.ndim != 2 or audio.shape[1] != 2:
        raise ReleaseError(f"sample {row['id']}: a conversation must have two channels, not {audio.shape}")
    if rate != SAMPLE_RATE:
        raise ReleaseError(f"sample {row['id']}: {rate} Hz, moshi wants {SAMPLE_RATE}")
    assistant = assistant_channel(row)
    return audio[:, [assistant, 1 - assistant]]


def export_moshi(rows: Iterator[dict], out: Path) -> int:
    """Only conversations: moshi trains on two channels, a single clip has one voice."""
    folder = out / "moshi"
    (folder / "audio").mkdir(parents=True)
    with open(folder / "manifest.jsonl", "w") as manifest:
        for row in rows:
            if not is_conversation(row):
                continue
            stereo = moshi_audio(row)
            path = folder / "audio" / f"{file_key(row['id'])}.wav"
            write_audio(path, stereo, SAMPLE_RATE, "WAV")
            alignments = [[w, [s, e], MAIN_SPEAKER if role == "assistant" else OTHER_SPEAKER]
                          for w, s, e, role in turn_words(row) if e > s]
            # moshi-finetune reads "alignments" (and "text_conditions", left out); other keys are ignored.
            path.with_suffix(".json").write_text(json.dumps({"alignments": alignments,
                                                             "labels": conversation_labels(row)}))
            duration = sf.info(path).frames / SAMPLE_RATE  # the file's own length, exactly
            manifest.write(json.dumps({"path": f"audio/{path.name}", "duration": duration}) + "\n")
    return 1


EXPORTERS: dict[str, Callable[[Iterator[dict], Path], int]] = {
    "hf": export_hf, "webdataset": export_webdataset, "nemo": export_nemo, "lhotse": export_lhotse,
    "moshi": export_moshi,
}


def export_release(store: Store, name: str, fmt: str, out: str | Path, progress: Path | None = None) -> ExportReport:
    """Write release ``name`` in ``fmt`` under ``out/<fmt>/``; how far it got goes to the folder ``progress``
    (core/progress.py) when given."""
    if fmt not in EXPORTERS:
        raise ReleaseError(f"unknown export format {fmt!r}: one of {', '.join(EXPORTERS)}")
    release = load_release(store, name)
    out = Path(out)
    existed = out.exists()
    prepare_folder(out, name, fmt)
    staging = out / STAGING.format(fmt=fmt, pid=os.getpid())
    started = time.perf_counter()
    made = ProgressFile(progress, f"export {fmt}", name, total=release.samples)
    try:
        files = EXPORTERS[fmt](counted(iter_rows(store, name), made), staging)
        _publish(staging, out, name, fmt)
        made.finish()
    except BaseException:
        made.finish(FAILED)
        raise
    finally:  # stopped or failed half-way: the folder is left as it was
        shutil.rmtree(staging, ignore_errors=True)
        if not existed:
            with contextlib.suppress(OSError):
                out.rmdir()  # only when empty: after a finished export it holds the export
    return ExportReport(release=name, format=fmt, out=str(out / fmt), samples=release.samples,
                        audio_hours=release.hours, seconds=time.perf_counter() - started, files=files)
