//! The file gate (SPEC §14 "Files"): every file a script reads or writes goes through
//! here, so that paths resolve one way and stay inside the allowed roots.
//!
//! - A relative path is relative to a *base* directory (the directory of the script
//!   that contains the call; the REPL's current directory).
//! - The allowed roots are the directory of the script that `bp run` was given (or the
//!   notebook's, or the REPL's current directory) plus every `--allow-path DIR`. A path
//!   that leaves them — absolute, through `..`, or through a symbolic link that points
//!   out — is an error naming the path and the roots. The check is made twice: on the
//!   path as written (after folding `.` and `..`, so a path that does not exist yet is
//!   judged too) and on the real path the system resolves (so symbolic links count).
//! - Writes are atomic: the bytes go to a temporary file in the target's directory,
//!   which is flushed to disk and renamed over the target. A failed write removes the
//!   temporary file and leaves whatever was there before.

use std::fmt;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Why a file could not be read or written.
#[derive(Debug)]
pub enum FileError {
    /// The path leaves the allowed roots.
    Outside {
        path: String,
        roots: Vec<PathBuf>,
        /// How it leaves: "is absolute", "goes up with ..", "is a symbolic link …".
        how: String,
    },
    /// The system refused (not found, permission, a directory, …).
    Io {
        path: String,
        action: &'static str,
        error: std::io::Error,
    },
}

impl FileError {
    /// A short message for a diagnostic.
    pub fn message(&self) -> String {
        match self {
            FileError::Outside { path, how, .. } => {
                format!("'{path}' is outside the folders bp may use: it {how}")
            }
            FileError::Io {
                path,
                action,
                error,
            } => format!("cannot {action} '{path}': {}", io_reason(error)),
        }
    }

    /// A hint for a diagnostic: the allowed roots, and how to add one.
    pub fn hint(&self) -> Option<String> {
        match self {
            FileError::Outside { roots, .. } => Some(format!(
                "bp reads and writes files only under {}; `bp run --allow-path DIR` adds a folder",
                roots_text(roots)
            )),
            FileError::Io { .. } => None,
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())?;
        if let Some(h) = self.hint() {
            write!(f, " ({h})")?;
        }
        Ok(())
    }
}

/// The system's reason without its "(os error 2)" tail, starting lowercase.
fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    let text = match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

fn roots_text(roots: &[PathBuf]) -> String {
    let shown: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
    match shown.as_slice() {
        [] => "no folder".to_string(),
        [one] => one.clone(),
        more => more.join(", "),
    }
}

/// The allowed roots; canonical (absolute, no symbolic links) when they exist.
#[derive(Clone, Debug)]
pub struct FilePolicy {
    roots: Vec<PathBuf>,
}

impl FilePolicy {
    /// A policy allowing `dirs` (each made absolute and canonical where it exists).
    pub fn new(dirs: impl IntoIterator<Item = PathBuf>) -> FilePolicy {
        let mut policy = FilePolicy { roots: Vec::new() };
        for d in dirs {
            policy.allow(&d);
        }
        policy
    }

    /// The current directory only (the REPL's and the notebook's default).
    pub fn current_dir() -> FilePolicy {
        FilePolicy::new(std::env::current_dir().ok())
    }

    /// Adds a root (`--allow-path`).
    pub fn allow(&mut self, dir: &Path) {
        let root = canonical_or_absolute(dir);
        if !self.roots.contains(&root) {
            self.roots.push(root);
        }
    }

    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// Where `path`, as written by the script, lives: `base` joined with it, checked
    /// against the roots (written path and real path).
    pub fn resolve(&self, base: &Path, path: &str) -> Result<PathBuf, FileError> {
        let written = Path::new(path);
        let how = if written.is_absolute() {
            "is absolute and not under them"
        } else {
            "goes up with '..' out of them"
        };
        let joined = normalize(&canonical_or_absolute(base).join(written));
        if !self.inside(&joined) {
            return Err(self.outside(path, how));
        }
        // The real place: follow symbolic links in every part that exists.
        let real = real_path(&joined);
        if !self.inside(&real) {
            return Err(self.outside(
                path,
                &format!("goes through a symbolic link to {}", real.display()),
            ));
        }
        Ok(real)
    }

    fn inside(&self, p: &Path) -> bool {
        self.roots.iter().any(|r| p.starts_with(r))
    }

    fn outside(&self, path: &str, how: &str) -> FileError {
        FileError::Outside {
            path: path.to_string(),
            roots: self.roots.clone(),
            how: how.to_string(),
        }
    }

