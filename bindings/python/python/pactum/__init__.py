"""pactum: a rules engine and policy checker for cooperation proposals.

``Engine.standard()`` is the standard library built in; ``Engine.load(path)`` compiles a
folder of ``.policy`` files. ``engine.check(proposal)`` takes the text form or the JSON form
(a str, or a dict) and returns the report as ``pactum check --format json`` gives it, as
dicts and lists. Errors are ``PactumError``, with the diagnostic's ``code`` and location.
See docs/python.md.
"""

from ._pactum import MAX_FIXES, Engine, PactumError, __version__

__all__ = ["Engine", "PactumError", "MAX_FIXES", "__version__"]
