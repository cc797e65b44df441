import pytest

from serenade.sources.chunks import Chunk, all_chunks, chunk_of


def test_each_file_is_in_exactly_one_chunk_and_the_chunks_share_the_work():
    paths = [f"lakh/{a}/{b}.mid" for a in "0123456789abcdef" for b in range(100)]
    chunks = all_chunks(8)
    members = [[p for p in paths if c.holds(p)] for c in chunks]
    assert sorted(p for part in members for p in part) == sorted(paths)
    assert all(120 <= len(part) <= 280 for part in members), [len(p) for p in members]


def test_a_file_keeps_its_chunk_when_others_are_added():
    before = {p: chunk_of(p, 5) for p in ("a.mid", "b/c.mid", "archive.zip!x.mid")}
    assert {p: chunk_of(p, 5) for p in before} == before
    assert chunk_of("a.mid", 5) == chunk_of("a.mid", 5)


def test_names_round_trip_and_bad_names_are_refused():
    chunk = Chunk(2, 50)
    assert chunk.name == "part-003-of-050"
    assert Chunk.parse(chunk.name) == chunk
    assert Chunk.parse("part-001-of-001").holds("anything.mid")
    with pytest.raises(ValueError):
        Chunk(3, 3)
    with pytest.raises(ValueError):
        Chunk.parse("shard-001-of-002")


def test_undecodable_names_have_a_chunk():
    name = b"caf\xe9.mid".decode("utf-8", "surrogateescape")
    assert 0 <= chunk_of(name, 7) < 7
