"""Hash-based split and sharding."""

import hashlib

from serenade.data.split import shard_for, split_for


def _hashes(n):
    return [hashlib.sha256(str(i).encode()).hexdigest() for i in range(n)]


def test_split_is_deterministic_and_close_to_the_fraction():
    hashes = _hashes(4000)
    splits = [split_for(h, 0.1) for h in hashes]
    assert splits == [split_for(h, 0.1) for h in hashes]
    assert 0.08 < splits.count("eval") / len(splits) < 0.12
    assert all(split_for(h, 0.0) == "train" for h in hashes)


def test_growing_the_fraction_only_moves_files_into_eval():
    hashes = _hashes(1000)
    small = {h for h in hashes if split_for(h, 0.1) == "eval"}
    large = {h for h in hashes if split_for(h, 0.3) == "eval"}
    assert small < large


def test_shards_cover_all_indices():
    shards = [shard_for(h, 4) for h in _hashes(400)]
    assert set(shards) == {0, 1, 2, 3}
