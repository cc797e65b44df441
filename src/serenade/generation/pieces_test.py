"""A piece to edit names files: a name or attribute that would leave the output folder is
refused when the piece is made, before any model work."""

from __future__ import annotations

import pytest

from serenade.base.confined import OutsideFolderError
from serenade.generation.pieces import AttributePiece


@pytest.mark.parametrize("entry", [
    {"name": "../../../../../../../LABEL_ESCAPE", "input": "x.mid", "attribute": "calm"},
    {"name": "more_calm", "input": "x.mid", "attribute": "../../../../LABEL_ESCAPE"}])
def test_a_piece_whose_name_leaves_the_folder_is_refused(entry):
    with pytest.raises(OutsideFolderError, match="LABEL_ESCAPE"):
        AttributePiece.from_config(entry)


def test_a_plain_piece_is_kept():
    piece = AttributePiece.from_config({"name": "more_calm", "input": "x.mid", "attribute": "calm"})
    assert (piece.name, piece.attribute) == ("more_calm", "calm")
