"""One `Engine` used from many threads at once gives the same reports as sequential
checks, and a check does not hold the GIL."""

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from conftest import AS_OF, EXAMPLES, rel


def test_eight_threads_give_the_sequential_reports(engine):
    inputs = [(p.read_text(), rel(p)) for p in EXAMPLES] * 4
    sequential = [engine.check(text, as_of=AS_OF, fixes=1, name=name) for text, name in inputs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(
            pool.map(lambda i: engine.check(i[0], as_of=AS_OF, fixes=1, name=i[1]), inputs)
        )
    assert concurrent == sequential


def test_lint_explain_and_repairs_from_threads(engine):
    text = next(p for p in EXAMPLES if p.name == "caspian-shield.proposal").read_text()
    calls = [
        lambda: engine.lint(),
        lambda: engine.explain(text, "ex1", as_of=AS_OF),
        lambda: engine.repairs(text, as_of=AS_OF),
    ] * 4
    sequential = [call() for call in calls]
    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(lambda call: call(), calls))
    assert concurrent == sequential


def big_proposal(steps: int) -> str:
    lines = ["proposal big { date: 2026-09-15 }"]
    for i in range(steps):
        lines.append(
            f"step ex{i}: exercise {{ participants: [turkey, azerbaijan, kazakhstan], area: caspian_sea }}"
        )
    return "\n".join(lines) + "\n"


def test_a_check_releases_the_gil(engine):
    """While the main thread is inside `check`, another Python thread runs. The switch
    interval is made so long that the interpreter never takes the GIL from a thread; the
    other thread gives it up at each `time.sleep(0)`. Had the check held the GIL, the other
    thread could not run from the moment `before` is read until `after` is (the main thread
    never waits in between): `after == before`. No time is measured."""
    text = big_proposal(3000)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(60.0)
    try:
        for _attempt in range(5):
            counter = [0]
            started, stop = threading.Event(), threading.Event()

            def spin():
                started.set()
                while not stop.is_set():
                    counter[0] += 1
                    time.sleep(0)

            spinner = threading.Thread(target=spin)
            spinner.start()
            started.wait()
            before = counter[0]
            report = engine.check(text, as_of=AS_OF)
            after = counter[0]
            stop.set()
            spinner.join()
            assert report["violations"]
            if after > before:
                return
        raise AssertionError("no other thread ran during a check: it holds the GIL")
    finally:
        sys.setswitchinterval(interval)
