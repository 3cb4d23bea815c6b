//! Writing files back: what `pactum fix` and `pactum fmt` share (atomic writes, unified
//! diffs).

use std::io::Write;
use std::path::Path;

use pactum::printable;

/// Writes `text` over the file named `name` (which held `original`), atomically: refused
/// for a name shown with U+FFFD, which may stand for a path that is not UTF-8 (writing to
/// the name would write another file, or none).
pub(crate) fn write_named(name: &str, original: &str, text: &str) -> std::io::Result<()> {
    if name.contains('\u{FFFD}') {
        return Err(std::io::Error::other(
            "its name is not UTF-8 (or holds U+FFFD), so pactum cannot be sure which file it names",
        ));
    }
    write_atomically(Path::new(name), original, text)
}

/// Writes `text` to `path` through a temporary file in the same folder and a rename: an
/// interrupted run leaves the old file or the new one, never half of one. A link is
/// followed: the file it leads to is replaced. Refused, the file unchanged: a read-only
/// file, a file with more than one hard link (the rename would leave the other names with
/// the old text), and a file whose content is no longer `original` (changed by someone
/// else since it was read: their change would be lost).
pub(crate) fn write_atomically(path: &Path, original: &str, text: &str) -> std::io::Result<()> {
    let refused = |why: &str| std::io::Error::other(why.to_string());
    let real = std::fs::canonicalize(path)?;
    let meta = std::fs::metadata(&real)?;
    if meta.permissions().readonly() {
        return Err(refused("the file is read-only"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        if meta.nlink() > 1 {
            return Err(refused(&format!(
                "the file has {} hard links, and replacing it would leave the others with the old text",
                meta.nlink()
            )));
        }
    }
    let dir = real.parent().unwrap_or(Path::new("."));
    let file_name = real
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.pactum-fix-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::set_permissions(&tmp, meta.permissions())?;
        // The last moment to notice a change made since the file was read.
        if std::fs::read(&real)? != original.as_bytes() {
            return Err(refused("the file changed since pactum read it"));
        }
        std::fs::rename(&tmp, &real)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A unified diff of a file's change (`--diff` of `fix` and `fmt`), its lines escaped for the terminal.
pub(crate) fn unified_diff(name: &str, old: &str, new: &str) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let name = printable(name);
    let (old_name, new_name) = if Path::new(name.as_ref()).is_absolute() {
        (name.to_string(), name.to_string())
    } else {
        (format!("a/{name}"), format!("b/{name}"))
    };
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&old_name, &new_name)
        .to_string();
    text.lines()
        .map(|l| format!("{}\n", pactum::printable(l)))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "test setup")]
mod tests {
    use super::*;

    #[test]
    fn a_file_changed_since_it_was_read_is_not_replaced() {
        let dir = std::env::temp_dir().join(format!("pactum-fix-changed-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("p.proposal");
        std::fs::write(&f, "someone else's edit\n").unwrap();
        let e = write_atomically(&f, "what pactum read\n", "the fix\n").unwrap_err();
        assert!(e.to_string().contains("changed since"), "{e}");
        assert_eq!(
            std::fs::read_to_string(&f).unwrap(),
            "someone else's edit\n"
        );
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file left"
        );
        write_atomically(&f, "someone else's edit\n", "the fix\n").unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "the fix\n");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
