"""text_segments' work: a partition's documents cut into TTS-sized segments, with every document or
segment that is dropped (another language, unchanged since an earlier snapshot, boilerplate, a
fragment, a duplicate) sent to the quarantine with its reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from synth_assets.core import names, parts
from synth_assets.core.fields import setting
from synth_assets.core.records import Document, Quarantined
from synth_assets.core.stage_run import StageRun
from synth_assets.core.storage import Store
from synth_assets.crawl.snapshots import UNCHANGED
from synth_assets.segments import dedup
from synth_assets.segments.language import boilerplate, detect_language, foreign_passage
from synth_assets.segments.segment import MAX_WORDS, PACK_WORDS, split_document


@dataclass(frozen=True)
class SegmentSettings:
    min_words: int = setting(4, "Shorter fragments are dropped with a reason.")
    max_words: int = setting(MAX_WORDS, "Longest segment, about 22 s of speech. A longer sentence is cut only "
                             "where both halves stand alone as sentences, else dropped with a recorded reason.")
    pack_words: int = setting(PACK_WORDS, "Whole sentences of a paragraph are joined into one segment up to "
                              "this many words.")
    near_duplicate_threshold: float = setting(
        0.8, "MinHash-estimated Jaccard similarity of word shingles at or above which a segment is dropped as a "
        "near-duplicate of a kept one; 1.0 keeps exact dedup only.", gt=0.0, le=1.0)
    shingle_words: int = setting(dedup.SHINGLE_WORDS, "Words per shingle for near-duplicates (3: one changed word "
                                 "in a 40-word segment is still ~0.85).", ge=1)
    languages: tuple[str, ...] = setting(("en",), "Documents detected in another language are dropped (codes: en "
                                         "de fr es it pt nl; empty list keeps all). Too little text to tell counts "
                                         "as unknown and is kept.")
    dedup_across_partitions: bool = setting(True, "Also drop duplicates of segments in complete text_segments "
                                            "partitions sorting before this one by (snapshot, source, file); else "
                                            "only within this partition.")


def earlier_partitions(store: Store, partition: str, settings: SegmentSettings) -> dict[str, str]:
    """The complete text_segments partitions this one is deduplicated against (partition -> fingerprint)."""
    return dedup.earlier_partitions(store, partition) if settings.dedup_across_partitions else {}


def segment_partition(stage: StageRun, store: Store, partition: str, settings: SegmentSettings,
                      earlier: dict[str, str], log: Callable[[str], None] = lambda message: None) -> Iterator[dict]:
    index = dedup.DedupIndex(settings.near_duplicate_threshold, shingle_words=settings.shingle_words)
    indexed = dedup.index_partitions(index, store, earlier)
    log(f"deduplicating against {indexed} segments of {len(earlier)} earlier partitions")
    for row in parts.read_rows(store, names.CRAWL_SNAPSHOT, partition):
        document = Document.from_row(row)

        def drop(reason: str, segment: int | None = None, text: str = "") -> None:
            where = document.position if segment is None else f"{document.position}, segment {segment}"
            stage.quarantine(Quarantined(stage=names.TEXT_SEGMENTS, file=document.file, position=where,
                                         reason=reason, raw=text[:300]))

        if row.get("change") == UNCHANGED:  # its samples were made from an earlier snapshot
            drop(f"unchanged since an earlier snapshot: samples of {row['previous_id']}")
            continue
        language, share = detect_language(document.text)
        if settings.languages and language != "unknown" and language not in settings.languages:
            drop(f"language {language} ({share:.0%} function words), keeping {', '.join(settings.languages)}",
                 text=document.text)
            continue
        segments, drops = split_document(document, min_words=settings.min_words, max_words=settings.max_words,
                                         pack_words=settings.pack_words)
        for item in drops:
            drop(item["reason"], item["position"], item["text"])
        for segment in segments:
            if boilerplate(segment.text):
                drop("boilerplate", segment.position, segment.text)
            elif passage := foreign_passage(segment.text, settings.languages):
                drop(passage, segment.position, segment.text)
            elif match := index.check_and_add(segment.id, segment.text):
                drop(match.reason, segment.position, segment.text)
            else:
                yield {**segment.to_row(), "document_id": document.id, "language": language}