    /// The bytes of the file at `path` (relative to `base`).
    pub fn read(&self, base: &Path, path: &str) -> Result<Vec<u8>, FileError> {
        let real = self.resolve(base, path)?;
        std::fs::read(&real).map_err(|error| FileError::Io {
            path: path.to_string(),
            action: "read",
            error,
        })
    }

    /// Writes the file at `path` (relative to `base`) whole or not at all; `fill`
    /// writes the contents. Returns the real path written.
    pub fn write_with(
        &self,
        base: &Path,
        path: &str,
        fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<PathBuf, FileError> {
        let real = self.resolve(base, path)?;
        let io = |error| FileError::Io {
            path: path.to_string(),
            action: "write",
            error,
        };
        atomic_write(&real, fill).map_err(io)?;
        Ok(real)
    }

    /// [`FilePolicy::write_with`] for bytes at hand.
    pub fn write(&self, base: &Path, path: &str, bytes: &[u8]) -> Result<PathBuf, FileError> {
        self.write_with(base, path, |w| w.write_all(bytes))
    }
}

/// `p` made absolute (against the current directory) and canonical when it exists.
fn canonical_or_absolute(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    normalize(&abs)
}

/// Folds `.` and `..` without touching the file system (`..` at the root stays there).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The path with symbolic links resolved in its longest existing prefix; the rest
/// (names not created yet) appended as written.
fn real_path(p: &Path) -> PathBuf {
    let mut existing = p.to_path_buf();
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    loop {
        // A dangling symbolic link does not canonicalize: resolve it by hand so that
        // a link pointing out is caught even when its target does not exist yet.
        if let Ok(target) = std::fs::read_link(&existing) {
            if existing.canonicalize().is_err() {
                let parent = existing.parent().map(Path::to_path_buf).unwrap_or_default();
                let mut r = normalize(&real_path(&parent).join(target));
                for name in rest.iter().rev() {
                    r.push(name);
                }
                return r;
            }
        }
        if let Ok(mut c) = existing.canonicalize() {
            for name in rest.iter().rev() {
                c.push(name);
            }
            return c;
        }
        match (
            existing.file_name().map(|n| n.to_os_string()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return p.to_path_buf(),
        }
    }
}

/// A name for a temporary file beside `target`, unique in this process.
fn temp_path(target: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = format!(".{name}.bp-tmp-{}-{n}", std::process::id());
    target.with_file_name(tmp)
}

/// Writes through a temporary file in the same directory, then renames it over
/// `target`; on any failure the temporary file is removed.
fn atomic_write(
    target: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let tmp = temp_path(target);
    let result = (|| {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        let mut w = std::io::BufWriter::new(file);
        fill(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system's temporary folder, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> TempDir {
            static N: AtomicU64 = AtomicU64::new(0);
            let n = N.fetch_add(1, Ordering::Relaxed);
            let dir =
                std::env::temp_dir().join(format!("bp-files-{tag}-{}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("create a temp dir");
            TempDir(dir.canonicalize().expect("canonical temp dir"))
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn relative_paths_read_and_write_under_the_base() {
        let t = TempDir::new("rel");
        std::fs::create_dir(t.0.join("data")).expect("mkdir");
        let policy = FilePolicy::new([t.0.clone()]);
        policy.write(&t.0, "data/a.txt", b"hello").expect("write");
        assert_eq!(policy.read(&t.0, "data/a.txt").expect("read"), b"hello");
        // `..` that stays inside is fine.
        let sub = t.0.join("data");
        assert_eq!(policy.read(&sub, "../data/a.txt").expect("read"), b"hello");
        // An absolute path inside a root is fine too.
        let abs = t.0.join("data/a.txt");
        let abs = abs.to_str().expect("utf-8 path");
        assert_eq!(policy.read(&t.0, abs).expect("read"), b"hello");
    }

    #[test]
    fn dot_dot_out_is_an_error_naming_the_path_and_the_roots() {
        let t = TempDir::new("dotdot");
        let policy = FilePolicy::new([t.0.clone()]);
        let e = policy.write(&t.0, "../escape.bin", b"x").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("'../escape.bin'"), "{msg}");
        assert!(msg.contains("'..'"), "{msg}");
        assert!(msg.contains(&t.0.display().to_string()), "{msg}");
        assert!(!t.0.parent().expect("parent").join("escape.bin").exists());
        assert!(policy.read(&t.0, "a/../../x").is_err());
    }

    #[test]
    fn absolute_path_outside_is_an_error() {
        let t = TempDir::new("abs");
        let policy = FilePolicy::new([t.0.join("inner")]);
        std::fs::create_dir(t.0.join("inner")).expect("mkdir");
        let outside = t.0.join("out.bin");
        let e = policy
            .write(&t.0.join("inner"), outside.to_str().expect("utf-8"), b"x")
            .unwrap_err();
        assert!(matches!(e, FileError::Outside { .. }));
        assert!(e.message().contains("absolute"), "{}", e.message());
        assert!(!outside.exists());
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_links_that_point_out_are_errors() {
        let t = TempDir::new("link");
        let inner = t.0.join("inner");
        std::fs::create_dir(&inner).expect("mkdir");
        std::fs::write(t.0.join("secret.txt"), b"s").expect("write");
        std::os::unix::fs::symlink(t.0.join("secret.txt"), inner.join("file_link"))
            .expect("symlink");
        std::os::unix::fs::symlink(&t.0, inner.join("dir_link")).expect("symlink");
        std::os::unix::fs::symlink(t.0.join("not_yet"), inner.join("dangling")).expect("symlink");
        let policy = FilePolicy::new([inner.clone()]);
        for p in [
            "file_link",
            "dir_link/secret.txt",
            "dir_link/new.txt",
            "dangling",
        ] {
            let e = policy.read(&inner, p).unwrap_err();
            assert!(e.message().contains("symbolic link"), "{p}: {e}");
            assert!(policy.write(&inner, p, b"x").is_err(), "{p}");
        }
        assert!(!t.0.join("new.txt").exists());
        assert!(!t.0.join("not_yet").exists());
        assert_eq!(std::fs::read(t.0.join("secret.txt")).expect("read"), b"s");
        // A link that stays inside is followed.
        std::fs::write(inner.join("real.txt"), b"r").expect("write");
        std::os::unix::fs::symlink(inner.join("real.txt"), inner.join("ok_link")).expect("symlink");
        assert_eq!(policy.read(&inner, "ok_link").expect("read"), b"r");
    }

    #[test]
    fn allow_path_adds_a_root() {
        let t = TempDir::new("allow");
        let (a, b) = (t.0.join("a"), t.0.join("b"));
        std::fs::create_dir(&a).expect("mkdir");
        std::fs::create_dir(&b).expect("mkdir");
        let mut policy = FilePolicy::new([a.clone()]);
        assert!(policy.write(&a, "../b/x.txt", b"1").is_err());
        policy.allow(&b);
        policy.write(&a, "../b/x.txt", b"1").expect("write");
        assert_eq!(std::fs::read(b.join("x.txt")).expect("read"), b"1");
        assert_eq!(policy.roots().len(), 2);
    }

    #[test]
    fn a_failed_write_leaves_no_partial_file_and_keeps_the_old_one() {
        let t = TempDir::new("fail");
        let policy = FilePolicy::new([t.0.clone()]);
        // Fails half-way: nothing is created.
        let e = policy
            .write_with(&t.0, "new.bin", |w| {
                w.write_all(b"partial")?;
                Err(std::io::Error::other("disk full"))
            })
            .unwrap_err();
        assert!(e.message().contains("cannot write 'new.bin'"), "{e}");
        assert_eq!(listing(&t.0), Vec::<String>::new());
        // An old file survives a failed rewrite whole.
        policy
            .write(&t.0, "old.bin", b"old contents")
            .expect("write");
        let _ = policy.write_with(&t.0, "old.bin", |w| {
            w.write_all(b"new")?;
            Err(std::io::Error::other("disk full"))
        });
        assert_eq!(
            std::fs::read(t.0.join("old.bin")).expect("read"),
            b"old contents"
        );
        assert_eq!(listing(&t.0), vec!["old.bin".to_string()]);
        // The rename itself failing (the target is a directory) also cleans up.
        std::fs::create_dir(t.0.join("adir")).expect("mkdir");
        std::fs::write(t.0.join("adir/f"), b"f").expect("write");
        assert!(policy.write(&t.0, "adir", b"x").is_err());
        assert_eq!(
            listing(&t.0),
            vec!["adir".to_string(), "old.bin".to_string()]
        );
    }

    #[test]
    fn missing_files_and_folders_are_io_errors() {
        let t = TempDir::new("missing");
        let policy = FilePolicy::new([t.0.clone()]);
        let e = policy.read(&t.0, "nope.csv").unwrap_err();
        assert!(matches!(e, FileError::Io { .. }));
        assert!(
            e.message()
                .starts_with("cannot read 'nope.csv': no such file"),
            "{e}"
        );
        assert!(policy.write(&t.0, "no_dir/x.bin", b"x").is_err());
    }
}
