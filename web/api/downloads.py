"""Result downloads: locate a run's Parquet series and stream it as CSV without loading it whole."""
import io
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..models import Run

CSV_BATCH_ROWS = 2048


def series_path_or_none(run: Run) -> Path | None:
    """The Parquet file of a succeeded run, or None while it is not there."""
    if run.status != Run.Status.SUCCEEDED or not run.series_path:
        return None
    path = Path(run.series_path)
    return path if path.is_file() else None


def download_name(run: Run, extension: str) -> str:
    return f"run-{run.id}-series.{extension}"


def parquet_to_csv_chunks(parquet: pq.ParquetFile, batch_rows: int = CSV_BATCH_ROWS) -> Iterator[bytes]:
    """CSV bytes of a Parquet file, one chunk per record batch; the header once, also for zero rows."""
    header_written = False
    for batch in parquet.iter_batches(batch_size=batch_rows):
        buffer = io.BytesIO()
        pacsv.write_csv(batch, buffer, pacsv.WriteOptions(include_header=not header_written))
        header_written = True
        yield buffer.getvalue()
    if not header_written:
        buffer = io.BytesIO()
        pacsv.write_csv(pa.Table.from_batches([], schema=parquet.schema_arrow), buffer)
        yield buffer.getvalue()
