//! pactum: an embeddable rules engine and policy checker for cooperation proposals.
//!
//! A policy library (a folder of `.policy` files: schema, facts, rules) is compiled into an
//! [`Engine`]; proposals (text `.proposal` or JSON) are parsed into a [`Proposal`] and
//! checked, giving a [`Report`] of violations, each with its rule, step, evidence, citation
//! and help. Loading a library or a proposal that is not valid gives [`Errors`]: the
//! diagnostics, each with its code, file, span and help, which `miette` renders.
//!
//! ```
//! use pactum::{Engine, Proposal};
//!
//! # fn main() -> Result<(), pactum::Errors> {
//! let engine = Engine::standard();
//! let proposal = Proposal::from_json(r#"{
//!   "id": "caspian-shield-2026", "date": "2026-09-15",
//!   "steps": [ { "id": "ex1", "kind": "exercise",
//!                "participants": ["turkey", "azerbaijan", "kazakhstan"],
//!                "area": "caspian_sea" } ]
//! }"#)?;
//! let report = engine.check(&proposal);
//! assert!(!report.compliant);
//! assert_eq!(report.violations[0].rule, "caspian.non_littoral_forces");
//! assert!(report.violations[0].message.contains("turkey"));
//! # Ok(())
//! # }
//! ```
//!
//! The pipeline inside, one module per stage: syntax (pest → AST with spans, for policies
//! and proposals) → compile (resolve names, type-check against the schema, lower to
//! interned ids, bitsets and rules indexed by step kind) → bind (a proposal → ids) →
//! evaluate → report. `docs/api.md` lists the public surface, with an example each.

#![warn(missing_docs)]

mod ast;
mod bind;
mod bitset;
mod compile;
mod date;
mod diag;
mod engine;
mod eval;
mod ir;
mod library;
mod limits;
pub mod lint;
mod parse;
mod proposal;
mod report;
mod source;
#[cfg(feature = "testing")]
pub mod testing;

pub use date::{Date, DateError};
pub use diag::{Code, Diagnostic, Errors, Location, Related, Severity, did_you_mean};
pub use engine::{
    CheckOptions, Coverage, Engine, Explained, Finding, Findings, Prepared, RuleInfo,
};
pub use ir::UnlessDoc;
pub use limits::Limits;
pub use proposal::{Attr, MAX_LIST_DEPTH, Proposal, RawValue, Step};
pub use report::{ErrorEntry, Report, RunReport, Summary, Violation, render_human};
pub use source::{LineCol, SourceFile, Span, Spanned};

/// The syntax of policy files, for tools that read policies as written (formatters,
/// editors, a reference interpreter): [`syntax::parse_policy`] and the syntax tree it
/// gives. Checking proposals never needs it.
pub mod syntax {
    pub use crate::ast::*;
    pub use crate::parse::parse_policy;
}

/// The examples of `docs/api.md`, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../docs/api.md")]
pub struct ApiDoc;

/// The examples of the README, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoc;
