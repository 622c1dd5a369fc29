from __future__ import annotations

import numpy as np
import pytest

from genoenc.tokenize import (
    kmer_bases,
    kmer_ids,
    kmer_vocab_size,
    reverse_complement_kmer_ids,
    smallest_uint_dtype,
)
from genoenc.tokenize.kmer import _rc_arithmetic
from tests.tokenize import reference


def _python_rc_id(kmer: int, k: int) -> int:
    n_kmers = 4**k
    if kmer == n_kmers + 1:
        return n_kmers + 2
    if kmer == n_kmers + 2:
        return n_kmers + 1
    if kmer >= n_kmers:
        return kmer
    digits = [(kmer // 4 ** (k - 1 - j)) % 4 for j in range(k)]
    return reference.kmer_id([d ^ 1 for d in reversed(digits)])


@pytest.mark.parametrize("k", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_kmer_ids_match_reference(k: int, stride: int) -> None:
    rng = np.random.default_rng(k * 10 + stride)
    bases = rng.choice(8, size=200, p=[0.22, 0.22, 0.22, 0.22, 0.04, 0.03, 0.03, 0.02])
    expected = [
        reference.kmer_id(bases[i : i + k].tolist()) for i in range(0, len(bases) - k + 1, stride)
    ]
    assert kmer_ids(bases, k, stride=stride).tolist() == expected


def test_kmer_ids_along_last_axis_and_short_input() -> None:
    bases = np.array([[0, 1, 2, 3], [3, 2, 1, 0]])
    assert kmer_ids(bases, 2).tolist() == [[1, 6, 11], [14, 9, 4]]
    assert kmer_ids(np.array([0, 1]), 3).shape == (0,)


@pytest.mark.parametrize("k", [1, 4, 12])
def test_kmer_bases_inverts_kmer_ids(k: int) -> None:
    rng = np.random.default_rng(k)
    bases = rng.integers(0, 4, size=(50, k))
    ids = kmer_ids(bases, k, stride=k)[:, 0]
    assert (kmer_bases(ids, k) == bases).all()
    with pytest.raises(ValueError, match="not an ACGT or N"):
        kmer_bases(np.array([4**k + 1]), k)


@pytest.mark.parametrize("k", [1, 2, 3, 6, 11, 12])
def test_reverse_complement_ids_match_python(k: int) -> None:
    rng = np.random.default_rng(k)
    ids = np.concatenate([rng.integers(0, 4**k, size=300), 4**k + np.arange(4), [0, 4**k - 1]])
    expected = [_python_rc_id(int(i), k) for i in ids]
    result = reverse_complement_kmer_ids(ids, k)
    assert result.tolist() == expected
    assert (reverse_complement_kmer_ids(result, k) == ids).all()


@pytest.mark.parametrize("k", [9, 10])
def test_table_and_arithmetic_agree(k: int) -> None:
    ids = np.random.default_rng(k).integers(0, kmer_vocab_size(k), size=5000)
    assert (reverse_complement_kmer_ids(ids, k) == _rc_arithmetic(ids, k)).all()


def test_reverse_complement_rejects_out_of_range() -> None:
    with pytest.raises(ValueError, match="not a 2-mer id"):
        reverse_complement_kmer_ids(np.array([20]), 2)


def test_smallest_uint_dtype_limits() -> None:
    assert smallest_uint_dtype(65536) == np.uint16
    assert smallest_uint_dtype(65537) == np.uint32
    with pytest.raises(ValueError, match="do not fit"):
        smallest_uint_dtype(2**33)
