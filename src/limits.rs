//! Limits on input and work, so that hostile or broken input gets a diagnostic instead of
//! exhausting memory, the stack or time. Every limit has a safe default; an embedder can set
//! its own through [`Limits`].

/// Limits on what pactum accepts and how much work a check may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest file (policy or proposal) in bytes.
    pub max_input_bytes: usize,
    /// Deepest nesting of `(`, `[` and `{` in a policy file (outside comments and strings),
    /// checked before parsing.
    pub max_policy_nesting: u32,
    /// Deepest expression tree in a policy file (after `&&`/`||` chains are balanced).
    pub max_expr_depth: u32,
    /// Most expression nodes a library may compile to, definitions expanded.
    pub max_compiled_nodes: usize,
    /// Most steps in one proposal.
    pub max_steps: usize,
    /// Longest string value or id in a proposal, in bytes.
    pub max_string_bytes: usize,
    /// Evaluation budget per proposal: quantifier iterations and `each` bindings.
    pub eval_budget: u64,
    /// `pactum lint`'s budget per semantic question: solver conflicts (and, for building the
    /// question, a thousand formula nodes per unit). A question not decided within it is
    /// reported as `undecided`, never taken as an answer.
    pub lint_budget: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 64 * 1024 * 1024,
            max_policy_nesting: 256,
            max_expr_depth: 128,
            max_compiled_nodes: 1_000_000,
            max_steps: 1_000_000,
            max_string_bytes: 64 * 1024,
            eval_budget: 50_000_000,
            lint_budget: 100_000,
        }
    }
}
