"""The lineage store: a DuckDB table of every sample's id, parent and the parameters that made it.

Only the release step writes it (DuckDB allows one writer per file); `synth lineage ID` reads it and
walks a sample back to its source document and snapshot.

Beside the DuckDB file, the rebuild writes the same table as a SQLite file keyed by id: a walk back is
a handful of point lookups, and the standard library's sqlite3 answers them without DuckDB's or
pyarrow's import time (most of a second), so `synth lineage ID` stays well under a second on 100k
samples. The `--downstream` walk, a recursive query, runs in DuckDB.
"""

from __future__ import annotations

import contextlib
import io
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from synth_assets.core.names import LINEAGE_ASSETS

if TYPE_CHECKING:
    import pyarrow as pa

    from synth_assets.core.storage import Store

# Every row of the stage assets (names.LINEAGE_ASSETS) has these columns.
CORE = ("id", "parent_id", "stage", "params", "code_version", "run_id")
DESCRIPTIVE = ("source", "snapshot", "title", "url", "revision_id", "voice_id", "text", "transcript", "wer",
               "license")


class LineageStore:
    """The DuckDB file at ``path`` (the LineageStore resource in resources/lineage.py names it)."""

    def __init__(self, path: str | Path):
        self.path = str(path)

    @property
    def index_path(self) -> str:
        return f"{self.path}.index.sqlite"

    def rebuild(self, store: Store) -> int:
        """Recreate the lineage table from the stored parts; returns its row count."""
        import duckdb

        from synth_assets.core import parts

        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        tmp = f"{self.path}.tmp"
        Path(tmp).unlink(missing_ok=True)
        with duckdb.connect(tmp) as con:
            con.execute("CREATE TABLE lineage (id VARCHAR PRIMARY KEY, parent_id VARCHAR, stage VARCHAR, "
                        "params VARCHAR, code_version VARCHAR, run_id VARCHAR, partition VARCHAR, "
                        + ", ".join(f"{c} VARCHAR" for c in DESCRIPTIVE) + ")")
            for asset in LINEAGE_ASSETS:
                for partition in parts.stored_partitions(store, asset):
                    for key in parts.part_keys(store, asset, partition):
                        con.register("batch", self._lineage_columns(store.read_bytes(key), partition))
                        con.execute("INSERT OR REPLACE INTO lineage SELECT * FROM batch")
                        con.unregister("batch")
            con.execute("CREATE INDEX lineage_parent ON lineage (parent_id)")  # --downstream walks children
            count = con.execute("SELECT count(*) FROM lineage").fetchone()[0]
            index_tmp = self._write_index(con)
        Path(tmp).replace(self.path)  # readers never see a half-built store
        Path(index_tmp).replace(self.index_path)
        return count

    def _write_index(self, con) -> str:
        """The lineage table copied into SQLite, for the walk back; returns the temp file's path."""
        tmp = f"{self.index_path}.tmp"
        Path(tmp).unlink(missing_ok=True)
        cursor = con.execute("SELECT * FROM lineage")
        columns = [d[0] for d in cursor.description]
        with sqlite3.connect(tmp) as index:
            quoted = ", ".join(f'"{c}"' for c in columns)  # "partition" is an SQL keyword
            index.execute(f"CREATE TABLE lineage ({quoted}, PRIMARY KEY (id)) WITHOUT ROWID")
            insert = f"INSERT INTO lineage VALUES ({', '.join('?' * len(columns))})"
            while batch := cursor.fetchmany(10_000):
                index.executemany(insert, batch)
        return tmp

    @staticmethod
    def _lineage_columns(data: bytes, partition: str) -> pa.Table:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pq.read_schema(io.BytesIO(data))
        wanted = [c for c in (*CORE, *DESCRIPTIVE) if c in schema.names]
        table = pq.read_table(io.BytesIO(data), columns=wanted)
        columns = {}
        for name in (*CORE, "partition", *DESCRIPTIVE):
            if name == "partition":
                columns[name] = pa.array([partition] * table.num_rows, pa.string())
            elif name in table.column_names:
                columns[name] = table[name].cast(pa.string())
            else:
                columns[name] = pa.nulls(table.num_rows, pa.string())
        return pa.table(columns)

    def walk(self, sample_id: str) -> list[dict]:
        """The sample and each of its ancestors, newest first, up to the source document."""
        if not Path(self.path).exists():
            return []
        chain, seen = [], set()
        if Path(self.index_path).exists():
            con = sqlite3.connect(f"file:{self.index_path}?mode=ro", uri=True)
        else:  # a store rebuilt before the index existed
            import duckdb

            con = duckdb.connect(self.path, read_only=True)
        with contextlib.closing(con):
            current = sample_id
            while current and current not in seen:
                seen.add(current)
                cursor = con.execute("SELECT * FROM lineage WHERE id = ?", [current])
                row = cursor.fetchone()
                if row is None:
                    break
                record = dict(zip([d[0] for d in cursor.description], row))
                chain.append(record)
                current = record["parent_id"]
        return chain

    def downstream(self, origin: str, limit: int = 1000) -> list[dict]:
        """Everything ``origin`` produced: a sample or source document (by id or parent id), a voice
        (voice_id), or a model or any parameter value named in a row's params; then their
        descendants, generation by generation. Each row gets its ``depth`` from the origin."""
        if not Path(self.path).exists():
            return []
        import duckdb

        with duckdb.connect(self.path, read_only=True) as con:
            cursor = con.execute(
                """
                WITH RECURSIVE found(id, depth) AS (
                    SELECT id, 0 FROM lineage
                    WHERE id = $origin OR parent_id = $origin OR voice_id = $origin
                       OR contains(params, '"' || $origin || '"')
                    UNION
                    SELECT child.id, found.depth + 1 FROM lineage child JOIN found ON child.parent_id = found.id
                    WHERE found.depth < 20
                )
                SELECT lineage.*, min(found.depth) AS depth FROM found JOIN lineage USING (id)
                GROUP BY ALL ORDER BY depth, stage, id LIMIT $limit
                """, {"origin": origin, "limit": limit})
            columns = [d[0] for d in cursor.description]
            return [dict(zip(columns, row)) for row in cursor.fetchall()]
