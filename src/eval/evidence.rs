//! Evidence: the facts a rule read while it fired, and the recorders the evaluator is
//! generic over. The hot path uses [`NoEvidence`], whose calls compile to nothing; the
//! explanation of a violation re-runs its rule application with a [`Trace`].

use std::sync::Arc;

use crate::date::Date;
use crate::ir::{AtomId, AttrId, Value};

/// A fact that a rule read while it fired: the evidence of a violation.
#[derive(Clone, Debug, PartialEq)]
pub enum Evidence {
    /// An entity's attribute.
    Fact {
        /// The entity.
        entity: AtomId,
        /// The attribute.
        attr: AttrId,
        /// Its value.
        value: Value,
        /// The date it was read on, when it changes over time.
        on: Option<Date>,
    },
    /// A step's attribute.
    StepAttr {
        /// The step.
        step: u32,
        /// The attribute.
        name: Arc<str>,
        /// Its value.
        value: Value,
    },
    /// A step's date.
    StepDate {
        /// The step.
        step: u32,
        /// The date.
        date: Date,
    },
    /// Whether an instrument was in force.
    InForce {
        /// The instrument.
        inst: AtomId,
        /// On this date.
        date: Date,
        /// Its entry into force, if any.
        since: Option<Date>,
        /// The answer.
        result: bool,
    },
}

/// What the evaluator does with each read: nothing, or record it.
pub trait Recorder {
    /// Whether reads are recorded at all. When they are, the evaluator walks quantifiers
    /// and `each` bindings item by item (the order in which the reads happen is the
    /// evidence's order); when not, it may decide them with set operations.
    const RECORDS: bool;

    /// Records one read (only called when [`Recorder::RECORDS`]).
    fn record(&mut self, e: Evidence);

    /// Whether the recorder takes reads right now.
    fn on(&self) -> bool;

    /// A marked sub-condition ([`super::program::B::Mark`], in programs lowered for
    /// explanation only) begins. Only called when [`Recorder::RECORDS`].
    #[inline(always)]
    fn enter(&mut self, _site: u32) {}

    /// The marked sub-condition that began last ends, with its value (`None`: evaluation
    /// stopped in it). Only called when [`Recorder::RECORDS`].
    #[inline(always)]
    fn leave(&mut self, _site: u32, _value: Option<bool>) {}

    /// An `any`/`all` binds its binder to its next item. Only called when
    /// [`Recorder::RECORDS`].
    #[inline(always)]
    fn item(&mut self, _binder: crate::ir::Local, _item: &Value) {}

    /// A rule's `each` binds its next binding. Only called when [`Recorder::RECORDS`].
    #[inline(always)]
    fn binding(&mut self, _binding: &Value) {}
}

/// The hot path: nothing is recorded.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoEvidence;

impl Recorder for NoEvidence {
    const RECORDS: bool = false;

    #[inline(always)]
    fn record(&mut self, _: Evidence) {}

    #[inline(always)]
    fn on(&self) -> bool {
        false
    }
}

/// Explanations: reads are recorded in order while `on`.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// The reads, in evaluation order.
    pub reads: Vec<Evidence>,
    /// Whether reads are taken (messages are rendered with it off).
    pub on: bool,
}

impl Recorder for Trace {
    const RECORDS: bool = true;

    fn record(&mut self, e: Evidence) {
        if self.on {
            self.reads.push(e);
        }
    }

    fn on(&self) -> bool {
        self.on
    }
}
