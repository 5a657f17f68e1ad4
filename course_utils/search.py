"""A small architecture search: cells of predefined operations, regularised evolution, random search.

The search space follows AmoebaNet and NASNet in miniature. A **cell** has a few nodes;
each node picks two earlier states (the cell's input or an earlier node), applies one
operation to each and adds the results. The cell's output concatenates the nodes that no
later node uses and projects them back to the cell's width with a 1x1 convolution. A
network stacks a stem, one cell per resolution (32, 16, 8 on CIFAR-10) with fixed stride-2
reductions between them, global average pooling and a classifier.

:func:`regularized_evolution` is Real et al.'s aging evolution (AAAI 2019): keep a
population, repeatedly pick the best of a random sample as parent, add a mutated child,
and remove the *oldest* member (not the worst). :func:`random_search` draws cells
independently. Both call ``evaluate(cell) -> fitness`` and are deterministic given their
seed and a deterministic ``evaluate``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np

from course_utils.registry import register_model

__all__ = ["OPERATIONS", "Cell", "random_cell", "mutate", "build_network", "Trial",
           "regularized_evolution", "random_search", "best"]

OPERATIONS = ("conv3", "conv5", "sep3", "sep5", "max3", "avg3", "identity")


@dataclasses.dataclass(frozen=True)
class Cell:
    """``nodes[i] = (input_a, op_a, input_b, op_b)``; input 0 is the cell's input, input j
    (1 <= j <= i) is node j - 1's output."""

    nodes: tuple[tuple[int, str, int, str], ...]

    def __post_init__(self):
        if not self.nodes:
            raise ValueError("a cell needs at least one node.")
        for i, node in enumerate(self.nodes):
            if len(node) != 4:
                raise ValueError(f"node {i} must be (input_a, op_a, input_b, op_b), got {node!r}.")
            for state, op in ((node[0], node[1]), (node[2], node[3])):
                if not isinstance(state, (int, np.integer)) or not 0 <= state <= i:
                    raise ValueError(f"node {i} can read states 0..{i}, got {state!r}.")
                if op not in OPERATIONS:
                    raise ValueError(f"operation must be one of {OPERATIONS}, got {op!r}.")

    def outputs(self) -> list[int]:
        """The states the cell's output concatenates: nodes that no later node reads."""
        read = {s for node in self.nodes for s in (node[0], node[2])}
        return [i + 1 for i in range(len(self.nodes)) if i + 1 not in read]

    def __str__(self) -> str:
        names = ["in"] + [f"n{i}" for i in range(len(self.nodes))]
        parts = [f"n{i} = {op_a}({names[a]}) + {op_b}({names[b]})"
                 for i, (a, op_a, b, op_b) in enumerate(self.nodes)]
        return "; ".join(parts) + f"; out = concat({', '.join(names[s] for s in self.outputs())})"


def random_cell(rng: np.random.Generator, nodes: int = 3) -> Cell:
    """A cell of ``nodes`` nodes with uniformly random inputs and operations."""
    if not isinstance(nodes, (int, np.integer)) or nodes < 1:
        raise ValueError(f"nodes must be a positive integer, got {nodes!r}.")
    return Cell(tuple((int(rng.integers(0, i + 1)), str(rng.choice(OPERATIONS)),
                       int(rng.integers(0, i + 1)), str(rng.choice(OPERATIONS)))
                      for i in range(nodes)))


def mutate(cell: Cell, rng: np.random.Generator) -> Cell:
    """One of AmoebaNet's mutations: change one operation, or rewire one input.

    The child always differs from the parent.
    """
    nodes = [list(node) for node in cell.nodes]
    while True:
        i = int(rng.integers(0, len(nodes)))
        slot = int(rng.integers(0, 2)) * 2              # 0: input a, 2: input b
        child = [list(node) for node in nodes]
        if rng.random() < 0.5 or i == 0:                 # node 0 has one possible input
            child[i][slot + 1] = str(rng.choice([op for op in OPERATIONS if op != child[i][slot + 1]]))
        else:
            child[i][slot] = int(rng.choice([s for s in range(i + 1) if s != child[i][slot]]))
        if child != nodes:
            return Cell(tuple(tuple(node) for node in child))


def _operation(x, op: str, channels: int, name: str):
    import keras
    from keras import layers

    if op == "identity":
        return x
    if op in ("max3", "avg3"):
        pool = layers.MaxPooling2D if op == "max3" else layers.AveragePooling2D
        return pool(3, strides=1, padding="same", name=f"{name}_{op}")(x)
    kernel = int(op[-1])
    conv = layers.SeparableConv2D if op.startswith("sep") else layers.Conv2D
    x = layers.Activation("relu", name=f"{name}_relu")(x)
    x = conv(channels, kernel, padding="same", use_bias=False, name=f"{name}_{op}")(x)
    return keras.layers.BatchNormalization(momentum=0.9, name=f"{name}_bn")(x)


