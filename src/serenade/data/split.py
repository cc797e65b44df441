"""Deterministic train/eval split and sharding from a file's content hash.

Decided by the SHA-256 of the bytes alone, so a file keeps its split when other files are added
or removed, and identical content can never land in both splits.
"""

from __future__ import annotations


def split_for(sha256: str, eval_fraction: float) -> str:
    """'eval' for about `eval_fraction` of all hashes, else 'train'."""
    position = int(sha256[:15], 16) / float(16**15)
    return "eval" if position < eval_fraction else "train"


def shard_for(sha256: str, shards: int) -> int:
    return int(sha256[15:27], 16) % shards
