"""Log-scale ordinal dimensions (`Dimension.log`): how mlpwide's 1,017 widths are searched."""

from __future__ import annotations

import numpy as np
import pytest

from spaces import Dimension, Space
from spaces.training import family_space

WIDTHS = tuple(range(8, 1025))


def _wide() -> Space:
    return Space(
        tuple(Dimension(name=f"h{i}", kind="ordinal", choices=WIDTHS, log=True) for i in range(3))
    )


def _sizes(space: Space, configs: np.ndarray, j: int = 0) -> np.ndarray:
    return np.array([space.dimensions[j].choices[c] for c in configs[:, j]], dtype=float)


def test_mlpwide_is_log_and_the_grids_are_not() -> None:
    assert all(d.log for d in family_space("mlpwide").dimensions)
    assert not any(d.log for d in family_space("mlp2").dimensions)


@pytest.mark.parametrize(
    "dim",
    [
        dict(name="a", kind="categorical", choices=("x", "y"), log=True),
        dict(name="b", kind="ordinal", choices=(0, 1, 2), log=True),
        dict(name="c", kind="ordinal", choices=(-4.0, 1.0), log=True),
    ],
)
def test_log_needs_positive_ordinal_values(dim: dict) -> None:
    with pytest.raises(ValueError, match="log=True needs an ordinal dimension of positive"):
        Dimension(**dim)


def test_sampling_is_log_uniform() -> None:
    space = _wide()
    sizes = _sizes(space, space.sample_many(np.random.default_rng(0), 20_000))
    # log-uniform on 8..1024: median at the geometric mean (90.5), a seventh per doubling
    assert 80 < np.median(sizes) < 100
    assert 0.12 < np.mean(sizes < 16) < 0.16
    assert 0.12 < np.mean(sizes >= 512) < 0.16
    one = space.sample(np.random.default_rng(1))
    assert one == tuple(space.sample_many(np.random.default_rng(1), 1)[0])


def test_uniform_spaces_draw_exactly_as_before() -> None:
    space = family_space("mlp2")
    a = space.sample_many(np.random.default_rng(5), 7)
    b = np.random.default_rng(5).integers(0, np.asarray(space.sizes), size=(7, 2))
    np.testing.assert_array_equal(a, b)


def test_neighbours_step_by_factors() -> None:
    space = _wide()
    config = space.from_values({"h0": 100, "h1": 8, "h2": 1024})
    neighbours = space.neighbours(config)
    assert len(neighbours) == len(set(neighbours))
    assert config not in neighbours
    for n in neighbours:
        changed = [j for j in range(3) if n[j] != config[j]]
        assert len(changed) == 1
        j = changed[0]
        old, new = space.dimensions[j].choices[config[j]], space.dimensions[j].choices[n[j]]
        assert 1 / 8.5 <= new / old <= 8.5
    first = [space.values(n)["h0"] for n in neighbours if n[1:] == config[1:]]
    assert len(first) == 24
    assert min(first) == 13
    assert max(first) == 800
    # at the ends of the range, only the side that exists
    assert all(space.values(n)["h1"] > 8 for n in neighbours if n[1] != config[1])


def test_mutation_is_a_factor_step_in_one_dimension() -> None:
    space = _wide()
    rng = np.random.default_rng(3)
    config = space.from_values({"h0": 100, "h1": 100, "h2": 100})
    ratios = []
    for _ in range(2000):
        child = space.mutate(config, rng)
        assert child != config
        (j,) = [j for j in range(3) if child[j] != config[j]]
        ratios.append(space.dimensions[j].choices[child[j]] / 100)
    logs = np.log2(ratios)
    assert 0.8 < np.std(logs) < 1.2  # a typical step of a factor of two
    assert abs(np.mean(logs)) < 0.1


def test_encoding_places_a_width_by_its_logarithm() -> None:
    space = _wide()
    configs = np.array(
        [space.from_values({"h0": v, "h1": 8, "h2": 1024}) for v in (8, 64, 90, 1024)]
    )
    x = space.encode(configs)
    assert x[:, 0] == pytest.approx([0.0, 3 / 7, np.log(90 / 8) / np.log(128), 1.0])
    assert x[:, 1] == pytest.approx(0.0)
    assert x[:, 2] == pytest.approx(1.0)
    np.testing.assert_array_equal(space.decode(x), configs)
