"""The course's benchmarks: ``python -m benchmarks NAME`` or ``python -m benchmarks all``.

Each benchmark is a module ``benchmarks/<name>.py`` with a function
``run(record)`` that measures and calls ``record(metric, value, unit, **extra)``
once per figure. The harness prints each figure and appends it as one JSON
object (with the backend and a machine description) to
``benchmarks/results.jsonl``. See ``benchmarks/README.md`` for the latest table.
"""
