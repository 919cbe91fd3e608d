"""Text stages: documents cut into TTS-sized segments, then rewritten into spoken form."""

import itertools

from dagster import AssetExecutionContext, Config
from pydantic import Field

from resources.rewriter import TextRewriter
from resources.storage import Storage
from synth_assets.segments import dedup
from synth_assets.core import parts
from synth_assets.core.records import Document, Quarantined, Segment
from synth_assets.crawl.snapshots import UNCHANGED
from synth_assets.orchestration.stage import StageRun, run_stage, stage_asset, upstream_fingerprint
from synth_assets.segments.language import boilerplate, detect_language
from synth_assets.segments.segment import split_document
from synth_assets.spoken.rewrite import DropText, new_response_record, single_exchange, spoken_text_record


class SegmentConfig(Config):
    min_words: int = Field(default=4, description="Shorter fragments are dropped with a reason.")
    max_words: int = Field(default=40, description="Longest utterance, about 15 s of speech.")
    near_duplicate_threshold: float = Field(
        default=0.8, gt=0.0, le=1.0, description="MinHash-estimated Jaccard similarity of word shingles at or "
        "above which a segment is dropped as a near-duplicate of a kept one; 1.0 keeps exact dedup only.")
    shingle_words: int = Field(default=dedup.SHINGLE_WORDS, ge=1, description="Words per shingle for "
                               "near-duplicates (3: one changed word in a 40-word segment is still ~0.85).")
    languages: list[str] = Field(default=["en"], description="Documents detected in another language are "
                                 "dropped (codes: en de fr es it pt nl; empty list keeps all). Too little text "
                                 "to tell counts as unknown and is kept.")
    dedup_across_partitions: bool = Field(
        default=True, description="Also drop duplicates of segments in complete text_segments partitions "
        "sorting before this one by (snapshot, source, file); else only within this partition.")


class SpokenConfig(Config):
    filler_rate: float = Field(default=0.15, description="Chance that a sentence gets a filler word.")
    new_responses: bool = Field(default=True, description="With an LLM rewriter: instruction documents get a "
                                "new spoken answer to the rewritten instruction (LLaMA-Omni's step two) "
                                "instead of a rewrite of the dataset's written one.")
    misspell_rate: float = Field(default=0.05, description="User turns: chance that a word is misspelled in "
                                 "the written copy (column `misspelled`); each change is recorded.")


@stage_asset(
    deps=("crawl_snapshot",),
    group_name="text",
    kinds=("python", "parquet"),
    code_version="segments-v3",
    description="Documents split into sentences and packed into TTS-sized segments; documents in other "
    "languages, headings, code, boilerplate and fragments dropped, and exact and near-duplicates removed (within the partition and against complete "
    "partitions of earlier snapshots/sources), each with a recorded reason.",
)
def text_segments(context: AssetExecutionContext, config: SegmentConfig, store: Storage):
    partition = context.partition_key
    earlier = dedup.earlier_partitions(store, partition) if config.dedup_across_partitions else {}

    def produce(stage: StageRun):
        index = dedup.DedupIndex(config.near_duplicate_threshold, shingle_words=config.shingle_words)
        indexed = dedup.index_partitions(index, store, earlier)
        context.log.info(f"deduplicating against {indexed} segments of {len(earlier)} earlier partitions")
        for row in parts.read_rows(store, "crawl_snapshot", partition):
            document = Document.from_row(row)

            def drop(reason: str, segment: int | None = None, text: str = "") -> None:
                where = document.position if segment is None else f"{document.position}, segment {segment}"
                stage.quarantine(Quarantined(stage="text_segments", file=document.file, position=where,
                                             reason=reason, raw=text[:300]))

            if row.get("change") == UNCHANGED:  # its samples were made from an earlier snapshot
                drop(f"unchanged since an earlier snapshot: samples of {row['previous_id']}")
                continue
            language, share = detect_language(document.text)
            if config.languages and language != "unknown" and language not in config.languages:
                drop(f"language {language} ({share:.0%} function words), keeping {', '.join(config.languages)}",
                     text=document.text)
                continue
            segments, drops = split_document(document, min_words=config.min_words, max_words=config.max_words)
            for item in drops:
                drop(item["reason"], item["position"], item["text"])
            for segment in segments:
                if boilerplate(segment.text):
                    drop("boilerplate", segment.position, segment.text)
                elif match := index.check_and_add(segment.id, segment.text):
                    drop(match.reason, segment.position, segment.text)
                else:
                    yield {**segment.to_row(), "document_id": document.id, "language": language}

    def summarize(frame):
        return {"segments": len(frame), "words": int(frame["words"].sum()),
                "by_role": frame["role"].value_counts().to_dict()}

    return run_stage(context, store, produce=produce, summarize=summarize,
                     inputs={"crawl_snapshot": upstream_fingerprint(store, "crawl_snapshot", partition),
                             "config": config.model_dump(), "dedup_against": earlier})


@stage_asset(
    deps=("text_segments",),
    group_name="text",
    kinds=("python", "parquet"),
    code_version="spoken-v3",
    description="Segments rewritten into what a person would say: markup and asides dropped, numbers and "
    "symbols verbalized, fillers added with a seeded RNG; the operations are recorded per row.",
)
def spoken_text(context: AssetExecutionContext, config: SpokenConfig, store: Storage,
                rewriter: TextRewriter):
    partition = context.partition_key
    engine = None if rewriter.backend == "rules" else rewriter

    def produce(stage: StageRun):
        rows = parts.read_rows(store, "text_segments", partition)
        for document_id, group in itertools.groupby(rows, key=lambda row: row["document_id"]):
            segments = [Segment.from_row(row) for row in group]
            regenerate = engine is not None and config.new_responses and single_exchange(segments)
            instruction = []
            for segment in segments:
                if regenerate and segment.role == "assistant":
                    continue  # replaced below by a new spoken answer
                try:
                    spoken = spoken_text_record(segment, filler_rate=config.filler_rate,
                                                misspell_rate=config.misspell_rate, rewriter=engine)
                except DropText as error:
                    stage.quarantine(Quarantined(stage="spoken_text", file=segment.id, position="",
                                                 reason=str(error), raw=segment.text[:300]))
                    continue
                instruction.append(spoken)
                yield {**spoken.to_row(), "document_id": document_id}
            if regenerate and instruction:
                replaced = [s for s in segments if s.role == "assistant"]
                try:
                    response = new_response_record(instruction, replaced, engine)
                except DropText as error:
                    stage.quarantine(Quarantined(stage="spoken_text", file=replaced[0].id, position="response",
                                                 reason=f"new response unusable: {error}"))
                    continue
                yield {**response.to_row(), "document_id": document_id}

    def summarize(frame):
        operations = frame["operations"].explode().str.split(":").str[0].value_counts()
        return {"utterances": len(frame), "operations": operations.to_dict()}

    return run_stage(context, store, produce=produce, summarize=summarize,
                     inputs={"text_segments": upstream_fingerprint(store, "text_segments", partition),
                             "config": config.model_dump(),
                             "rewriter": rewriter.model_dump(exclude={"api_key", "timeout_s"})})
