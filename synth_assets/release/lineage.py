"""The lineage store: a DuckDB table of every sample's id, parent and the parameters that made it.

Only the release step writes it (DuckDB allows one writer per file); `synth lineage ID` reads it and
walks a sample back to its source document and snapshot.

Beside the DuckDB file, the rebuild writes the same table as a SQLite file keyed by id: a walk back is
a handful of point lookups, and the standard library's sqlite3 answers them without DuckDB's or
pyarrow's import time (most of a second), so `synth lineage ID` stays well under a second on 100k
samples. The `--downstream` walk, a recursive query, runs in DuckDB.

On S3 the rebuild also publishes the SQLite index to the store (``lineage/lineage.index.sqlite``), so
`synth lineage` on any machine of the deployment reads it: ``from_store`` keeps a local copy per
ETag, fetched once, and each later query is a HEAD request plus the point lookups.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
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


PUBLISHED_INDEX = "lineage/lineage.index.sqlite"  # the index in the deployment's store (S3 deployments)


class LineageStore:
    """The DuckDB file at ``path`` (the LineageStore resource in resources/lineage.py names it)."""

    def __init__(self, path: str | Path, index_path: str | Path | None = None):
        self.path = str(path)
        self._index_path = str(index_path) if index_path else None

    @property
    def index_path(self) -> str:
        return self._index_path or f"{self.path}.index.sqlite"

    @classmethod
    def from_store(cls, store: Store, local: str | Path, cache: str | Path) -> LineageStore:
        """The lineage store a deployment's ``store`` holds: the local files under ``local`` for a
        folder, the published index (copied once per ETag into ``cache``) on S3."""
        if not store.uri().startswith("s3://"):
            return cls(Path(local) / "lineage.duckdb")
        try:
            remote = store.open_ranged(PUBLISHED_INDEX)  # a HEAD request: size and ETag, nothing fetched
        except Exception as error:  # the object is missing: no release has been cut
            if "404" in str(error) or "Not Found" in str(error) or "NoSuchKey" in str(error):
                return cls(Path(cache) / "none.duckdb", Path(cache) / "none.sqlite")
            raise
        name = hashlib.sha256(f"{store.uri(PUBLISHED_INDEX)}:{remote.etag}".encode()).hexdigest()[:24]
        copy = Path(cache) / f"lineage-{name}.sqlite"
        if not copy.exists():
            copy.parent.mkdir(parents=True, exist_ok=True)
            tmp = copy.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(remote.fetch(0, remote.size))
            tmp.replace(copy)
        return cls(copy.with_suffix(".duckdb"), copy)

    def publish(self, store: Store) -> None:
        """Put the index where every machine of an S3 deployment finds it (a folder store has it already)."""
        if store.uri().startswith("s3://"):
            store.write_bytes(PUBLISHED_INDEX, Path(self.index_path).read_bytes())

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
        self.publish(store)
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
        if not Path(self.path).exists() and not Path(self.index_path).exists():
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
