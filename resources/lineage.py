"""The lineage store resource: where the DuckDB lineage table lives, delegating to
synth_assets/release/lineage.py, which builds and walks it."""

from __future__ import annotations

from dagster import ConfigurableResource

from synth_assets.core.storage import Store
from synth_assets.release.lineage import LineageStore as _Lineage


class LineageStore(ConfigurableResource):
    path: str

    def rebuild(self, store: Store) -> int:
        return _Lineage(self.path).rebuild(store)

    def walk(self, sample_id: str) -> list[dict]:
        return _Lineage(self.path).walk(sample_id)
