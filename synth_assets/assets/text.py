"""Text stages: documents cut into TTS-sized segments (synth_assets/segments/), then rewritten into
spoken form (synth_assets/spoken/)."""

from dagster import AssetExecutionContext, Config

from resources.rewriter import TextRewriter
from resources.storage import Storage
from synth_assets.core import names
from synth_assets.orchestration.config import carrying, settings_from
from synth_assets.orchestration.stage import run_stage, stage_asset, upstream_fingerprint
from synth_assets.segments.partition import SegmentSettings, earlier_partitions, segment_partition
from synth_assets.spoken.partition import SpokenSettings, speak_partition

class SegmentConfig(Config, carrying(SegmentSettings)):
    def settings(self) -> SegmentSettings:
        return settings_from(SegmentSettings, self)


class SpokenConfig(Config, carrying(SpokenSettings)):
    def settings(self) -> SpokenSettings:
        return settings_from(SpokenSettings, self)


@stage_asset(
    deps=(names.CRAWL_SNAPSHOT,),
    group_name="text",
    kinds=("python", "parquet"),
    code_version="segments-v5",  # v5: back-matter sections, and list items that are not sentences, dropped
    description="Documents split into whole sentences and packed into TTS-sized segments (a too-long sentence "
    "is cut only at a clause boundary where both halves stand alone, else dropped); documents in other "
    "languages, headings, code, boilerplate, fragments, back-matter sections (references, further reading, "
    "filmographies, popular culture), citations and narration's list items that are not sentences dropped, and exact and near-duplicates removed (within the partition and against complete "
    "partitions of earlier snapshots/sources), each with a recorded reason.",
)
def text_segments(context: AssetExecutionContext, config: SegmentConfig, store: Storage):
    partition, settings = context.partition_key, config.settings()
    earlier = earlier_partitions(store, partition, settings)

    def summarize(frame):
        return {"segments": len(frame), "words": int(frame["words"].sum()),
                "by_role": frame["role"].value_counts().to_dict()}

    return run_stage(context, store, summarize=summarize,
                     produce=lambda stage: segment_partition(stage, store, partition, settings, earlier,
                                                             log=context.log.info),
                     inputs={names.CRAWL_SNAPSHOT: upstream_fingerprint(store, names.CRAWL_SNAPSHOT, partition),
                             "config": config.model_dump(), "dedup_against": earlier})


@stage_asset(
    deps=(names.TEXT_SEGMENTS,),
    group_name="text",
    kinds=("python", "parquet"),
    code_version="spoken-v6",  # v6: "Mrs." read "Missus", undotted titles; no filler before a question tag
    description="Segments rewritten into what a person would say: markup and asides dropped, editorial "
    "brackets resolved, foreign script transliterated or dropped, numbers, symbols and roman numerals "
    "verbalized, rows with anything unspeakable or a roman numeral no reading fits left dropped, fillers placed by register with a seeded RNG; the operations are "
    "recorded per row.",
)
def spoken_text(context: AssetExecutionContext, config: SpokenConfig, store: Storage, rewriter: TextRewriter):
    partition, engine = context.partition_key, rewriter.rewriter()

    def summarize(frame):
        operations = frame["operations"].explode().str.split(":").str[0].value_counts()
        return {"utterances": len(frame), "operations": operations.to_dict()}

    return run_stage(context, store, summarize=summarize,
                     produce=lambda stage: speak_partition(stage, store, partition, config.settings(),
                                                           engine),
                     inputs={names.TEXT_SEGMENTS: upstream_fingerprint(store, names.TEXT_SEGMENTS, partition),
                             "config": config.model_dump(), "rewriter": engine.output_settings()})
