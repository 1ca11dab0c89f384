"""Result downloads: locate a run's Parquet series and stream it (as is, or as CSV) without loading it whole.

Under ASGI (daphne) Django buffers a *synchronous* streaming body completely before sending it, so the chunks
are handed over as an asynchronous iterator there; under WSGI and the test client they stay synchronous.
"""
import io
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse

from ..models import Run

CSV_BATCH_ROWS = 2048
FILE_CHUNK_BYTES = 256 * 1024


def series_path_or_none(run: Run) -> Path | None:
    """The Parquet file of a succeeded run, or None while it is not there."""
    if run.status != Run.Status.SUCCEEDED or not run.series_path:
        return None
    path = Path(run.series_path)
    return path if path.is_file() else None


def download_name(run: Run, extension: str) -> str:
    return f"run-{run.id}-series.{extension}"


def parquet_to_csv_chunks(path: Path, batch_rows: int | None = None) -> Iterator[bytes]:
    """CSV bytes of a Parquet file, one chunk per record batch; the header once, also for zero rows."""
    with pq.ParquetFile(path) as parquet:
        header_written = False
        for batch in parquet.iter_batches(batch_size=batch_rows or CSV_BATCH_ROWS):
            buffer = io.BytesIO()
            pacsv.write_csv(batch, buffer, pacsv.WriteOptions(include_header=not header_written))
            header_written = True
            yield buffer.getvalue()
        if not header_written:
            buffer = io.BytesIO()
            pacsv.write_csv(pa.Table.from_batches([], schema=parquet.schema_arrow), buffer)
            yield buffer.getvalue()


def file_chunks(path: Path, chunk_bytes: int | None = None) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_bytes or FILE_CHUNK_BYTES):
            yield chunk


async def _as_async(chunks: Iterable[bytes]) -> AsyncIterator[bytes]:
    """Pull each chunk of a synchronous iterator in a worker thread."""
    iterator = iter(chunks)
    done = object()
    pull = sync_to_async(next, thread_sensitive=False)
    while (chunk := await pull(iterator, done)) is not done:
        yield chunk


def download_response(request, chunks: Iterable[bytes], *, filename: str, content_type: str,
                      length: int | None = None) -> StreamingHttpResponse:
    """An attachment streamed chunk by chunk, asynchronously when served by ASGI."""
    is_asgi = isinstance(getattr(request, "_request", request), ASGIRequest)
    response = StreamingHttpResponse(_as_async(chunks) if is_asgi else chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if length is not None:
        response["Content-Length"] = str(length)
    return response
