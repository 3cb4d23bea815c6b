//! The syntax of policy files: text to a syntax tree with byte spans (`policy.rs`, through
//! the pest grammar `grammar/policy.pest`), and the tree itself (`ast.rs`). Proposals have
//! their own syntax and model in `crate::proposal`.
//!
//! Public as `pactum::syntax`, for tools that read policies as written: [`parse_policy`]
//! and the syntax tree it gives. Checking proposals never needs it.

mod ast;
mod hidden;
mod policy;

pub use ast::*;
pub(crate) use hidden::hidden_text;
pub use policy::parse_policy;
pub(crate) use policy::{
    Rule, comment_above, filter_head, filter_parts, parse_expr, parse_policy_with, parse_tree,
    too_large,
};
