"""The two partition sets, as Dagster sees them: what a key means lives with its stage
(synth_assets/crawl/shards.py, synth_assets/recordings/batches.py)."""

from __future__ import annotations

from dagster import DynamicPartitionsDefinition

from synth_assets.core import names

# One partition per dump file (or slice) of a crawl snapshot: "<source>/<snapshot>/<file>".
shards = DynamicPartitionsDefinition(name=names.CRAWL_SHARDS)
# Real recordings: one partition per group of a folder's files, "<collection>/<folder>@part-NNN".
audio_batches = DynamicPartitionsDefinition(name=names.AUDIO_BATCHES)