def _cell(x, cell: Cell, channels: int, name: str):
    from keras import layers

    states = [x]
    for i, (a, op_a, b, op_b) in enumerate(cell.nodes):
        left = _operation(states[a], op_a, channels, f"{name}_n{i}a")
        right = _operation(states[b], op_b, channels, f"{name}_n{i}b")
        states.append(layers.Add(name=f"{name}_n{i}")([left, right]))
    outputs = [states[s] for s in cell.outputs()]
    merged = outputs[0] if len(outputs) == 1 else layers.Concatenate(name=f"{name}_concat")(outputs)
    merged = layers.Conv2D(channels, 1, use_bias=False, name=f"{name}_project")(merged)
    return layers.BatchNormalization(momentum=0.9, name=f"{name}_project_bn")(merged)


# The cell the registry builds build_network with (its count is the card's): two nodes,
# a convolution and a separable convolution, then a pooling beside an identity.
EXAMPLE_CELL = Cell(((0, "conv3", 0, "sep3"), (1, "max3", 0, "identity")))


@register_model(paper="the course (lesson 13): the search space's network", params=86_058,
                task="classify-only", example={"cell": EXAMPLE_CELL},
                name="searched_network")
def build_network(cell: Cell, input_shape=(32, 32, 3), num_classes: int = 10, *,
                  width: int = 16, name: str = "searched"):
    """Stem, then the cell at widths ``width``, ``2 width``, ``4 width`` with stride-2
    reductions (3x3 convolution, batch norm, ReLU) between them, then the classifier."""
    import keras
    from keras import layers

    if not isinstance(cell, Cell):
        raise TypeError(f"cell must be a search.Cell, got {type(cell).__name__}.")
    inputs = keras.Input(tuple(input_shape))
    x = layers.Conv2D(width, 3, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = layers.BatchNormalization(momentum=0.9, name="stem_bn")(x)
    for stage in range(3):
        channels = width * 2 ** stage
        if stage:
            x = layers.Conv2D(channels, 3, strides=2, padding="same", use_bias=False,
                              name=f"reduce{stage}_conv")(x)
            x = layers.BatchNormalization(momentum=0.9, name=f"reduce{stage}_bn")(x)
            x = layers.Activation("relu", name=f"reduce{stage}_relu")(x)
        x = _cell(x, cell, channels, f"cell{stage}")
    x = layers.Activation("relu", name="head_relu")(x)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=name)


@dataclasses.dataclass
class Trial:
    """One evaluated cell: its index in the search, the cell, its fitness and its parent."""

    index: int
    cell: Cell
    fitness: float
    parent: int | None = None


def _check_budget(**values):
    for name, value in values.items():
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def regularized_evolution(evaluate: Callable[[Cell], float], *, population_size: int,
                          sample_size: int, cycles: int, nodes: int = 3, seed: int = 0,
                          callback: Callable[[Trial], None] | None = None) -> list[Trial]:
    """Aging evolution. ``population_size`` random cells first, then ``cycles`` children:
    sample ``sample_size`` members, mutate the fittest, add the child, drop the oldest.

    Returns every trial in the order evaluated (``population_size + cycles`` of them).
    """
    _check_budget(population_size=population_size, sample_size=sample_size, cycles=cycles)
    if sample_size > population_size:
        raise ValueError(f"sample_size ({sample_size}) cannot exceed population_size "
                         f"({population_size}).")
    rng = np.random.default_rng(seed)
    history: list[Trial] = []

    def add(cell, parent):
        trial = Trial(len(history), cell, float(evaluate(cell)), parent)
        history.append(trial)
        if callback is not None:
            callback(trial)
        return trial

    population = [add(random_cell(rng, nodes), None) for _ in range(population_size)]
    for _ in range(cycles):
        sample = [population[i] for i in rng.choice(len(population), sample_size, replace=False)]
        parent = max(sample, key=lambda t: t.fitness)
        population.append(add(mutate(parent.cell, rng), parent.index))
        population.pop(0)  # the oldest goes, however fit
    return history


def random_search(evaluate: Callable[[Cell], float], *, trials: int, nodes: int = 3,
                  seed: int = 0, callback: Callable[[Trial], None] | None = None) -> list[Trial]:
    """``trials`` independent random cells, evaluated in order."""
    _check_budget(trials=trials)
    rng = np.random.default_rng(seed)
    history = []
    for index in range(trials):
        cell = random_cell(rng, nodes)
        history.append(Trial(index, cell, float(evaluate(cell))))
        if callback is not None:
            callback(history[-1])
    return history


def best(history: Sequence[Trial]) -> Trial:
    """The fittest trial (the first of equals)."""
    if not history:
        raise ValueError("the search history is empty.")
    return max(history, key=lambda t: t.fitness)
