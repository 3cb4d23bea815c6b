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
//! The pipeline inside, one module per stage, in order:
//!
//! | stage | module | what it does |
//! | --- | --- | --- |
//! | syntax | `syntax/` | policy text → syntax tree with spans (pest), [`syntax`] |
//! | proposals | `proposal/` | the text and JSON forms → one [`Proposal`] model, validated |
//! | compile | `compile/` | resolve names, type-check against the schema, lower to `ir.rs` (interned ids, bitsets, rules by step kind) |
//! | bind | `bind.rs` | a proposal → the library's ids and typed slots |
//! | evaluate | `eval/` | each rule lowered once to a program, one evaluator, evidence when asked |
//! | check | `engine/` | the [`Engine`]: apply the rules, explain what fired |
//! | report | `report.rs`, `diag.rs` | [`Report`], [`Diagnostic`], rendering |
//! | lint | `lint/` | the library checked on its own, [`lint`] |
//! | format | `fmt/` | the canonical layout of policy and proposal text, comments kept, [`fmt`] |
//!
//! The command line (`src/cli/`) is the binary's, a layer over this API.

#![warn(missing_docs)]

mod bind;
mod bitset;
mod compile;
mod date;
mod diag;
pub mod diff;
mod engine;
mod eval;
pub mod fmt;
mod ir;
mod library;
mod limits;
pub mod lint;
mod proposal;
mod report;
mod source;
#[cfg(feature = "testing")]
pub mod testing;

pub use date::{Date, DateError};
pub use diag::{Code, Diagnostic, Errors, Location, Related, Severity, did_you_mean};
pub use engine::{
    AttributeSchema, DefaultValue, EntityTypeSchema, EnumSchema, FactEntry, FactHistory,
    FactPeriod, KindSchema, Schema, TypeSchema,
};
pub use engine::{
    BindingExplanation, Condition, EachExplanation, ErrorInfo, Outcome, RuleExplanation, SourceRef,
    StepExplanation,
};
pub use engine::{
    CheckOptions, Coverage, Engine, Explained, Finding, Findings, MAX_FIXES, Prepared, RuleInfo,
};
pub use ir::UnlessDoc;
pub use limits::Limits;
pub use proposal::{Attr, MAX_LIST_DEPTH, Proposal, RawValue, Step};
pub use report::{
    ErrorEntry, Fix, Report, RunReport, Summary, TextEdit, Violation, apply_edits, render_human,
};
pub use source::{LineCol, SourceFile, Span, Spanned, printable, printable_json};

pub mod syntax;

/// The examples of `docs/api.md`, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../docs/api.md")]
pub struct ApiDoc;

/// The examples of the README, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoc;
