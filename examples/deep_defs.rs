//! Stack use of compiling definitions that nest deeply once expanded, on a 2 MiB thread:
//! `cargo run --example deep_defs -- DEFS BODY_DEPTH`.

fn main() {
    let defs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10);
    let body: usize = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10);
    let mut text =
        String::from("entity State {}\nstep exercise { armed: bool = true }\ndef d0(x) = x\n");
    for i in 1..=defs {
        let inner = format!("{}d{}(x){}", "(x && ".repeat(body), i - 1, ")".repeat(body));
        text.push_str(&format!("def d{i}(x) = {inner}\n"));
    }
    text.push_str(&format!(
        "rule deep {{ severity error on exercise as s forbid d{defs}(s.armed) message \"m\" }}\n"
    ));
    let worker = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            match pactum::Engine::from_sources(vec![pactum::SourceFile::new("x.policy", text)]) {
                Ok(engine) => {
                    let p = pactum::Proposal::parse("proposal p {}\nstep s: exercise {}").ok();
                    let n = p.map(|p| engine.check(&p).violations.len());
                    println!("{defs}x{body}: compiled; violations: {n:?}");
                }
                Err(e) => println!(
                    "{defs}x{body}: {}",
                    e.first().map_or("?", |e| e.code.as_str())
                ),
            }
        });
    if let Ok(handle) = worker {
        let _ = handle.join();
    }
}
