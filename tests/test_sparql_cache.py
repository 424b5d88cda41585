"""The per-process cache of SPARQL answers (sparql/cache.py): keys, hard links, least recently used first out."""

from __future__ import annotations

import os

from hankegraafi.sparql.cache import ResultCache


def spooled(folder, name: str, size: int) -> dict:
    path = folder / name
    path.write_bytes(b"x" * size)
    return {"kind": "solutions", "format": "json", "path": str(path), "size": size}


def test_answers_are_kept_by_link_and_the_least_recently_used_go_first(tmp_path):
    cache = ResultCache(tmp_path / "cache", max_bytes=8 * 100)   # entries up to 100 bytes
    keys = [ResultCache.key({"path": "/r1", "text": f"SELECT {i}", "accept": None}, 0) for i in range(4)]
    assert len(set(keys)) == 4
    assert ResultCache.key({"path": "/r1", "text": "SELECT 0"}, 1) != keys[0]   # after an update
    assert ResultCache.key({"path": "/r2", "text": "SELECT 0"}, 0) != keys[0]   # another release
    for i, key in enumerate(keys[:3]):
        cache.put(key, spooled(tmp_path, f"spool{i}", 100 if i < 2 else 300))
    assert cache.get(keys[2], str(tmp_path / "hit")) is None   # larger than an eighth: not kept
    os.unlink(tmp_path / "spool0")                             # the web layer unlinks what it streamed
    hit = cache.get(keys[0], str(tmp_path / "hit0"))
    assert hit["cached"] and hit["path"] == str(tmp_path / "hit0") and (tmp_path / "hit0").read_bytes() == b"x" * 100
    cache.put(keys[3], {"kind": "solutions", "format": "json", "data": b"y" * 100, "size": 100})
    assert cache.get(keys[3], "unused")["data"] == b"y" * 100
    for i in range(6):   # fill up: the least recently used (keys[1], never asked for) goes first
        cache.put(f"more{i}", spooled(tmp_path, f"more{i}", 100))
    assert cache.get(keys[1], str(tmp_path / "gone")) is None
    assert not (tmp_path / "cache" / keys[1]).exists()
    assert cache._bytes <= cache.max_bytes
