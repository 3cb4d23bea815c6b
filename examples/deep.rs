//! Stack use of parsing, compiling and checking a deeply nested policy, on a 2 MiB thread
//! (the default for spawned threads): `cargo run --example deep -- DEPTH [and]`.

fn main() {
    let d: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let nested = if std::env::args().nth(2).is_some() {
        format!("{}s.armed{}", "(s.armed && ".repeat(d), ")".repeat(d))
    } else {
        format!("{}s.armed{}", "(".repeat(d), ")".repeat(d))
    };
    let schema = "entity State {}\nstep exercise { armed: bool = true }\n";
    let rule =
        format!("rule deep {{ severity error on exercise as s forbid {nested} message \"m\" }}\n");
    let worker = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let sources = vec![
                pactum::SourceFile::new("schema.policy", schema),
                pactum::SourceFile::new("rule.policy", rule),
            ];
            match pactum::Engine::from_sources(sources) {
                Ok(engine) => {
                    let p = pactum::Proposal::parse("proposal p {}\nstep s: exercise {}").ok();
                    let n = p.map(|p| engine.check(&p).violations.len());
                    println!("{d}: compiled; violations: {n:?}");
                }
                Err(e) => println!("{d}: {}", e.first().map_or("?", |e| e.code.as_str())),
            }
        });
    if let Ok(handle) = worker {
        let _ = handle.join();
    }
}
