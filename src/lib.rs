//! pactum: an embeddable rules engine and policy checker for cooperation proposals.
//!
//! A policy library (a folder of `.policy` files: schema, facts, rules) is compiled into an
//! [`Engine`]; proposals (text `.proposal` or JSON) are parsed into a [`Proposal`] and
//! checked, giving a [`Report`] of violations, each with its rule, step, evidence, citation
//! and help.
//!
//! The pipeline, one module per stage: [`parse`] (pest → AST with spans) → [`compile`]
//! (resolve names, type-check against the schema, lower to [`ir`]: interned ids, bitsets,
//! rules indexed by step kind) → [`bind`] (proposal → ids) → [`eval`] → [`report`].
//!
//! ```
//! use pactum::{Engine, Proposal};
//!
//! let engine = Engine::standard();
//! let proposal = Proposal::from_json(r#"{
//!   "id": "caspian-shield-2026", "date": "2026-09-15",
//!   "steps": [ { "id": "ex1", "kind": "exercise",
//!                "participants": ["turkey", "azerbaijan", "kazakhstan"],
//!                "area": "caspian_sea" } ]
//! }"#).unwrap();
//! let report = engine.check(&proposal);
//! assert!(!report.compliant);
//! assert_eq!(report.violations[0].rule, "caspian.non_littoral_forces");
//! assert!(report.violations[0].message.contains("turkey"));
//! ```

pub mod ast;
pub mod bind;
pub mod bitset;
pub mod cli;
pub mod compile;
pub mod date;
pub mod diag;
pub mod engine;
pub mod eval;
pub mod ir;
pub mod library;
pub mod limits;
pub mod lint;
pub mod parse;
pub mod proposal;
pub mod report;
pub mod source;
#[cfg(feature = "testing")]
pub mod testing;

pub use date::Date;
pub use diag::{Code, Diagnostic, Severity};
pub use engine::{CheckOptions, Coverage, Engine, Explained, Finding, Findings};
pub use limits::Limits;
pub use proposal::Proposal;
pub use report::{Report, RunReport, Violation};
pub use source::SourceFile;
