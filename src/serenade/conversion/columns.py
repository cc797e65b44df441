"""The manifest's window-count columns: which config each `windows_*` column counts with, and
which column holds the windows of a given config (configs sharing a converter share one)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from serenade.conversion.converters import converter_for_config

# The melody columns every manifest has, and the config name each is counted with.
WINDOW_COLUMNS = {"windows_2bar": "cat-mel_2bar_small", "windows_16bar": "hierdec-mel_16bar"}


def window_columns(config_names: Iterable[str] = ()) -> dict[str, str]:
    """The melody window columns plus a `windows_<config>` column for each of `config_names`
    whose converter no column counts yet (cat-drums_2bar_small and _tiny share one: the first
    listed names it)."""
    columns = dict(WINDOW_COLUMNS)
    counted = [converter_for_config(name) for name in columns.values()]
    for name in config_names:
        converter = converter_for_config(name)
        if converter not in counted:
            columns[f"windows_{name}"] = name
            counted.append(converter)
    return columns


def config_of_column(column: str) -> str:
    """The config name a `windows_*` column is counted with."""
    return WINDOW_COLUMNS.get(column, column.removeprefix("windows_"))


def column_for(config_name: str, columns: Sequence[str]) -> str | None:
    """The column among `columns` that counts the windows of `config_name`'s converter."""
    converter = converter_for_config(config_name)
    for column in columns:
        if column.startswith("windows_") and converter_for_config(config_of_column(column)) == converter:
            return column
    return None
