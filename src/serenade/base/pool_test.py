import os

from serenade.base.pool import BATCHES_AHEAD, ordered_imap, ordered_map


def _square_and_mark(number: int, folder: str) -> int:
    open(os.path.join(folder, str(number)), "w").close()
    return number * number


def test_results_come_in_input_order_on_any_number_of_workers(tmp_path):
    numbers = list(range(300))
    for workers in (1, 2):
        assert ordered_map(_square_and_mark, numbers, str(tmp_path), workers=workers) == \
            [n * n for n in numbers]


def test_the_stream_runs_only_a_few_batches_ahead_of_its_reader(tmp_path):
    numbers = list(range(20_000))
    stream = ordered_imap(_square_and_mark, numbers, str(tmp_path), workers=2)
    assert next(stream) == 0
    batch = min(32, len(numbers) // 16)
    started = len(os.listdir(tmp_path))
    assert started <= (2 * BATCHES_AHEAD + 1) * batch < len(numbers)
    assert sum(stream) == sum(n * n for n in numbers[1:])
    assert len(os.listdir(tmp_path)) == len(numbers)
