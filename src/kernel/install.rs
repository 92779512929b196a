//! `bp kernel install [--user | --prefix DIR]`: writes the kernelspec `bp`
//! (`kernel.json` and the logos) where Jupyter looks for kernels.

use serde_json::json;
use std::path::{Path, PathBuf};

/// Where the kernelspec goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// The user's Jupyter data directory (`jupyter kernelspec install --user`).
    User,
    /// `DIR/share/jupyter/kernels` (a virtual environment, for example).
    Prefix(PathBuf),
    /// The system-wide directory, `/usr/local/share/jupyter/kernels`.
    System,
}

/// The logos Jupyter shows beside the kernel's name.
const LOGOS: &[(&str, &[u8])] = &[
    ("logo-svg.svg", include_bytes!("logo/logo-svg.svg")),
    ("logo-32x32.png", include_bytes!("logo/logo-32x32.png")),
    ("logo-64x64.png", include_bytes!("logo/logo-64x64.png")),
];

/// The `kernels` directory for `location`.
pub fn kernels_dir(location: &Location) -> Result<PathBuf, String> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    match location {
        Location::Prefix(dir) => Ok(dir.join("share").join("jupyter").join("kernels")),
        Location::System => Ok(PathBuf::from("/usr/local/share/jupyter/kernels")),
        Location::User => {
            if let Some(dir) = var("JUPYTER_DATA_DIR") {
                return Ok(PathBuf::from(dir).join("kernels"));
            }
            let home = var("HOME")
                .map(PathBuf::from)
                .ok_or("HOME is not set: give --prefix DIR")?;
            if cfg!(target_os = "macos") {
                return Ok(home.join("Library").join("Jupyter").join("kernels"));
            }
            let data = var("XDG_DATA_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| home.join(".local").join("share"));
            Ok(data.join("jupyter").join("kernels"))
        }
    }
}

/// The contents of `kernel.json` for the `bp` binary at `exe`.
pub fn kernel_json(exe: &Path) -> String {
    let spec = json!({
        "argv": [exe.to_string_lossy(), "kernel", "{connection_file}"],
        "display_name": "bp",
        "language": "bp",
        "interrupt_mode": "message",
        "metadata": { "debugger": false },
    });
    let mut text = serde_json::to_string_pretty(&spec).unwrap_or_default();
    text.push('\n');
    text
}

/// Writes the kernelspec for the running `bp` binary; gives the directory written.
pub fn install(location: &Location) -> Result<PathBuf, String> {
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| format!("cannot find the bp binary to point Jupyter at: {e}"))?;
    let dir = kernels_dir(location)?.join("bp");
    let hint = if *location == Location::System {
        " (without root, use --user or --prefix DIR)"
    } else {
        ""
    };
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("cannot create '{}': {e}{hint}", dir.display()))?;
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes)
            .map_err(|e| format!("cannot write '{}': {e}{hint}", path.display()))
    };
    write("kernel.json", kernel_json(&exe).as_bytes())?;
    for (name, bytes) in LOGOS {
        write(name, bytes)?;
    }
    Ok(dir)
}

/// The Pygments lexer for bp (`language_info.pygments_lexer` is `bplang`).
const LEXER: &str = include_str!("pygments/bp_pygments.py");

/// The Python `site-packages` folders of `location`: those under `DIR/lib` for a
/// prefix, else the one the `python3` on the PATH names (user or system).
fn site_packages(location: &Location) -> Vec<PathBuf> {
    match location {
        Location::Prefix(dir) => {
            let mut found: Vec<PathBuf> = std::fs::read_dir(dir.join("lib"))
                .into_iter()
                .flatten()
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("python3"))
                .map(|e| e.path().join("site-packages"))
                .filter(|p| p.is_dir())
                .collect();
            found.sort();
            found
        }
        Location::User | Location::System => {
            let code = if *location == Location::User {
                "import site; print(site.getusersitepackages())"
            } else {
                "import sysconfig; print(sysconfig.get_paths()['purelib'])"
            };
            std::process::Command::new("python3")
                .args(["-c", code])
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
                .into_iter()
                .collect()
        }
    }
}

/// Installs the Pygments lexer for bp (a module with a `pygments.lexers` entry point)
/// into the Python of `location`, so that nbconvert highlights bp cells; gives the
/// folders written (none when no Python is found there).
pub fn install_lexer(location: &Location) -> Result<Vec<PathBuf>, String> {
    let version = env!("CARGO_PKG_VERSION");
    let mut written = Vec::new();
    for site in site_packages(location) {
        let info = site.join(format!("bp_pygments-{version}.dist-info"));
        std::fs::create_dir_all(&info)
            .map_err(|e| format!("cannot create '{}': {e}", info.display()))?;
        let files = [
            (site.join("bp_pygments.py"), LEXER.to_string()),
            (
                info.join("METADATA"),
                format!(
                    "Metadata-Version: 2.1\nName: bp-pygments\nVersion: {version}\n\
                     Summary: Pygments lexer for bp (installed by bp kernel install)\n\
                     Requires-Dist: pygments\n"
                ),
            ),
            (
                info.join("entry_points.txt"),
                "[pygments.lexers]\nbplang = bp_pygments:BpLexer\n".to_string(),
            ),
            (
                info.join("RECORD"),
                format!(
                    "bp_pygments.py,,\nbp_pygments-{version}.dist-info/METADATA,,\n\
                     bp_pygments-{version}.dist-info/entry_points.txt,,\n\
                     bp_pygments-{version}.dist-info/RECORD,,\n"
                ),
            ),
        ];
        for (path, text) in files {
            std::fs::write(&path, text)
                .map_err(|e| format!("cannot write '{}': {e}", path.display()))?;
        }
        written.push(site);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernelspec_starts_this_binary_with_the_connection_file() {
        let spec: serde_json::Value =
            serde_json::from_str(&kernel_json(Path::new("/opt/bp/bin/bp"))).unwrap();
        assert_eq!(
            spec["argv"],
            json!(["/opt/bp/bin/bp", "kernel", "{connection_file}"])
        );
        assert_eq!(spec["display_name"], "bp");
        assert_eq!(spec["language"], "bp");
        assert_eq!(spec["interrupt_mode"], "message");
    }

    #[test]
    fn a_prefix_puts_kernels_under_share_jupyter() {
        assert_eq!(
            kernels_dir(&Location::Prefix("/venv".into())).unwrap(),
            PathBuf::from("/venv/share/jupyter/kernels")
        );
    }

    #[test]
    fn the_logos_are_pictures() {
        for (name, bytes) in LOGOS {
            if name.ends_with(".png") {
                assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{name}");
            } else {
                assert!(bytes.starts_with(b"<svg"), "{name}");
            }
        }
    }
}
