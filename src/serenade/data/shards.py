"""How the NoteSequence TFRecord shards of a split are named (a module of its own, so that the
workflow's layout can name them without loading the data layer)."""


def shard_name(split: str, index: int, count: int) -> str:
    """File name of shard `index` of a split's `count` NoteSequence TFRecord shards."""
    return f"{split}-{index:05d}-of-{count:05d}.tfrecord"
