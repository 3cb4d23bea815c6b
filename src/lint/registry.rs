//! The lint registry: every lint by a typed id ([`Lint`]), with its kebab-case name, code,
//! default severity and summary ([`LINTS`]). Lints are emitted by id, so a misspelt lint
//! does not compile; only names written by users (`--allow`, `allow ... because`) are
//! looked up by name.

use crate::diag::{Code, Severity};

/// A lint: its name, code, default severity and one-line summary.
#[derive(Clone, Copy, Debug)]
pub struct LintInfo {
    /// Kebab-case name, used by `--allow`, `--deny` and `allow ... because`.
    pub name: &'static str,
    /// Stable code.
    pub code: Code,
    /// Default severity.
    pub default: Severity,
    /// What it finds.
    pub summary: &'static str,
}

/// Every lint.
pub const LINTS: &[LintInfo] = &[
    LintInfo {
        name: "missing-cite",
        code: Code::LintMissingCite,
        default: Severity::Warning,
        summary: "a rule without a `cite` clause",
    },
    LintInfo {
        name: "missing-help",
        code: Code::LintMissingHelp,
        default: Severity::Warning,
        summary: "a rule without a `help` clause",
    },
    LintInfo {
        name: "unused-definition",
        code: Code::LintUnusedDefinition,
        default: Severity::Warning,
        summary: "a `def` that nothing uses",
    },
    LintInfo {
        name: "unused-entity",
        code: Code::LintUnusedEntity,
        default: Severity::Warning,
        summary: "a fact (an instrument, say) that no rule, fact or citation names and no step attribute can hold",
    },
    LintInfo {
        name: "unused-attribute",
        code: Code::LintUnusedAttribute,
        default: Severity::Warning,
        summary: "an entity attribute that no rule reads and no fact sets",
    },
    LintInfo {
        name: "contradictory-facts",
        code: Code::LintContradictoryFacts,
        default: Severity::Error,
        summary: "a fact that lists a value in two attributes declared to exclude each other",
    },
    LintInfo {
        name: "rule-never-fires",
        code: Code::LintNeverFires,
        default: Severity::Warning,
        summary: "a rule that no valid proposal can trigger",
    },
    LintInfo {
        name: "rule-always-fires",
        code: Code::LintAlwaysFires,
        default: Severity::Warning,
        summary: "a rule that fires on every step it applies to",
    },
    LintInfo {
        name: "redundant-rule",
        code: Code::LintRedundant,
        default: Severity::Warning,
        summary: "a rule that only fires where another fires on the same step, with at least its severity",
    },
    LintInfo {
        name: "conflicting-rules",
        code: Code::LintConflict,
        default: Severity::Warning,
        summary: "two rules that no step can satisfy together",
    },
    LintInfo {
        name: "unless-never-applies",
        code: Code::LintUnlessNever,
        default: Severity::Warning,
        summary: "an `unless` exception that never applies where the rule would fire",
    },
    LintInfo {
        name: "unless-always-applies",
        code: Code::LintUnlessAlways,
        default: Severity::Warning,
        summary: "an `unless` exception that applies wherever the rule would fire",
    },
    LintInfo {
        name: "unknown-lint",
        code: Code::LintUnknown,
        default: Severity::Warning,
        summary: "an `allow` clause naming a lint that does not exist",
    },
    LintInfo {
        name: "unused-binder",
        code: Code::LintUnusedBinder,
        default: Severity::Warning,
        summary: "an `any`/`all` quantifier whose binder its body never reads",
    },
    LintInfo {
        name: "undecided",
        code: Code::LintUndecided,
        default: Severity::Warning,
        summary: "a semantic question (can this rule fire? does that rule cover it?) not decided within the solver's budget",
    },
    LintInfo {
        name: "may-error",
        code: Code::LintMayError,
        default: Severity::Error,
        summary: "a read of an optional attribute (a step's, or an entity's that some fact lacks) that can find it absent on a valid step, so that evaluating the rule fails",
    },
];

/// A lint, by id: what the lints emit. Its entry in [`LINTS`] is `LINTS[lint as usize]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Lint {
    /// `missing-cite`
    MissingCite,
    /// `missing-help`
    MissingHelp,
    /// `unused-definition`
    UnusedDefinition,
    /// `unused-entity`
    UnusedEntity,
    /// `unused-attribute`
    UnusedAttribute,
    /// `contradictory-facts`
    ContradictoryFacts,
    /// `rule-never-fires`
    RuleNeverFires,
    /// `rule-always-fires`
    RuleAlwaysFires,
    /// `redundant-rule`
    RedundantRule,
    /// `conflicting-rules`
    ConflictingRules,
    /// `unless-never-applies`
    UnlessNeverApplies,
    /// `unless-always-applies`
    UnlessAlwaysApplies,
    /// `unknown-lint`
    Unknown,
    /// `unused-binder`
    UnusedBinder,
    /// `undecided`
    Undecided,
    /// `may-error`
    MayError,
}

impl Lint {
    /// Its registry entry.
    pub(crate) fn info(self) -> &'static LintInfo {
        // INVARIANT: `LINTS` lists the lints in the order of the enum (a test checks it).
        LINTS.get(self as usize).unwrap_or(&UNKNOWN)
    }
}

/// The entry no lint falls back to (the registry test keeps it unused).
const UNKNOWN: LintInfo = LintInfo {
    name: "unknown-lint",
    code: Code::LintUnknown,
    default: Severity::Warning,
    summary: "an `allow` clause naming a lint that does not exist",
};

/// The lint named so, if any.
pub fn lint_info(name: &str) -> Option<&'static LintInfo> {
    LINTS.iter().find(|l| l.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Lint; 16] = [
        Lint::MissingCite,
        Lint::MissingHelp,
        Lint::UnusedDefinition,
        Lint::UnusedEntity,
        Lint::UnusedAttribute,
        Lint::ContradictoryFacts,
        Lint::RuleNeverFires,
        Lint::RuleAlwaysFires,
        Lint::RedundantRule,
        Lint::ConflictingRules,
        Lint::UnlessNeverApplies,
        Lint::UnlessAlwaysApplies,
        Lint::Unknown,
        Lint::UnusedBinder,
        Lint::Undecided,
        Lint::MayError,
    ];

    #[test]
    fn ids_and_registry_agree() {
        assert_eq!(ALL.len(), LINTS.len());
        for (i, l) in ALL.iter().enumerate() {
            assert_eq!(*l as usize, i);
            assert_eq!(l.info().name, LINTS[i].name);
            assert_eq!(
                lint_info(l.info().name).map(|x| x.code),
                Some(l.info().code)
            );
        }
    }
}
