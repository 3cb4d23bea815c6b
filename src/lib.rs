//! pactum: an embeddable rules engine and policy checker for cooperation proposals.

pub mod date;
pub mod diag;
pub mod proposal;
pub mod source;
