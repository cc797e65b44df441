"""Writers' paths stay in their folder: `..`, absolute parts and links that leave are refused."""

from __future__ import annotations

import os

import pytest

from serenade.base.confined import OutsideFolderError, component, inside


def test_inside_joins_paths_that_stay_in_the_folder(tmp_path):
    assert inside(tmp_path, "0.5", "sample-000.mid") == tmp_path / "0.5" / "sample-000.mid"
    assert inside(tmp_path, "a/../b.mid") == tmp_path / "a/../b.mid"  # still inside


@pytest.mark.parametrize("parts", [("../../../../LABEL_ESCAPE.mid",), ("x", "../../y.png"),
                                   ("/etc/passwd",), ("..",)])
def test_inside_refuses_a_path_that_resolves_outside(tmp_path, parts):
    folder = tmp_path / "run"
    folder.mkdir()
    with pytest.raises(OutsideFolderError, match="would be written outside"):
        inside(folder, *parts)


def test_inside_refuses_a_link_that_points_away(tmp_path):
    folder, away = tmp_path / "run", tmp_path / "away"
    folder.mkdir()
    away.mkdir()
    os.symlink(away, folder / "link")
    with pytest.raises(OutsideFolderError):
        inside(folder, "link", "piece.mid")


@pytest.mark.parametrize("name", ["", ".", "..", "../x", "a/b", "a\0b"])
def test_component_refuses_what_is_not_one_plain_name(name):
    with pytest.raises(OutsideFolderError, match="cannot name a file"):
        component(name, "piece name")


def test_component_keeps_plain_names_of_any_script():
    assert component("Für_Elise (2)", "piece name") == "Für_Elise (2)"
