"""The Python side of the overhead measurement in docs/python.md: `engine.check` on the same
proposal, timed over many runs (compare with `cargo run --release --example check_overhead`).

    python examples/check_overhead.py ../../policies/examples/caspian-shield.proposal 5000
"""

import sys
import time

import pactum

path = sys.argv[1] if len(sys.argv) > 1 else "../../policies/examples/caspian-shield.proposal"
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
text = open(path, encoding="utf-8").read()
engine = pactum.Engine.standard()
engine.check(text, as_of="2026-11-29", name=path)
start = time.perf_counter()
for _ in range(runs):
    engine.check(text, as_of="2026-11-29", name=path)
per = (time.perf_counter() - start) * 1e6 / runs
print(f"python: {per:.1f} µs per check ({runs} runs)")
