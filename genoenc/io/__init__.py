"""Streaming readers: FASTA, BAM/CRAM, FASTQ and text, yielding bounded chunks.

Readers know nothing of tokens: they yield :class:`Chunk` objects holding sequence
bytes with no line breaks, each record as one or more chunks of at most
``chunk_size`` bytes, so memory never grows with a record's length.
"""

from genoenc.io._fasta import read_fasta
from genoenc.io._inputs import InputDigests, ReaderConfig, describe_inputs, read_inputs
from genoenc.io._open import DEFAULT_CHUNK_SIZE, detect_compression, file_compression
from genoenc.io._reads import read_alignments, read_fastq
from genoenc.io._records import Chunk, ReadOrigin
from genoenc.io._regions import Region, parse_region, read_bed, read_fasta_regions
from genoenc.io._stdin import STDIN, local_path
from genoenc.io._text import read_text

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "STDIN",
    "Chunk",
    "InputDigests",
    "ReadOrigin",
    "ReaderConfig",
    "Region",
    "describe_inputs",
    "detect_compression",
    "file_compression",
    "local_path",
    "parse_region",
    "read_alignments",
    "read_bed",
    "read_fasta",
    "read_fasta_regions",
    "read_fastq",
    "read_inputs",
    "read_text",
]
