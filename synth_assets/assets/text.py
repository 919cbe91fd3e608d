"""Text stages: documents cut into TTS-sized segments, then rewritten into spoken form."""


from dagster import AssetExecutionContext, Config
from pydantic import Field

from resources.storage import Storage
from synth_assets import parts
from synth_assets.records import Document, Quarantined, Segment
from synth_assets.snapshots import UNCHANGED
from synth_assets.stage import StageRun, run_stage, stage_asset, upstream_fingerprint
from synth_assets.text.segment import split_document
from synth_assets.text.spoken import EmptyAfterRewrite, spoken_text_record


class SegmentConfig(Config):
    min_words: int = Field(default=4, description="Shorter fragments are dropped with a reason.")
    max_words: int = Field(default=40, description="Longest utterance, about 15 s of speech.")


class SpokenConfig(Config):
    filler_rate: float = Field(default=0.15, description="Chance that a sentence gets a filler word.")


@stage_asset(
    deps=("crawl_snapshot",),
    group_name="text",
    kinds=("python", "parquet"),
    code_version="segments-v1",
    description="Documents split into sentences and packed into TTS-sized segments; headings, code and "
    "fragments dropped and exact duplicates removed, each with a recorded reason.",
)
def text_segments(context: AssetExecutionContext, config: SegmentConfig, store: Storage):
    partition = context.partition_key

    def produce(stage: StageRun):
        for row in parts.read_rows(store, "crawl_snapshot", partition):
            document = Document.from_row(row)
            if row.get("change") == UNCHANGED:  # its samples were made from an earlier snapshot
                stage.quarantine(Quarantined(stage="text_segments", file=document.file, position=document.position,
                                             reason=f"unchanged since an earlier snapshot: samples of {row['previous_id']}"))
                continue
            segments, drops = split_document(document, min_words=config.min_words, max_words=config.max_words)
            for drop in drops:
                stage.quarantine(Quarantined(stage="text_segments", file=document.file,
                                             position=f"{document.position}, segment {drop['position']}",
                                             reason=drop["reason"], raw=drop["text"][:300]))
            for segment in segments:
                yield {**segment.to_row(), "document_id": document.id}

    def summarize(frame):
        return {"segments": len(frame), "words": int(frame["words"].sum()),
                "by_role": frame["role"].value_counts().to_dict()}

    return run_stage(context, store, produce=produce, summarize=summarize,
                     inputs={"crawl_snapshot": upstream_fingerprint(store, "crawl_snapshot", partition),
                             "config": config.model_dump()})


@stage_asset(
    deps=("text_segments",),
    group_name="text",
    kinds=("python", "parquet"),
    code_version="spoken-v1",
    description="Segments rewritten into what a person would say: markup and asides dropped, numbers and "
    "symbols verbalized, fillers added with a seeded RNG; the operations are recorded per row.",
)
def spoken_text(context: AssetExecutionContext, config: SpokenConfig, store: Storage):
    partition = context.partition_key

    def produce(stage: StageRun):
        for row in parts.read_rows(store, "text_segments", partition):
            segment = Segment.from_row(row)
            try:
                spoken = spoken_text_record(segment, filler_rate=config.filler_rate)
            except EmptyAfterRewrite as error:
                stage.quarantine(Quarantined(stage="spoken_text", file=segment.id, position="",
                                             reason=str(error), raw=segment.text[:300]))
                continue
            yield {**spoken.to_row(), "document_id": row["document_id"]}

    def summarize(frame):
        operations = frame["operations"].explode().str.split(":").str[0].value_counts()
        return {"utterances": len(frame), "operations": operations.to_dict()}

    return run_stage(context, store, produce=produce, summarize=summarize,
                     inputs={"text_segments": upstream_fingerprint(store, "text_segments", partition),
                             "config": config.model_dump()})
