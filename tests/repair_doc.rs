//! docs/repair.md and the README cannot drift from what `pactum check` and `pactum fix`
//! print. Each sample output is a fenced block right after a comment
//!
//! ```text
//! <!-- sample: exit N[, in examples | in files][, excerpt][: pactum ARGS] -->
//! ```
//!
//! whose command is ARGS, or else the single `pactum ...` line of the last ```sh block
//! before the comment. The command runs from the crate root; `in examples` runs it in a
//! fresh copy of `policies/examples/` (so that `pactum fix` writes nothing of ours),
//! `in files` in a fresh folder holding every block shown so far after a comment
//! `<!-- file: PATH -->`. The block is the command's whole standard output (trailing
//! blank lines aside) and N its exit code; with `excerpt`, the block's lines are
//! consecutive lines of the output, each output line the block's line behind one common
//! indentation. `UPDATE_DOCS=1 cargo test --test repair_doc` rewrites the whole-output
//! blocks from the binary instead of comparing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests report failures by panicking"
)]

mod common;

use std::path::{Path, PathBuf};

use common::{code, pactum_in, root, scratch, stdout};

/// Where a sample's command runs.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Dir {
    Root,
    Examples,
    Files,
}

/// One sample: where it is, how it runs, what it shows.
#[derive(Debug)]
struct Sample {
    /// Line of the comment (1-based).
    line: usize,
    command: String,
    exit: i32,
    dir: Dir,
    excerpt: bool,
    /// The lines of the output block (exclusive range in the document's lines).
    block: (usize, usize),
}

/// The lines of the fenced block that starts at or after line `from` (blank lines
/// skipped): (the fence's line, the closing fence's line).
fn block_after(lines: &[&str], from: usize, doc: &str) -> (usize, usize) {
    let open = (from..lines.len())
        .find(|&i| !lines[i].trim().is_empty())
        .unwrap_or_else(|| panic!("{doc}:{from}: a comment without a block after it"));
    assert!(
        lines[open].starts_with("```"),
        "{doc}:{}: expected a fenced block, found {:?}",
        open + 1,
        lines[open]
    );
    let close = (open + 1..lines.len())
        .find(|&i| lines[i] == "```")
        .unwrap_or_else(|| panic!("{doc}:{}: an unclosed block", open + 1));
    (open, close)
}

/// The samples and file blocks of a document, in order.
fn parse(doc: &str, text: &str) -> (Vec<Sample>, Vec<(usize, String, String)>) {
    let lines: Vec<&str> = text.lines().collect();
    let mut samples = Vec::new();
    let mut files = Vec::new();
    let mut last_sh: Option<String> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line == "```sh" {
            let (_, close) = block_after(&lines, i, doc);
            let cmds: Vec<&str> = lines[i + 1..close]
                .iter()
                .copied()
                .filter(|l| l.starts_with("pactum "))
                .collect();
            last_sh = match cmds.as_slice() {
                [one] => Some(one.to_string()),
                _ => None,
            };
            i = close + 1;
            continue;
        }
        if let Some(path) = line
            .strip_prefix("<!-- file: ")
            .and_then(|l| l.strip_suffix(" -->"))
        {
            let (open, close) = block_after(&lines, i + 1, doc);
            let content = lines[open + 1..close].join("\n") + "\n";
            files.push((i + 1, path.to_string(), content));
            i = close + 1;
            continue;
        }
        if let Some(spec) = line
            .strip_prefix("<!-- sample: ")
            .and_then(|l| l.strip_suffix(" -->"))
        {
            let (opts, command) = match spec.split_once(": ") {
                Some((o, c)) => (o, Some(c.to_string())),
                None => (spec, None),
            };
            let mut exit = None;
            let mut dir = Dir::Root;
            let mut excerpt = false;
            for o in opts.split(", ") {
                match o {
                    "in examples" => dir = Dir::Examples,
                    "in files" => dir = Dir::Files,
                    "excerpt" => excerpt = true,
                    _ => {
                        let n = o.strip_prefix("exit ").and_then(|n| n.parse().ok());
                        exit = Some(n.unwrap_or_else(|| {
                            panic!("{doc}:{}: unknown sample option `{o}`", i + 1)
                        }));
                    }
                }
            }
            let command = command
                .or_else(|| last_sh.clone())
                .unwrap_or_else(|| panic!("{doc}:{}: a sample without a `pactum` command", i + 1));
            let (open, close) = block_after(&lines, i + 1, doc);
            samples.push(Sample {
                line: i + 1,
                command,
                exit: exit.unwrap_or_else(|| panic!("{doc}:{}: no `exit N`", i + 1)),
                dir,
                excerpt,
                block: (open + 1, close),
            });
            i = close + 1;
            continue;
        }
        i += 1;
    }
    (samples, files)
}

