"""Slow pure-Python reference of the DNA tokenizer rules in DESIGN.md (for tests only)."""

from __future__ import annotations

BASE_IDS = {"A": 0, "T": 1, "C": 2, "G": 3, "U": 1}
N_LIKE = set("NRYKMSWBDHV-.")
COMPLEMENT = {"A": "T", "T": "A", "C": "G", "G": "C"}
N, START, END, PAD = 4, 5, 6, 7


def base_id(char: str) -> int:
    upper = char.upper()
    if upper in BASE_IDS:
        return BASE_IDS[upper]
    if upper in N_LIKE:
        return N
    raise ValueError(char)


def kmer_id(bases: list[int]) -> int:
    k = len(bases)
    if any(b >= 4 for b in bases):
        return 4**k
    value = 0
    for b in bases:
        value = value * 4 + b
    return value


def kmer_store(k: int, stride: int) -> bool:
    return stride == k


def framed(seq: str, k: int, stride: int) -> list[int]:
    """START + store ids + END of one record."""
    bases = [base_id(c) for c in seq]
    if kmer_store(k, stride):
        body = [kmer_id(bases[i : i + k]) for i in range(0, len(bases) - k + 1, k)]
        return [4**k + 1, *body, 4**k + 2]
    return [START, *bases, END]


def revcomp(seq: str) -> str:
    """Reverse complement; non-ACGT characters become N (U reads as T)."""
    upper = seq.upper().replace("U", "T")
    return "".join(COMPLEMENT.get(c, "N") for c in reversed(upper))


def inputs_targets_overlapping(window: list[int], k: int) -> tuple[list[int], list[int]]:
    """Stride-1 k-mer inputs and next-base targets of one window of base ids."""
    inputs, targets = [], []
    for t in range(len(window) - k):
        current = window[t + k - 1]
        if current >= N:
            inputs.append(4**k + current - N)
        else:
            inputs.append(kmer_id(window[t : t + k]))
        targets.append(window[t + k])
    return inputs, targets
