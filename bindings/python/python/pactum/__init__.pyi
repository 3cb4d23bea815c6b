"""Type stubs of pactum (see docs/python.md). Reports are the command line's JSON as Python
objects; their shapes are given here as TypedDicts."""

import datetime
import os
from typing import Any, Dict, List, Optional, Union

from typing_extensions import NotRequired, TypedDict

__version__: str
MAX_FIXES: int
"""The most repairs computed per violation (3)."""

class Location(TypedDict):
    file: str
    line: int
    column: int

class TextEdit(TypedDict):
    file: str
    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int
    replacement: str

class Fix(TypedDict):
    description: str
    edits: List[TextEdit]

class Violation(TypedDict):
    rule: str
    severity: str
    step: Optional[str]
    binding: NotRequired[str]
    message: str
    cite: Optional[str]
    help: Optional[str]
    evidence: List[str]
    location: Location
    fixes: NotRequired[List[Fix]]

class ErrorEntry(TypedDict):
    code: str
    message: str
    location: Optional[Location]
    help: Optional[str]
    rule: NotRequired[str]
    notes: NotRequired[List[str]]

class Report(TypedDict):
    """One entry of `results` in `pactum check --format json`."""

    file: str
    proposal: Optional[str]
    compliant: bool
    violations: List[Violation]
    errors: List[ErrorEntry]

class Related(TypedDict):
    message: str
    location: Location

class Diagnostic(TypedDict):
    """A finding of `pactum lint --format json`; the form of `PactumError.diagnostics`."""

    lint: Optional[str]
    code: str
    severity: str
    message: str
    help: Optional[str]
    notes: List[str]
    location: Optional[Location]
    related: List[Related]

class RepairedFix(TypedDict):
    description: str
    edits: List[TextEdit]
    text: Optional[str]
    """The whole proposal text with this fix applied."""

class Repair(TypedDict):
    rule: str
    severity: str
    step: Optional[str]
    binding: NotRequired[str]
    message: str
    location: Location
    fixes: List[RepairedFix]

class Rule(TypedDict):
    id: str
    severity: str
    cite: Optional[str]
    file: str
    proposal_wide: bool
    location: Optional[Location]
    message: str
    help: Optional[str]
    comment: Optional[str]
    unless: List[Optional[str]]

Proposal = Union[str, Dict[str, Any]]
"""The text form or the JSON form as a str, or the JSON form as a dict."""

AsOf = Union[None, str, datetime.date]
"""`None` (today, UTC), `YYYY-MM-DD`, or a date."""

class PactumError(Exception):
    """A library that does not compile, a proposal that cannot be explained or repaired, or
    a bad argument (code `pactum::usage`). The attributes are those of the first diagnostic."""

    code: str
    message: str
    file: Optional[str]
    line: Optional[int]
    column: Optional[int]
    help: Optional[str]
    diagnostics: List[Diagnostic]
    text: str
    """Every diagnostic as `pactum check` prints it (no colour)."""

class Engine:
    """A compiled policy library: immutable, shareable between threads; every method
    releases the GIL while it works."""

    @staticmethod
    def standard() -> Engine:
        """The standard library built into pactum."""
    @staticmethod
    def load(path: Union[str, os.PathLike[str]]) -> Engine:
        """Every `.policy` file under the folder, compiled; raises PactumError."""
    def check(
        self,
        proposal: Proposal,
        *,
        as_of: AsOf = None,
        fixes: int = 0,
        name: Optional[str] = None,
        deny_warnings: bool = False,
    ) -> Report:
        """The report of `pactum check --format json` for the proposal (with `fixes=3`,
        that of `--fixes`; with `deny_warnings`, of `--deny warnings`). Unreadable input is
        reported under `errors`."""
    def lint(self) -> List[Diagnostic]:
        """The findings of `pactum lint --format json` for the library."""
    def explain(
        self,
        proposal: Proposal,
        step: str,
        *,
        rule: Optional[str] = None,
        as_of: AsOf = None,
        name: Optional[str] = None,
    ) -> Dict[str, Any]:
        """The JSON of `pactum explain --format json`, plus `text`, its human form."""
    def repairs(
        self,
        proposal: Proposal,
        *,
        as_of: AsOf = None,
        name: Optional[str] = None,
    ) -> List[Repair]:
        """Each violation with its repairs and the repaired text."""
    def rules(self) -> List[Rule]:
        """The library's rules, in id order."""
    def schema(self) -> Dict[str, Any]:
        """The library's schema: `kinds`, `entity_types`, `enums`."""
    def json_schema(self) -> Dict[str, Any]:
        """The JSON Schema of JSON proposals (`pactum schema --json-schema`)."""
    def sources(self) -> List[str]:
        """The library's policy file names."""
