"""Names from untrusted places: printable, safe on disk, distinct."""

import os

from serenade.sources.names import MAX_COMPONENT_BYTES, DistinctPaths, is_printable, printable, safe_component


def test_printable_escapes_undecodable_bytes_and_control_characters():
    latin = os.fsdecode(b"caf\xe9.mid")  # how Python holds a latin-1 file name
    assert printable(latin) == "caf\\xe9.mid"
    assert printable("a\nb\x7f.mid") == "a\\x0ab\\x7f.mid"
    assert printable("Café à l'aube ünïcode.MID") == "Café à l'aube ünïcode.MID"
    assert printable(latin).encode("utf-8")  # writable as UTF-8 text
    assert not is_printable(latin) and is_printable("plain {braces}.mid")


def test_safe_component_fits_every_file_system_and_keeps_names_apart():
    assert safe_component("tune.mid") == "tune.mid"
    assert safe_component('a:b*c?.mid') == "a_b_c_.mid"
    assert safe_component("..") == "unnamed" and safe_component(".hidden.mid") == "hidden.mid"
    long_a, long_b = "x" * 300 + "a.mid", "x" * 300 + "b.mid"
    for name in (long_a, long_b, "é" * 200 + ".tar.gz"):
        safe = safe_component(name)
        assert len(safe.encode()) <= MAX_COMPONENT_BYTES
    assert safe_component(long_a).endswith(".mid") and safe_component(long_a) != safe_component(long_b)
    assert safe_component("é" * 200 + ".tar.gz").endswith(".tar.gz")


def test_distinct_paths_for_repeated_clashing_and_deep_names():
    paths = DistinctPaths()
    allocated = [str(paths.allocate(name)) for name in
                 ["same.mid", "same.mid", "./same.mid", "SAME.MID", "x.mid", "x.mid/y.mid",
                  "x.mid/z.mid", "d/e.mid", "D/f.mid", "a/" * 40 + "deep.mid"]]
    assert allocated == ["same.mid", "same~2.mid", "same~3.mid", "SAME~4.MID", "x.mid",
                         "x~2.mid/y.mid", "x~2.mid/z.mid", "d/e.mid", "D~2/f.mid", "deep.mid"]
    assert len({path.casefold() for path in allocated}) == len(allocated)
