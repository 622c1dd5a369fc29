from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genoenc.errors import SequenceCharError
from genoenc.io import Chunk
from genoenc.tokenize import KmerTokenizer, TokenizerConfig
from tests.tokenize import reference

REGIMES = [(k, stride) for k in range(1, 9) for stride in sorted({1, k})]
# Every character class of DESIGN's vocabulary: bases, soft-masked, U, IUPAC, gaps.
ALL_CHARS = "ACGTacgtNnUuRYKMSWBDHVrykmswbdhv-."


def _tok(k: int, stride: int) -> KmerTokenizer:
    return KmerTokenizer(TokenizerConfig(k=k, stride=stride))


def _chunks(name: str, seq: bytes, cuts: list[int], path: str = "x.fa") -> list[Chunk]:
    bounds = [0, *sorted(set(c for c in cuts if 0 < c < len(seq))), len(seq)]
    pieces = list(itertools.pairwise(bounds)) or [(0, 0)]
    return [
        Chunk(
            path=path,
            name=name,
            seq=seq[lo:hi],
            start=lo,
            first=i == 0,
            last=i == len(pieces) - 1,
        )
        for i, (lo, hi) in enumerate(pieces)
    ]


def _framed(tok: KmerTokenizer, chunks: list[Chunk]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for chunk, ids in tok.encode_chunks(chunks):
        assert ids.dtype == tok.store_dtype
        out.setdefault(chunk.name, []).extend(ids.tolist())
    return out


@pytest.mark.parametrize(("k", "stride"), REGIMES)
@settings(max_examples=25, deadline=None)
@given(seq=st.text(alphabet="ACGT", max_size=60))
def test_decode_inverts_encode_for_acgt(k: int, stride: int, seq: str) -> None:
    tok = _tok(k, stride)
    data = seq.encode()
    kept = data if stride == 1 else data[: len(data) - len(data) % k]
    assert tok.decode(tok.encode(data)) == kept
    # Framing is skipped by decode.
    framed = next(iter(_framed(tok, _chunks("r", data, [])).values()))
    assert tok.decode(np.array(framed)) == kept


@pytest.mark.parametrize(("k", "stride"), REGIMES)
@settings(max_examples=20, deadline=None)
@given(
    records=st.lists(st.text(alphabet=ALL_CHARS, max_size=40), min_size=1, max_size=3),
    cuts=st.lists(st.integers(min_value=1, max_value=39), max_size=6),
)
def test_framed_ids_match_reference_for_any_chunking(
    k: int, stride: int, records: list[str], cuts: list[int]
) -> None:
    tok = _tok(k, stride)
    chunks = [
        chunk for i, seq in enumerate(records) for chunk in _chunks(f"r{i}", seq.encode(), cuts[i:])
    ]
    whole = [chunk for i, seq in enumerate(records) for chunk in _chunks(f"r{i}", seq.encode(), [])]
    got = _framed(tok, chunks)
    assert got == _framed(tok, whole)
    for i, seq in enumerate(records):
        assert got[f"r{i}"] == reference.framed(seq, k, stride)
        assert tok.encode(seq.encode()).tolist() == reference.framed(seq, k, stride)[1:-1]


def test_encode_names_the_bad_position() -> None:
    tok = _tok(1, 1)
    with pytest.raises(SequenceCharError) as info:
        tok.encode(b"ACGTZ")
    assert info.value.position == 4
    assert "'Z'" in str(info.value)


def test_encode_chunks_error_names_file_record_and_position() -> None:
    tok = _tok(3, 3)
    chunks = _chunks("chr2", b"ACGTACGT*ACGT", [5], path="data/x.fa")
    with pytest.raises(SequenceCharError) as info:
        list(tok.encode_chunks(chunks))
    assert str(info.value) == (
        "data/x.fa: record chr2, position 8: unexpected character '*' in a DNA sequence"
    )


def test_encode_chunks_rejects_broken_framing() -> None:
    tok = _tok(1, 1)
    first = Chunk(path="x", name="a", seq=b"AC", start=0, first=True, last=False)
    middle = Chunk(path="x", name="a", seq=b"AC", start=2, first=False, last=False)
    with pytest.raises(ValueError, match="without its last chunk"):
        list(tok.encode_chunks([first, middle]))
    with pytest.raises(ValueError, match="ended without a last chunk"):
        list(tok.encode_chunks([first, first]))
    with pytest.raises(ValueError, match="without a first chunk"):
        list(tok.encode_chunks([middle]))


def test_alphabet_is_what_encode_accepts() -> None:
    tok = _tok(2, 1)
    assert set(tok.alphabet) == set(ALL_CHARS.encode())
    tok.encode(tok.alphabet)
    for byte in set(range(256)) - set(tok.alphabet):
        with pytest.raises(SequenceCharError):
            tok.encode(bytes([byte]))


def test_decode_rejects_ids_outside_the_store() -> None:
    with pytest.raises(ValueError, match="outside the store vocabulary"):
        _tok(2, 2).decode(np.array([20]))


# -- inputs_targets -----------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_kmer_stride_inputs_targets_shift_by_one(k: int) -> None:
    tok = _tok(k, k)
    windows = np.random.default_rng(k).integers(0, tok.store_vocab_size, size=(4, 17))
    windows = windows.astype(tok.store_dtype)
    inputs, targets = tok.inputs_targets(windows)
    assert inputs.dtype == targets.dtype == np.int64
    assert (inputs == windows[:, :-1]).all()
    assert (targets == windows[:, 1:]).all()


@pytest.mark.parametrize("k", [2, 3, 4, 8, 12])
def test_overlapping_inputs_targets_match_reference(k: int) -> None:
    tok = _tok(k, 1)
    rng = np.random.default_rng(k)
    probabilities = [0.2, 0.2, 0.2, 0.2, 0.05, 0.05, 0.05, 0.05]
    windows = rng.choice(8, size=(6, tok.history + 30 + 1), p=probabilities).astype(np.uint8)
    inputs, targets = tok.inputs_targets(windows)
    assert inputs.shape == targets.shape == (6, 30)
    assert inputs.flags.c_contiguous
    assert targets.flags.c_contiguous
    assert inputs.max() < tok.input_vocab_size
    assert targets.max() < tok.target_vocab_size
    for row, window in enumerate(windows.tolist()):
        expected_inputs, expected_targets = reference.inputs_targets_overlapping(window, k)
        assert inputs[row].tolist() == expected_inputs
        assert targets[row].tolist() == expected_targets


@pytest.mark.parametrize("k", [2, 3, 6])
def test_overlapping_inputs_never_see_their_target(k: int) -> None:
    """Changing any stored id changes only inputs whose k-mer covers it, never earlier ones.

    The target of input ``t`` is ``w[t + k]``; an input that changed when ``w[j]`` changed
    must have ``t >= j - k + 1 > j - k``, so no input depends on its own target (or later).
    """
    tok = _tok(k, 1)
    rng = np.random.default_rng(k)
    window = rng.integers(0, 4, size=tok.history + 20 + 1)
    window[5] = 4  # an N in the middle
    inputs, targets = tok.inputs_targets(window[None])
    assert (targets[0] == window[k:]).all()
    for j in range(window.size):
        for value in range(8):
            mutated = window.copy()
            mutated[j] = value
            changed = np.flatnonzero(tok.inputs_targets(mutated[None])[0] != inputs)
            assert (changed >= j - k + 1).all()
            assert (changed <= j).all()


def test_overlapping_framing_is_visible() -> None:
    tok = _tok(3, 1)
    n_kmer = 4**3
    # history (2 ids) = PAD PAD, then START A C G T END
    window = np.array([7, 7, 5, 0, 2, 3, 1, 6])
    inputs, targets = tok.inputs_targets(window)
    assert inputs.tolist() == [n_kmer + 1, n_kmer, n_kmer, 0 * 16 + 2 * 4 + 3, 2 * 16 + 3 * 4 + 1]
    assert targets.tolist() == [0, 2, 3, 1, 6]


def test_inputs_targets_rejects_short_or_bad_windows() -> None:
    tok = _tok(4, 1)
    with pytest.raises(ValueError, match="at least history"):
        tok.inputs_targets(np.zeros((2, 4), dtype=np.uint8))
    with pytest.raises(ValueError, match="outside the store vocabulary"):
        tok.inputs_targets(np.full((1, 10), 8))


# -- scored / base_targets ----------------------------------------------------------


@pytest.mark.parametrize(("k", "stride"), [(1, 1), (3, 3), (3, 1)])
def test_scored_and_base_targets(k: int, stride: int) -> None:
    tok = _tok(k, stride)
    targets = np.arange(tok.target_vocab_size)
    scored = tok.scored(targets)
    base = tok.base_targets(targets)
    n_bases = tok.target_vocab_size - 4
    assert scored[:n_bases].all()
    assert base[:n_bases].all()
    specials = targets[n_bases:]
    assert scored[n_bases:].tolist() == [False, False, True, False]  # N, START, END, PAD
    assert not base[n_bases:].any()
    assert (specials == [tok.n_id, tok.start_id, tok.end_id, tok.pad_id]).all()


# -- reverse_complement -------------------------------------------------------------


@pytest.mark.parametrize(("k", "stride"), REGIMES)
@settings(max_examples=15, deadline=None)
@given(seq=st.text(alphabet=ALL_CHARS, max_size=50))
def test_reverse_complement_matches_reference(k: int, stride: int, seq: str) -> None:
    tok = _tok(k, stride)
    framed = np.array(reference.framed(seq, k, stride), dtype=tok.store_dtype)
    kept = seq if stride == 1 else seq[: len(seq) - len(seq) % k]
    flipped = tok.reverse_complement(framed)
    assert flipped.dtype == framed.dtype
    assert flipped.tolist() == reference.framed(reference.revcomp(kept), k, stride)
    assert (tok.reverse_complement(flipped) == framed).all()


@pytest.mark.parametrize(("k", "stride"), [(1, 1), (2, 2), (4, 4), (3, 1)])
def test_reverse_complement_twice_is_identity_and_keeps_pad_ends(k: int, stride: int) -> None:
    tok = _tok(k, stride)
    rng = np.random.default_rng(k + stride)
    windows = rng.integers(0, tok.pad_id, size=(20, 12)).astype(tok.store_dtype)
    for row in range(20):  # PAD runs of random lengths at either end; one all-PAD row
        lead, trail = rng.integers(0, 4, size=2)
        windows[row, :lead] = tok.pad_id
        windows[row, windows.shape[1] - trail :] = tok.pad_id
    windows[0] = tok.pad_id
    flipped = tok.reverse_complement(windows)
    assert ((flipped == tok.pad_id) == (windows == tok.pad_id)).all()
    assert (tok.reverse_complement(flipped) == windows).all()
    # Without PAD it is a plain reversal of the mapped ids.
    inner = windows[1:, 4:-4]
    assert not (inner == tok.pad_id).any()
    assert (tok.reverse_complement(inner)[:, ::-1] == tok.reverse_complement(inner[:, ::-1])).all()
