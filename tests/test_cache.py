"""The validation cache: unchanged files are not re-validated; an edit, a move or a vocabulary change is."""

from __future__ import annotations

import shutil
from pathlib import Path

from apimap.cache import ValidationCache
from apimap.config import load_config
from apimap.validate import load_tree


def run(tree, conf, cache_path):
    cache = ValidationCache(cache_path, conf)
    loaded, problems = load_tree([tree], tree, load_config(conf).vocab, cache)
    cache.save(keep={str(x.path) for x in loaded})
    return cache.hits, loaded, problems


def test_cache_hits_only_unchanged_files(fixture_tree, project, tmp_path):
    cache_path = tmp_path / "cache.pickle"
    hits, loaded, _ = run(fixture_tree, project.conf, cache_path)
    assert hits == 0 and len(loaded) == 4
    hits, again, _ = run(fixture_tree, project.conf, cache_path)
    assert hits == 4 and [x.mapping for x in again] == [x.mapping for x in loaded]
    thing = fixture_tree / "torch/demo/nn/Thing.yaml"
    thing.write_text(
        thing.read_text(encoding="utf-8").replace("Identical.", "Identical again."),
        encoding="utf-8",
    )
    hits, edited, _ = run(fixture_tree, project.conf, cache_path)
    assert hits == 3
    assert (
        next(x for x in edited if x.slug == "torch.demo.nn.Thing").mapping.summary.en
        == "Identical again."
    )


def test_an_invalid_edit_is_reported_even_after_caching(fixture_tree, project, tmp_path):
    cache_path = tmp_path / "cache.pickle"
    run(fixture_tree, project.conf, cache_path)
    thing = fixture_tree / "torch/demo/nn/Thing.yaml"
    thing.write_text(
        thing.read_text(encoding="utf-8").replace("category: consistent", "category: nonsense"),
        encoding="utf-8",
    )
    hits, loaded, problems = run(fixture_tree, project.conf, cache_path)
    assert (
        hits == 3
        and len(loaded) == 3
        and [p.message for p in problems] == ["unknown category 'nonsense'"]
    )


def test_vocabulary_change_invalidates_everything(fixture_tree, project, tmp_path):
    conf = tmp_path / "conf"
    shutil.copytree(project.conf, conf)
    cache_path = tmp_path / "cache.pickle"
    run(fixture_tree, conf, cache_path)
    rel = conf / "relations.yaml"
    rel.write_text(
        rel.read_text(encoding="utf-8") + "\n# a comment changes the fingerprint\n",
        encoding="utf-8",
    )
    hits, loaded, _ = run(fixture_tree, conf, cache_path)
    assert hits == 0 and len(loaded) == 4


def test_moved_file_is_revalidated_against_its_new_path(fixture_tree, project, tmp_path):
    cache_path = tmp_path / "cache.pickle"
    run(fixture_tree, project.conf, cache_path)
    src = fixture_tree / "torch/demo/nn/Thing.yaml"
    dest = fixture_tree / "torch/demo/Thing.yaml"
    shutil.move(src, dest)
    _, _, problems = run(fixture_tree, project.conf, cache_path)
    assert [p.message.split(";")[0] for p in problems] == [
        "file path says 'torch.demo.Thing' but torch.api is 'torch.demo.nn.Thing'"
    ]


def test_parallel_validation_matches_serial(fixture_tree, project, monkeypatch):
    import apimap.validate as validate

    serial, serial_problems = load_tree(
        [fixture_tree], fixture_tree, load_config(project.conf).vocab
    )
    (fixture_tree / "torch/demo/Broken.yaml").write_text("torch: [\n", encoding="utf-8")
    monkeypatch.setattr(validate.pool, "MIN_ITEMS", 1)
    parallel, problems = load_tree([fixture_tree], fixture_tree, load_config(project.conf).vocab)
    assert [x.mapping for x in parallel] == [x.mapping for x in serial] and serial_problems == []
    assert [Path(p.file).name for p in problems] == ["Broken.yaml"]


def test_parallel_validation_fills_the_cache(fixture_tree, project, monkeypatch, tmp_path):
    """Workers hand back pickled results; those bytes become cache entries that a later run can use."""
    import apimap.validate as validate

    cache_path = tmp_path / "cache.pickle"
    monkeypatch.setattr(validate.pool, "MIN_ITEMS", 1)
    hits, parallel, _ = run(fixture_tree, project.conf, cache_path)
    assert hits == 0 and len(parallel) == 4
    monkeypatch.setattr(validate.pool, "MIN_ITEMS", 400)
    hits, cached, _ = run(fixture_tree, project.conf, cache_path)
    assert hits == 4
    assert [(x.mapping, x.lines, x.rel) for x in cached] == [
        (x.mapping, x.lines, x.rel) for x in parallel
    ]


def test_unreadable_cache_entry_is_revalidated(fixture_tree, project, tmp_path):
    cache_path = tmp_path / "cache.pickle"
    run(fixture_tree, project.conf, cache_path)
    cache = ValidationCache(cache_path, project.conf)
    key = next(iter(cache.entries))
    digest_, root, _ = cache.entries[key]
    cache.entries[key] = (digest_, root, b"not a pickle")
    cache._dirty = True
    cache.save()
    hits, loaded, problems = run(fixture_tree, project.conf, cache_path)
    assert hits == 3 and len(loaded) == 4 and problems == []