/// A fresh folder for one sample, filled as its `Dir` says.
fn folder(doc: &str, n: usize, dir: Dir, files: &[(usize, String, String)]) -> PathBuf {
    let name = doc.replace(['/', '.'], "_");
    match dir {
        Dir::Root => root().to_path_buf(),
        Dir::Examples => {
            let d = scratch("repair_doc", &format!("{name}_{n}"));
            for e in std::fs::read_dir(root().join("policies/examples")).unwrap() {
                let p = e.unwrap().path();
                std::fs::copy(&p, d.join(p.file_name().unwrap())).unwrap();
            }
            d
        }
        Dir::Files => {
            let d = scratch("repair_doc", &format!("{name}_{n}"));
            for (_, path, content) in files {
                let p = d.join(path);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(p, content).unwrap();
            }
            d
        }
    }
}

/// Whether `block` is a run of consecutive lines of `output`, behind one indentation.
fn is_excerpt(output: &str, block: &[&str]) -> bool {
    let out: Vec<&str> = output.lines().collect();
    let Some(first) = block.first() else {
        return true;
    };
    (0..out.len()).any(|start| {
        let Some(indent) = out[start].strip_suffix(first) else {
            return false;
        };
        if !indent.chars().all(|c| c == ' ') {
            return false;
        }
        block.iter().enumerate().all(|(k, l)| {
            out.get(start + k).is_some_and(|o| {
                o.strip_prefix(indent) == Some(l) || (l.is_empty() && o.trim().is_empty())
            })
        })
    })
}

/// Checks (or, with `UPDATE_DOCS`, rewrites) the samples of one document; how many.
fn check_doc(doc: &str) -> usize {
    let path = root().join(doc);
    let text = std::fs::read_to_string(&path).unwrap();
    let (samples, files) = parse(doc, &text);
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Rewrites go from the end, so that earlier ranges stay right.
    let mut rewrites: Vec<((usize, usize), Vec<String>)> = Vec::new();
    for (n, s) in samples.iter().enumerate() {
        // The files shown before the sample, not those after it.
        let shown: Vec<(usize, String, String)> = files
            .iter()
            .filter(|(l, _, _)| *l < s.line)
            .cloned()
            .collect();
        let dir = folder(doc, n, s.dir, &shown);
        let args: Vec<&str> = s
            .command
            .strip_prefix("pactum ")
            .unwrap_or_else(|| panic!("{doc}:{}: not a pactum command", s.line))
            .split_whitespace()
            .collect();
        let out = pactum_in(Path::new(&dir), &args);
        let printed = stdout(&out);
        let printed = printed.trim_end();
        let block: Vec<&str> = text
            .lines()
            .skip(s.block.0)
            .take(s.block.1 - s.block.0)
            .collect();
        assert_eq!(
            code(&out),
            s.exit,
            "{doc}:{}: `{}` exits {}, the doc says {}\n{printed}",
            s.line,
            s.command,
            code(&out),
            s.exit
        );
        if s.excerpt {
            assert!(
                is_excerpt(printed, &block),
                "{doc}:{}: the excerpt is not in what `{}` prints:\n{printed}",
                s.line,
                s.command
            );
        } else if update {
            rewrites.push((s.block, printed.lines().map(str::to_string).collect()));
        } else {
            assert_eq!(
                block.join("\n"),
                printed,
                "{doc}:{}: the block differs from what `{}` prints (UPDATE_DOCS=1 rewrites it)",
                s.line,
                s.command
            );
        }
    }
    if update && !rewrites.is_empty() {
        for ((start, end), new) in rewrites.into_iter().rev() {
            lines.splice(start..end, new);
        }
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    }
    samples.len()
}

#[test]
fn the_samples_in_docs_repair_md_are_what_pactum_prints() {
    let n = check_doc("docs/repair.md");
    assert!(n >= 8, "{n} samples in docs/repair.md");
}

#[test]
fn the_repair_samples_in_the_readme_are_what_pactum_prints() {
    let n = check_doc("README.md");
    assert!(n >= 2, "{n} samples in README.md");
}
