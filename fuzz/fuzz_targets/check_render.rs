//! Fuzz target `check_render`: see fuzz/harness.rs and docs/fuzzing.md.
#![no_main]

use std::sync::OnceLock;

use pactum::Engine;

#[path = "../harness.rs"]
#[allow(dead_code, reason = "each target uses one function of the harness")]
mod harness;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(Engine::standard)
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::check_render(engine(), data));
