//! Why an evaluation could not finish. Each of these becomes an error diagnostic naming the
//! rule (codes `pactum::eval::*`), and the proposal is not compliant: evaluation fails
//! closed.

use std::sync::Arc;

use crate::ir::AtomId;
use crate::source::Span;

/// Why an evaluation could not finish.
#[derive(Clone, Debug, PartialEq)]
pub enum EvalError {
    /// An optional attribute was read while absent.
    Absent {
        /// The attribute.
        attr: Arc<str>,
        /// Where the policy reads it.
        span: Span,
        /// Whose attribute: a step index, or an entity.
        owner: Owner,
    },
    /// No date was available.
    NoDate(Span),
    /// The budget ran out.
    Budget,
    /// A value of an unexpected shape (an engine bug; reported, never a panic).
    Internal(&'static str),
}

/// The owner of an absent attribute.
#[derive(Clone, Debug, PartialEq)]
pub enum Owner {
    /// A step, by index.
    Step(u32),
    /// An entity.
    Entity(AtomId),
}
