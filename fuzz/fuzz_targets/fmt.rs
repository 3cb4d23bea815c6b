//! Fuzz target `fmt`: see fuzz/harness.rs and docs/fuzzing.md.
#![no_main]

#[path = "../harness.rs"]
#[allow(dead_code, reason = "each target uses one function of the harness")]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::fmt(data));
