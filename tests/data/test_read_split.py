"""Reads are split by locus (BAM/CRAM) or template (FASTQ), never by stream offset (issue 13).

Before this rule the reads of a 50x locus fell in train and test alike: the test leak
below (the share of test 16-mers also seen in train) was near 100 %.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from genoenc.data import SplitConfig, WindowConfig, split_blocks
from genoenc.data.read_split import make_piece, read_split
from genoenc.io import ReaderConfig, ReadOrigin
from genoenc.store import tokenize_inputs
from genoenc.tokenize import TokenizerConfig, build_tokenizer
from genoenc.train.config import RunConfig
from genoenc.train.sources import open_piece_source
from tests.helpers import sample_path

K = 16
SPLIT = SplitConfig(val_fraction=0.25, test_fraction=0.25, block_tokens=500, seed=3)
_BASES = "ATCG"  # base ids 0..3


def _reads_of(blocks: Iterator[tuple[int, np.ndarray]]) -> list[str]:
    """The reads (runs of bases between START/END/N) in a split's blocks."""
    reads: list[str] = []
    current: list[str] = []
    for _, ids in blocks:
        for token in ids.tolist():
            if token < 4:
                current.append(_BASES[token])
            elif current:
                reads.append("".join(current))
                current = []
    if current:
        reads.append("".join(current))
    return reads


def _kmers(reads: list[str]) -> set[str]:
    return {read[i : i + K] for read in reads for i in range(len(read) - K + 1)}


def _split_reads(cfg: RunConfig, split: str) -> list[str]:
    source = open_piece_source(cfg, build_tokenizer(cfg.tokenizer))
    return _reads_of(split_blocks(source(), cfg.split, split))


def test_bam_reads_of_one_locus_never_fall_in_train_and_test() -> None:
    # NA12878_small: 973 reads at ~50x over 2 kb of chr20.
    cfg = RunConfig(reader=ReaderConfig(bam=(str(sample_path("NA12878_small.bam")),)), split=SPLIT)
    train, test = _split_reads(cfg, "train"), _split_reads(cfg, "test")
    assert len(train) > 100
    assert len(test) > 100
    test_kmers = _kmers(test)
    leaked = len(test_kmers & _kmers(train)) / len(test_kmers)
    assert leaked < 0.05, f"{leaked:.0%} of test {K}-mers are in train reads"


def test_every_read_goes_to_at_most_one_split_and_most_are_kept() -> None:
    cfg = RunConfig(reader=ReaderConfig(bam=(str(sample_path("NA12878_small.bam")),)), split=SPLIT)
    counts = {split: len(_split_reads(cfg, split)) for split in ("train", "val", "test")}
    # 965 mapped reads with a sequence (+ 8 unplaced); those straddling two splits' blocks
    # (templates of ~300 bases across 500-base blocks) are dropped.
    assert 500 < sum(counts.values()) <= 973


def _write_pair(folder: Path, templates: int) -> tuple[Path, Path]:
    rng = random.Random(0)
    files = []
    for mate in (1, 2):
        lines = []
        for index in range(templates):
            seq = "".join(rng.choice("ACGT") for _ in range(40))
            lines += [f"@t{index}/{mate}", seq, "+", "I" * 40]
        path = folder / f"reads_{mate}.fastq"
        path.write_text("\n".join(lines) + "\n")
        files.append(path)
    return files[0], files[1]


def test_fastq_mates_in_two_files_go_to_the_same_split(tmp_path: Path) -> None:
    first, second = _write_pair(tmp_path, templates=300)
    reads = {}
    for path in (first, second):
        for number, line in enumerate(path.read_text().splitlines()):
            if number % 4 == 1:
                reads[line] = int(path.read_text().splitlines()[number - 1][2:].split("/")[0])
    # Blocks of 100 tokens: a block-hash split of the stream would separate the mates.
    split_cfg = SplitConfig(val_fraction=0.25, test_fraction=0.25, block_tokens=100)
    cfg = RunConfig(
        reader=ReaderConfig(fastq=(str(first), str(second))),
        split=split_cfg,
        window=WindowConfig(context=32),
    )
    split_of: dict[int, set[str]] = {}
    for split in ("train", "val", "test"):
        for read in _split_reads(cfg, split):
            split_of.setdefault(reads[read], set()).add(split)
    assert len(split_of) == 300  # nothing is dropped: FASTQ reads are unplaced
    assert all(len(splits) == 1 for splits in split_of.values())
    assert {next(iter(s)) for s in split_of.values()} == {"train", "val", "test"}


def test_a_store_of_reads_keeps_their_origin_and_splits_the_same(tmp_path: Path) -> None:
    reader = ReaderConfig(bam=(str(sample_path("NA12878_small.bam")),))
    tokenize_inputs(reader, TokenizerConfig(), tmp_path / "store")
    streamed = RunConfig(reader=reader, split=SPLIT)
    stored = RunConfig(tokens=str(tmp_path / "store"), split=SPLIT)
    for split in ("train", "test"):
        assert _split_reads(stored, split) == _split_reads(streamed, split)


def test_rules_for_one_read() -> None:
    cfg = SplitConfig(val_fraction=0.3, test_fraction=0.3, block_tokens=1000, seed=1)
    block_split = [
        read_split(ReadOrigin("r", "chr1", b * 1000, b * 1000 + 10), cfg) for b in range(40)
    ]
    assert set(block_split) == {"train", "val", "test"}
    # A template over two blocks of different splits is dropped; within one block it is kept.
    change = next(b for b in range(39) if block_split[b] != block_split[b + 1])
    assert (
        read_split(ReadOrigin("r", "chr1", change * 1000 + 900, change * 1000 + 1100), cfg) is None
    )
    assert (
        read_split(ReadOrigin("r", "chr1", change * 1000 + 500, change * 1000 + 999), cfg)
        == (block_split[change])
    )
    # Unplaced reads go by template name; the record rule puts placed reads by contig.
    assert read_split(ReadOrigin("frag"), cfg) == read_split(ReadOrigin("frag"), cfg)
    by_contig = SplitConfig(test_records=("chr2",))
    assert read_split(ReadOrigin("r", "chr2", 5, 100), by_contig) == "test"
    assert read_split(ReadOrigin("r", "chr1", 5, 100), by_contig) == "train"
    assert read_split(ReadOrigin("r"), by_contig) == "train"


def test_sequences_before_reads_split_as_before_and_reads_must_come_last() -> None:
    genome = [("chr1", np.arange(1000) % 4)]
    reads = [make_piece("r1", np.array([5, 0, 1, 6]), ReadOrigin("r1"))]
    cfg = SplitConfig(val_fraction=0.3, test_fraction=0.3, block_tokens=100)
    for split in ("train", "val", "test"):
        alone = [ids.tolist() for _, ids in split_blocks(genome, cfg, split)]
        mixed = [ids.tolist() for _, ids in split_blocks([*genome, *reads], cfg, split)]
        read_split_name = read_split(ReadOrigin("r1"), cfg)
        assert mixed == alone + ([[5, 0, 1, 6]] if split == read_split_name else [])
    with pytest.raises(ValueError, match="reads must come last"):
        list(split_blocks([*reads, *genome], cfg, "train"))
