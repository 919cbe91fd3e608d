"""Versioned releases: a named, frozen selection of the speech_dataset rows, with content hashes.

A release lives under ``releases/<name>/`` in the store:
- Parquet parts (core/parts.py): the chosen rows with their audio and a ``content_hash`` of the audio bytes;
- ``README.md``: the dataset card (release/card.py);
- ``release.json``: what the release is (selection, counts, part hashes, code versions, source
  revisions, the diff against the previous release). It is written last: a folder without it is an
  interrupted release, which ``list`` ignores and ``create`` may replace.
A release is never rewritten: ``create`` refuses a name that is taken. ``create`` streams: it holds
the selected rows without their audio, and one part's audio at a time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

import pyarrow as pa
import pyarrow.parquet as pq

from synth_assets.core import names, parts
from synth_assets.core.audio_quality import flac_quality
from synth_assets.core.fields import setting
from synth_assets.core.storage import Store
from synth_assets.release.quality import mos_budget, mos_sample, rate_one

RELEASES = "releases"
RELEASE_FILE = "release.json"
CARD_FILE = "README.md"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# Columns a release keeps to compare samples without reading audio.
INDEX_COLUMNS = ["id", "kind", "partition", "content_hash"]


class ReleaseError(ValueError):
    """A release that cannot be made or read; the message names what is wrong."""


@dataclass(frozen=True)
class Selection:
    """Which rows of speech_dataset a release takes; an empty tuple means all."""
    partitions: tuple[str, ...] = setting((), "Only these crawl shards / audio batches.")
    sources: tuple[str, ...] = setting((), "Only these sources.")
    snapshots: tuple[str, ...] = setting((), "Only these snapshots.")
    kinds: tuple[str, ...] = setting((), "Only these kinds: clip, augmented, safety, false_premise, recording, ...")

    def keeps(self, row: dict) -> bool:
        return all(not wanted or row[column] in wanted for column, wanted in (
            ("partition", self.partitions), ("source", self.sources), ("snapshot", self.snapshots),
            ("kind", self.kinds)))


@dataclass
class Release:
    name: str
    created_at: str
    selection: dict
    previous: str | None
    samples: int
    hours: float
    counts_by_kind: dict[str, int]
    hours_by_kind: dict[str, float]
    parts: dict[str, str]  # part file name -> sha256 of its bytes
    dataset_fingerprint: str | None  # speech_dataset's stored fingerprint when the release was cut
    code_versions: dict[str, list[str]]  # kind -> code versions of the rows
    source_revisions: dict[str, str] = field(default_factory=dict)  # source document id -> revision id
    diff: dict = field(default_factory=dict)
    mlflow_run_id: str | None = None

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()


def release_prefix(name: str) -> str:
    return f"{RELEASES}/{name}"


def audio_hash(audio: bytes | None) -> str:
    return hashlib.sha256(audio or b"").hexdigest()


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name or ""):
        raise ReleaseError(f"release name {name!r} is not allowed: use letters, digits, '.', '_' or '-' "
                           "(at most 64, not starting with a dot)")
    return name


def list_releases(store: Store) -> list[Release]:
    """The finished releases, oldest first."""
    found = []
    for key in store.list_keys(RELEASES):
        folder, _, file = key.rpartition("/")
        if file == RELEASE_FILE and folder.count("/") == 1:
            found.append(load_release(store, folder.split("/", 1)[1]))
    return sorted(found, key=lambda r: (r.created_at, r.name))


def load_release(store: Store, name: str) -> Release:
    key = f"{release_prefix(check_name(name))}/{RELEASE_FILE}"
    if not store.list_keys(key):
        known = ", ".join(r.name for r in list_releases(store)) or "none yet"
        raise ReleaseError(f"no release {name!r} in {store.uri(RELEASES)} (releases: {known})")
    try:
        return Release(**json.loads(store.read_bytes(key)))
    except (ValueError, TypeError) as error:
        raise ReleaseError(f"release {name!r}: {store.uri(key)} is unreadable ({error})") from error


def read_part(store: Store, key: str, columns: list[str] | None = None, optional: tuple[str, ...] = ()) -> pa.Table:
    """One Parquet part, or a ReleaseError naming the file when its bytes are not a Parquet table.
    ``optional``: columns of ``columns`` that a part written before they existed lacks, read as nulls."""
    try:
        data = io.BytesIO(store.read_bytes(key))
        present = set(pq.read_schema(data).names) if optional else set()
        table = pq.read_table(data, columns=[c for c in columns if c in present or c not in optional]
                              if columns is not None else None)
    except (pa.ArrowException, OSError) as error:
        raise ReleaseError(f"{store.uri(key)} is not a readable Parquet part ({error})") from error
    for column in (c for c in optional if c in (columns or ()) and c not in table.column_names):
        table = table.append_column(column, pa.nulls(table.num_rows, release_schema().field(column).type))
    return table


def release_part_keys(store: Store, name: str) -> list[str]:
    return parts.part_keys(store, RELEASES, name)


def iter_release_tables(store: Store, name: str, columns: list[str] | None = None,
                        optional: tuple[str, ...] = ()) -> Iterator[pa.Table]:
    load_release(store, name)
    for key in release_part_keys(store, name):
        yield read_part(store, key, columns, optional)


def release_index(store: Store, name: str) -> dict[str, dict]:
    """id -> kind, partition and content hash, without reading audio."""
    index = {}
    for table in iter_release_tables(store, name, INDEX_COLUMNS):
        for row in table.to_pylist():
            index[row["id"]] = row
    return index


def dataset_partitions(store: Store) -> set[str]:
    found = set()
    for key in parts.part_keys(store, names.SPEECH_DATASET, None):
        found.update(read_part(store, key, ["partition"])["partition"].to_pylist())
    return found


def check_selection(store: Store, selection: Selection) -> None:
    """Every partition the selection names must be in the dataset: a typo or a partition whose
    upstream never finished would otherwise give a silently smaller release."""
    if not parts.part_keys(store, names.SPEECH_DATASET, None):
        raise ReleaseError(f"no {names.SPEECH_DATASET} in {store.uri()}: materialize it first (`synth demo`)")
    present = dataset_partitions(store)  # reads every part: a corrupted one is named here
    if parts.stored_fingerprint(store, names.SPEECH_DATASET, None) is None:
        raise ReleaseError(f"{names.SPEECH_DATASET} in {store.uri(names.SPEECH_DATASET)} is incomplete (its last "
                           "part carries no fingerprint): rematerialize it")
    missing = sorted(set(selection.partitions) - present)
    if missing:
        raise ReleaseError(f"partitions not in {names.SPEECH_DATASET}: {', '.join(missing)} (missing, or an "
                           "upstream stage did not finish for them)")


def selected_rows(store: Store, selection: Selection, *, audio: bool = True) -> Iterator[dict]:
    """The selected speech_dataset rows, one part in memory at a time. ``audio=False`` leaves the
    audio column (nearly all of a part's bytes) unread."""
    for key in parts.part_keys(store, names.SPEECH_DATASET, None):
        columns = None
        if not audio:
            try:
                columns = [c for c in pq.read_schema(io.BytesIO(store.read_bytes(key))).names
                           if c not in ("audio", "audio_augmented")]
            except (pa.ArrowException, OSError) as error:
                raise ReleaseError(f"{store.uri(key)} is not a readable Parquet part ({error})") from error
        for row in read_part(store, key, columns).to_pylist():
            if selection.keeps(row):
                yield row


def finished_rows(store: Store, selection: Selection, light: dict[str, dict], mos_ids: set[str]) -> Iterator[dict]:
    """The selected rows with their audio, streamed, each with its content hash (and quality figures
    for a dataset made before they existed, and DNSMOS for ``mos_ids``); what each row gains is
    copied onto its audio-less twin in ``light`` (id -> row), which the card and release.json read."""
    for row in selected_rows(store, selection):
        row["content_hash"] = audio_hash(row["audio"])
        if row.get("peak_dbfs") is None:  # a dataset made before the quality columns
            row.update(flac_quality(row["audio"]))
        if row["id"] in mos_ids:
            row["mos"] = rate_one(row)
        light[row["id"]].update({k: v for k, v in row.items() if k not in ("audio", "audio_augmented")})
        yield row


def source_revisions(store: Store, documents: set[str], partitions: set[str]) -> dict[str, str]:
    """The crawl revision of each source document the release holds."""
    revisions = {}
    for partition in sorted(partitions):
        for table in parts.iter_tables(store, names.CRAWL_SNAPSHOT, partition, ["id", "revision_id"]):
            for doc_id, revision in zip(table["id"].to_pylist(), table["revision_id"].to_pylist()):
                if doc_id in documents:
                    revisions[doc_id] = revision
    return revisions


def diff_indexes(old: dict[str, dict], new: dict[str, dict]) -> dict:
    """Samples added, removed and changed (same id, other audio bytes), with counts by kind."""
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    changed = sorted(i for i in set(old) & set(new) if old[i]["content_hash"] != new[i]["content_hash"])

    def by_kind(ids, index):
        counts: dict[str, int] = {}
        for i in ids:
            counts[index[i]["kind"]] = counts.get(index[i]["kind"], 0) + 1
        return dict(sorted(counts.items()))

    return {"added": len(added), "removed": len(removed), "changed": len(changed),
            "unchanged": len(set(old) & set(new)) - len(changed),
            "added_by_kind": by_kind(added, new), "removed_by_kind": by_kind(removed, old),
            "changed_by_kind": by_kind(changed, new),
            "added_ids": added[:50], "removed_ids": removed[:50], "changed_ids": changed[:50]}


def diff_releases(store: Store, old: str, new: str) -> dict:
    return {"from": old, "to": new, **diff_indexes(release_index(store, old), release_index(store, new))}


def create_release(store: Store, name: str, selection: Selection = Selection(), *,
                   now: dt.datetime | None = None, rate_mos: bool = True,
                   track: Callable[[Release, str], str | None] | None = None) -> Release:
    """Cut a release from the stored speech_dataset. The dataset and earlier releases are only read.
    ``track(release, card)`` logs it (to MLflow) and returns a run id, recorded in release.json."""
    from synth_assets.release.card import dataset_card  # the card reads the figures made here

    check_name(name)
    if any(r.name == name for r in list_releases(store)):
        raise ReleaseError(f"release {name!r} exists already: a release is never rewritten, pick a new name")
    check_selection(store, selection)
    previous = list_releases(store)[-1].name if list_releases(store) else None
    prefix = release_prefix(name)
    store.delete_prefix(prefix)  # an interrupted attempt under this name (no release.json)
    try:
        # Two passes, so memory holds one part's audio at a time: the rows without audio first (what the
        # figures, the card and the DNSMOS sample need), then the audio, streamed into the release parts.
        light = {r["id"]: r for r in selected_rows(store, selection, audio=False)}
        if not light:
            raise ReleaseError(f"the selection {asdict(selection)} matches no sample of {names.SPEECH_DATASET}")
        rows = list(light.values())
        mos_ids = mos_sample(list(light), mos_budget(sum(r["duration_s"] for r in rows), len(rows))) if rate_mos else set()
        keys = parts.write_parts(store, RELEASES, name, finished_rows(store, selection, light, mos_ids),
                                 fingerprint_value=name, schema=release_schema())
        index = {r["id"]: {c: r[c] for c in INDEX_COLUMNS} for r in rows}
        release = Release(
            name=name, created_at=(now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
            selection=asdict(selection), previous=previous, samples=len(rows),
            hours=round(sum(r["duration_s"] for r in rows) / 3600, 4),
            counts_by_kind=_group(rows, lambda r: 1), hours_by_kind=_group(rows, lambda r: r["duration_s"] / 3600),
            parts={k.rsplit("/", 1)[1]: hashlib.sha256(store.read_bytes(k)).hexdigest() for k in keys},
            dataset_fingerprint=parts.stored_fingerprint(store, names.SPEECH_DATASET, None),
            code_versions={kind: sorted({r["made_by_code"] or "" for r in rows if r["kind"] == kind})
                           for kind in sorted({r["kind"] for r in rows})},
            source_revisions=source_revisions(store, {r["source_document"] for r in rows},
                                              {r["partition"] for r in rows}),
            diff=diff_indexes(release_index(store, previous), index) if previous else {},
        )
        card = dataset_card(release, rows)
        store.write_bytes(f"{prefix}/{CARD_FILE}", card.encode())
        if track is not None:
            release.mlflow_run_id = track(release, card)
        store.write_bytes(f"{prefix}/{RELEASE_FILE}", release.to_json())  # last: the release now exists
        return release
    except BaseException:  # stopped (Ctrl-C, SIGTERM) or failed: no half of a release stays behind
        if not store.exists(f"{prefix}/{RELEASE_FILE}"):
            store.delete_prefix(prefix)
        raise


def _group(rows: list[dict], value) -> dict:
    totals: dict[str, float] = {}
    for row in rows:
        totals[row["kind"]] = totals.get(row["kind"], 0) + value(row)
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in sorted(totals.items())}


def release_schema() -> pa.Schema:
    from synth_assets.release.rows import RELEASE_SCHEMA

    return pa.schema([*RELEASE_SCHEMA, pa.field("content_hash", pa.string())])


@dataclass
class Verification:
    name: str
    samples: int
    mismatched: list[str]  # ids whose audio no longer hashes to the recorded value
    bad_parts: list[str]  # part files whose bytes changed, or that are missing or unreadable

    @property
    def ok(self) -> bool:
        return not self.mismatched and not self.bad_parts


def verify_release(store: Store, name: str) -> Verification:
    """Recompute every part's and every sample's hash and compare with what the release recorded."""
    release = load_release(store, name)
    result = Verification(name=name, samples=0, mismatched=[], bad_parts=[])
    present = {k.rsplit("/", 1)[1]: k for k in release_part_keys(store, name)}
    for part_name, recorded in sorted(release.parts.items()):
        key = present.get(part_name)
        if key is None:
            result.bad_parts.append(f"{part_name}: missing")
            continue
        if hashlib.sha256(store.read_bytes(key)).hexdigest() != recorded:
            result.bad_parts.append(f"{part_name}: bytes changed")
        try:
            table = read_part(store, key, ["id", "audio", "content_hash"])
        except ReleaseError as error:
            result.bad_parts.append(f"{part_name}: unreadable ({error})")
            continue
        for sample_id, audio, recorded_hash in zip(*(table[c].to_pylist() for c in table.column_names)):
            result.samples += 1
            if audio_hash(audio) != recorded_hash:
                result.mismatched.append(sample_id)
    result.bad_parts += [f"{p}: not in the release record" for p in sorted(set(present) - set(release.parts))]
    return result


def mlflow_tracker(tracking_uri: str, experiment: str = "synth_assets") -> Callable[[Release, str], str]:
    """Each release as one MLflow run: its selection and figures, with the card attached."""
    from synth_assets.core.tracking import log_run

    def track(release: Release, card: str) -> str:
        params = {"release": release.name, "previous": release.previous, "selection": json.dumps(release.selection),
                  "dataset_fingerprint": release.dataset_fingerprint,
                  **{f"code_versions.{k}": ",".join(v) for k, v in release.code_versions.items()}}
        metrics = {"samples": release.samples, "hours": release.hours,
                   **{f"samples.{k}": v for k, v in release.counts_by_kind.items()},
                   **{f"diff.{k}": release.diff[k] for k in ("added", "removed", "changed") if k in release.diff}}
        return log_run(tracking_uri, experiment, f"release {release.name}", params, metrics,
                       artifacts={"README.md": card, RELEASE_FILE: release.to_json().decode()},
                       tags={"synth_assets.kind": "release"})

    return track
