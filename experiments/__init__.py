"""Experiments that are not comparisons: published protocols reproduced on the harness.

A comparison (`harness.compare`) runs every strategy under the same budget through the one
ask/tell loop. An experiment here follows a paper's own protocol instead, for example one that
first hands a strategy a grid of recorded trials, and writes its own write-up. Each is one
module built on the public surfaces below it: strategies through their contract (ask/tell,
and `strategies.Strategy.tell_unasked` for results they did not ask for), the training code of
`spaces.training`, and the statistics of `reports.stats`. ``python -m harness experiment``
runs them.

Modules: `experiments.asnn_paper` (Hong 2025's ASNN protocol, with a control and tests).
"""
