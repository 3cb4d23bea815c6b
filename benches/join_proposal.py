#!/usr/bin/env python3
"""Writes the join benchmark's proposal (docs/performance.md, "Joins and filters"):
N exports, N transshipments, N flights and N permits, for tests/corpus/export-control.

    python3 benches/join_proposal.py N > big.proposal
"""
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
random.seed(7)
print("proposal big { date: 2026-09-15 }")
for i in range(n):
    dest = "oman" if i % 3 else "germany"
    print(f'step e{i}: export {{ item: drone, destination: {dest}, licence: "L{i}" }}')
    print(f"step t{i}: transshipment {{ item: radar, via: oman }}")
    print(f"step f{i}: flight {{ operator: germany, destination: oman, date: 2026-10-01 }}")
    day = random.randint(10, 30)
    print(f'step p{i}: permit {{ flight: "f{i}", by: oman, date: 2026-09-{day} }}')
