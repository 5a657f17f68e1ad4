"""course_utils.search: the cell space, mutations, aging evolution and random search."""

import numpy as np
import pytest

from course_utils import search


def score(cell):
    """A deterministic stand-in for training: 5x5 separable convolutions are 'good'."""
    return sum(op == "sep5" for node in cell.nodes for op in (node[1], node[3])) + 0.01 * len(cell.outputs())


def test_cells_are_valid_and_printable():
    rng = np.random.default_rng(0)
    for _ in range(50):
        cell = search.random_cell(rng, nodes=3)
        assert len(cell.nodes) == 3 and cell.outputs() and cell.outputs()[-1] == 3
        assert str(cell).startswith("n0 = ") and "out = concat(" in str(cell)
    cell = search.Cell(((0, "conv3", 0, "identity"), (1, "max3", 0, "sep5")))
    assert cell.outputs() == [2]
    assert str(cell) == "n0 = conv3(in) + identity(in); n1 = max3(n0) + sep5(in); out = concat(n1)"


@pytest.mark.parametrize("nodes, match", [((), "at least one node"), (((1, "conv3", 0, "max3"),), "states 0..0"),
                                          (((0, "conv7", 0, "max3"),), "operation must be one of"),
                                          (((0, "conv3"),), "must be \\(input_a")])
def test_invalid_cells_are_refused(nodes, match):
    with pytest.raises(ValueError, match=match):
        search.Cell(nodes)


def test_mutation_changes_exactly_one_choice():
    rng = np.random.default_rng(1)
    for _ in range(100):
        parent = search.random_cell(rng, nodes=4)
        child = search.mutate(parent, rng)
        changes = sum(a != b for pa, ca in zip(parent.nodes, child.nodes) for a, b in zip(pa, ca))
        assert changes == 1


def test_evolution_is_deterministic_ages_out_and_beats_random_search():
    runs = [search.regularized_evolution(score, population_size=10, sample_size=3, cycles=60, seed=7)
            for _ in range(2)]
    assert [t.cell for t in runs[0]] == [t.cell for t in runs[1]]
    history = runs[0]
    assert len(history) == 70 and [t.index for t in history] == list(range(70))
    assert all(t.parent is None for t in history[:10]) and all(t.parent < t.index for t in history[10:])
    # aging: a child's parent is always among the 10 most recent trials before it
    assert all(t.index - t.parent <= 10 for t in history[10:])
    assert np.mean([t.fitness for t in history[-20:]]) > np.mean([t.fitness for t in history[:10]])


def test_evolution_beats_random_search_on_average_over_seeds():
    evolved = [search.best(search.regularized_evolution(score, population_size=10, sample_size=5,
                                                        cycles=90, seed=s)).fitness for s in range(10)]
    drawn = [search.best(search.random_search(score, trials=100, seed=s)).fitness for s in range(10)]
    assert np.mean(evolved) > np.mean(drawn) + 1  # measured: 5.12 against 3.42 sep5 operations


def test_search_bad_budgets():
    with pytest.raises(ValueError, match="cannot exceed"):
        search.regularized_evolution(score, population_size=3, sample_size=5, cycles=1)
    with pytest.raises(ValueError, match="cycles must be a positive integer"):
        search.regularized_evolution(score, population_size=3, sample_size=2, cycles=0)
    with pytest.raises(ValueError, match="trials"):
        search.random_search(score, trials=0)
    with pytest.raises(ValueError, match="empty"):
        search.best([])


def test_build_network_from_cells():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(2)
    for _ in range(3):
        net = search.build_network(search.random_cell(rng), width=8)
        assert net.output.shape[1:] == (10,) and net.count_params() > 0
        out = net(np.zeros((2, 32, 32, 3), dtype="float32"))
        assert keras.ops.convert_to_numpy(out).sum(axis=1) == pytest.approx([1, 1], abs=1e-5)
    with pytest.raises(TypeError, match="search.Cell"):
        search.build_network("conv3")
