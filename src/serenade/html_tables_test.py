from html.parser import HTMLParser

import numpy as np
import pandas as pd

from serenade.html_tables import csv_to_html, write_html_tables


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells, self.headings, self._into = [], [], None

    def handle_starttag(self, tag, attrs):
        self._into = tag
        if tag in ("td", "th"):
            self.cells.append("")  # an empty cell has no data event

    def handle_endtag(self, tag):
        self._into = None

    def handle_data(self, data):
        if self._into in ("td", "th"):
            self.cells[-1] += data.strip()
        elif self._into == "h2":
            self.headings.append(data)


def test_tables_are_written_with_rounded_floats_blank_missing_and_escaped_text(tmp_path):
    frame = pd.DataFrame({"set": ["a<b>", "c"], "value": [0.123456789, np.nan], "n": [3, 4]})
    path = write_html_tables(tmp_path / "out" / "t.html", "Title & more",
                             [("First", frame), ("Nothing", frame.iloc[:0])])
    text = path.read_text()
    parser = _Cells()
    parser.feed(text)
    assert parser.headings == ["First", "Nothing"]
    assert parser.cells == ["set", "value", "n", "a<b>", "0.1235", "3", "c", "", "4"]
    assert "&lt;b&gt;" in text and "Title &amp; more" in text
    assert "(none)" in text  # an empty table says so instead of vanishing


def test_csv_to_html_reads_the_csv(tmp_path):
    (tmp_path / "m.csv").write_text("set,windows\nsamples_t1,3\n")
    parser = _Cells()
    parser.feed(csv_to_html(tmp_path / "m.csv", tmp_path / "m.html", "Metrics").read_text())
    assert parser.cells == ["set", "windows", "samples_t1", "3"]
