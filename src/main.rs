//! The `bp` command: run a script, check one, show help, start the REPL or the
//! language server, or serve a notebook (`bp kernel`).

use bp::eval::Options;
use bp::Exit;
use clap::{Parser, Subcommand};
use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

/// bp — a small differentiable scripting language with PyTorch's autograd.
#[derive(Parser)]
#[command(
    name = "bp",
    version,
    about,
    args_conflicts_with_subcommands = true,
    disable_help_subcommand = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// A script to run (same as `bp run FILE`).
    file: Option<String>,
    #[command(flatten)]
    run: RunFlags,
    /// The largest tensor a script may make, in elements (also the environment
    /// variable BP_MAX_ELEMENTS; default 268435456).
    #[arg(long, global = true, value_name = "N")]
    max_elements: Option<usize>,
    /// Stop a script that runs longer than this many seconds (an error, exit 1).
    #[arg(long, global = true, value_name = "SECONDS", value_parser = bp::limits::parse_timeout)]
    timeout: Option<f64>,
}

/// How a script runs: `bp FILE` and `bp run FILE` take the same flags.
#[derive(clap::Args, Default)]
struct RunFlags {
    /// Make a gradient anomaly (NaN or inf in backward) an error (exit 1).
    #[arg(long)]
    strict: bool,
    /// Do not look for the operation that produced a NaN or infinite gradient.
    #[arg(long)]
    no_anomaly_check: bool,
    /// Let the script read and write files under DIR too (besides its own folder).
    #[arg(long, value_name = "DIR")]
    allow_path: Vec<std::path::PathBuf>,
}

impl RunFlags {
    /// These flags with `outer`'s (given before `run`) added.
    fn and(mut self, outer: RunFlags) -> RunFlags {
        self.strict |= outer.strict;
        self.no_anomaly_check |= outer.no_anomaly_check;
        self.allow_path.extend(outer.allow_path);
        self
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run a script (`-` reads it from standard input).
    Run {
        file: String,
        #[command(flatten)]
        run: RunFlags,
    },
    /// Check a script without running it: syntax errors, unknown names, wrong
    /// arguments to builtins (exit 2 when there is one).
    Check { file: String },
    /// Start the language server on standard input/output (for editors).
    Lsp,
    /// List the builtins by group, or describe one (signature, derivative, example).
    Help {
        name: Option<String>,
        /// Print the whole builtin table as Markdown (docs/builtins.md).
        #[arg(long)]
        markdown: bool,
    },
    /// Run as a Jupyter kernel (Jupyter starts `bp kernel CONNECTION_FILE`), or
    /// `bp kernel install` its kernelspec.
    #[command(args_conflicts_with_subcommands = true)]
    Kernel {
        #[command(subcommand)]
        action: Option<KernelAction>,
        /// The connection file that Jupyter writes.
        connection_file: Option<std::path::PathBuf>,
    },
    /// Write an equivalent Python script that uses PyTorch (float64).
    Export {
        file: String,
        /// Where to write the Python script (default: standard output).
        #[arg(short, long, value_name = "OUT.py")]
        output: Option<String>,
    },
}

#[derive(Subcommand)]
enum KernelAction {
    /// Install the kernelspec `bp` (system-wide unless --user or --prefix).
    Install {
        /// Into the user's Jupyter directory.
        #[arg(long, conflicts_with = "prefix")]
        user: bool,
        /// Into DIR/share/jupyter/kernels (for example a virtual environment).
        #[arg(long, value_name = "DIR")]
        prefix: Option<std::path::PathBuf>,
    },
}

/// `bp kernel ...`: install the kernelspec, or serve a notebook.
fn kernel(action: Option<KernelAction>, connection_file: Option<std::path::PathBuf>) -> Exit {
    use bp::kernel::Location;
    match (action, connection_file) {
        (Some(KernelAction::Install { user, prefix }), _) => {
            let location = match (user, prefix) {
                (_, Some(dir)) => Location::Prefix(dir),
                (true, None) => Location::User,
                (false, None) => Location::System,
            };
            match bp::kernel::install(&location) {
                Ok(dir) => {
                    println!("installed the Jupyter kernel 'bp' in {}", dir.display());
                    // The highlighter is a convenience: without a Python there, the
                    // kernel still works and nbconvert shows bp cells as plain text.
                    match bp::kernel::install::install_lexer(&location) {
                        Ok(sites) if sites.is_empty() => println!(
                            "no Python site-packages found there: the Pygments lexer for \
                             bp (nbconvert's highlighting) is not installed"
                        ),
                        Ok(sites) => {
                            for site in sites {
                                println!(
                                    "installed the Pygments lexer 'bplang' in {}",
                                    site.display()
                                );
                            }
                        }
                        Err(msg) => eprintln!("warning: the Pygments lexer for bp: {msg}"),
                    }
                    Exit::Success
                }
                Err(msg) => {
                    eprintln!("error: {msg}");
                    Exit::RuntimeError
                }
            }
        }
        (None, Some(file)) => bp::kernel::run(&file),
        (None, None) => {
            eprintln!(
                "error: bp kernel needs a connection file (Jupyter gives one), \
                 or `bp kernel install [--user | --prefix DIR]`"
            );
            Exit::SyntaxError
        }
    }
}

/// `bp export FILE [-o OUT.py]`.
fn export_file(path: &str, output: Option<&str>) -> Exit {
    let (text, name) = match load_script(path) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let color = std::io::stderr().is_terminal();
    let python = match bp::export_script(&text, name, &mut std::io::stderr(), color) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let written = match output {
        Some(out) => {
            std::fs::write(out, python).map_err(|e| format!("error: cannot write '{out}': {e}"))
        }
        None => std::io::stdout()
            .write_all(python.as_bytes())
            .map_err(|e| format!("error: cannot write the script: {e}")),
    };
    match written {
        Ok(()) => Exit::Success,
        Err(msg) => {
            eprintln!("{msg}");
            Exit::RuntimeError
        }
    }
}

/// Reads a script and names it for reports (`-` is `<stdin>`); a missing file or
/// invalid UTF-8 is reported here as a usage error.
fn load_script(path: &str) -> Result<(String, &str), Exit> {
    match read_script(path) {
        Ok(text) => Ok((text, if path == "-" { "<stdin>" } else { path })),
        Err(msg) => {
            eprintln!("{msg}");
            Err(Exit::SyntaxError)
        }
    }
}

/// Reads a script; a missing file or invalid UTF-8 is a usage error.
fn read_script(path: &str) -> Result<String, String> {
    let bytes = if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| format!("error: cannot read standard input: {e}"))?;
        buf
    } else {
        std::fs::read(path).map_err(|e| format!("error: cannot read '{path}': {e}"))?
    };
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "error: '{path}' is not valid UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

fn run_file(path: &str, flags: RunFlags, timeout: Option<f64>) -> Exit {
    // While the script is parsed, what parsing frees goes back to the OS at once;
    // once it is parsed, freed pages are kept for reuse (see `main`).
    set_purge_delay(0);
    let (text, name) = match load_script(path) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    // Ctrl-C stops the script with an "interrupted" error at its next loop step or
    // call (exit 1), like any other runtime error.
    let _ = ctrlc::set_handler(bp::eval::interrupt);
    let color = std::io::stderr().is_terminal();
    let out = Box::new(std::io::BufWriter::new(std::io::stdout()));
    let options = Options {
        strict: flags.strict,
        detect_anomalies: !flags.no_anomaly_check,
        // A script cannot ask `:why`, so the per-operation gradients are not kept.
        record_grads: false,
        allow_paths: flags.allow_path,
        after_parse: Some(|| set_purge_delay(-1)),
        ..Options::default()
    };
    let mut err = std::io::stderr();
    let code = bp::run(text, name, out, &mut err, options, color, timeout);
    let _ = err.flush();
    code
}

fn main_inner() -> Exit {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::SyntaxError
            } else {
                Exit::Success
            };
        }
    };
    let limit = match (cli.max_elements, std::env::var("BP_MAX_ELEMENTS")) {
        (Some(n), _) => Some(n),
        (None, Ok(v)) => match v.trim().parse::<usize>() {
            Ok(n) => Some(n),
            Err(_) => {
                eprintln!("error: BP_MAX_ELEMENTS must be a whole number of elements; found '{v}'");
                return Exit::SyntaxError;
            }
        },
        (None, Err(_)) => None,
    };
    if let Some(n) = limit {
        bp::autodiff::shape::set_element_limit(n);
    }
    match (cli.command, cli.file) {
        (Some(Command::Run { file, run }), _) => run_file(&file, run.and(cli.run), cli.timeout),
        (Some(Command::Check { file }), _) => match read_script(&file) {
            // `--timeout` bounds the check too (parsing a huge file).
            Ok(text) => {
                // A check runs no training loop: what parsing frees (a large list's
                // buffers as it grows) goes back to the OS at once, so the process
                // peaks near what is allocated at once. (With a delay, mimalloc
                // purges only when it next asks its arenas for memory, which a
                // parse that has stopped growing never does.)
                set_purge_delay(0);
                let _deadline = cli.timeout.map(bp::limits::Deadline::start);
                bp::check(
                    &text,
                    &file,
                    &mut std::io::stderr(),
                    std::io::stderr().is_terminal(),
                )
            }
            Err(msg) => {
                eprintln!("{msg}");
                Exit::SyntaxError
            }
        },
        (
            Some(Command::Kernel {
                action,
                connection_file,
            }),
            _,
        ) => kernel(action, connection_file),
        (Some(Command::Export { file, output }), _) => export_file(&file, output.as_deref()),
        (Some(Command::Lsp), _) => match bp::lsp::run_stdio() {
            Ok(()) => Exit::Success,
            Err(e) => {
                eprintln!("error: bp lsp: {e}");
                Exit::RuntimeError
            }
        },
        (Some(Command::Help { name, markdown }), _) => {
            use bp::eval::builtins::help;
            let text = match (name, markdown) {
                (_, true) => Ok(help::markdown()),
                // A keyword explains its construct; a builtin of the same name
                // (`grad`) follows.
                (Some(n), false) => match bp::syntax::keyword_help::describe(&n) {
                    Some(k) => Ok(match help::describe_name(&n) {
                        Ok(b) => format!("{k}\n{b}"),
                        Err(_) => k,
                    }),
                    None => help::describe_name(&n),
                },
                (None, false) => Ok(help::list()),
            };
            match text {
                Ok(t) => {
                    print!("{t}");
                    Exit::Success
                }
                Err(msg) => {
                    eprintln!("error: {msg}");
                    Exit::SyntaxError
                }
            }
        }
        (None, Some(file)) => run_file(&file, cli.run, cli.timeout),
        (None, None) => {
            if std::io::stdin().is_terminal() {
                bp::repl::main_loop()
            } else {
                run_file("-", cli.run, cli.timeout)
            }
        }
    }
}

/// mimalloc's `mi_option_purge_delay` (its position in `mi_option_e`, mimalloc.h v3).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Sets how long mimalloc keeps freed pages before returning them to the OS, in
/// milliseconds (0: at once; -1: never).
fn set_purge_delay(ms: std::ffi::c_long) {
    // SAFETY: setting an option is a plain store, valid at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, ms) };
}

fn main() -> ExitCode {
    // Keep freed pages for reuse instead of returning them to the OS after 10 ms:
    // a training loop frees and re-allocates the same large buffers every step, and
    // re-faulting them in cost a quarter of the elementwise workload's time
    // (`bp check` sets the default back: it runs nothing).
    set_purge_delay(-1);
    // Deeply nested scripts recurse in the parser and the evaluator; run on a
    // thread with a large stack (reserved, not committed) so that they end in
    // a result or a clean error rather than a stack overflow.
    let worker = std::thread::Builder::new()
        .name("bp".into())
        .stack_size(1 << 30)
        .spawn(|| {
            bp::guard::catch(main_inner).unwrap_or_else(|panic| {
                eprintln!("error: internal error (a bug in bp): {}", panic.message);
                Exit::InternalError
            })
        });
    let code = match worker {
        // Every run is inside `bp::guard::catch`; a panic outside it (reading
        // arguments) is still an internal error, reported without a backtrace.
        Ok(handle) => handle.join().unwrap_or_else(|_| {
            eprintln!("error: internal error (a bug in bp)");
            Exit::InternalError
        }),
        Err(_) => bp::guard::catch(main_inner).unwrap_or(Exit::InternalError),
    };
    ExitCode::from(code as u8)
}

/// mimalloc as the global allocator. Small tensors and graph nodes are allocated
/// and freed at a high rate; mimalloc's thread-local free lists serve that pattern
/// faster than the system allocator. Every mimalloc block is aligned to 16 bytes,
/// so ordinary requests take `mi_malloc`'s fast path; only larger alignments
/// need the aligned entry points (the `mimalloc` crate sends everything there,
/// which costs a fifth of the time of a loop of small tensor operations).
struct Allocator;

/// The alignment of every block mimalloc returns (`MI_MAX_ALIGN_SIZE`).
const MI_MIN_ALIGN: usize = 16;

unsafe impl std::alloc::GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        use libmimalloc_sys as mi;
        // SAFETY: mimalloc's allocation functions take any size and alignment.
        unsafe {
            if layout.align() <= MI_MIN_ALIGN {
                mi::mi_malloc(layout.size()).cast()
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        use libmimalloc_sys as mi;
        // SAFETY: as in `alloc`.
        unsafe {
            if layout.align() <= MI_MIN_ALIGN {
                mi::mi_zalloc(layout.size()).cast()
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: std::alloc::Layout) {
        // SAFETY: `ptr` came from one of mimalloc's allocation functions above.
        unsafe { libmimalloc_sys::mi_free(ptr.cast()) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        use libmimalloc_sys as mi;
        // SAFETY: `ptr` came from mimalloc; the alignment is kept.
        unsafe {
            if layout.align() <= MI_MIN_ALIGN {
                mi::mi_realloc(ptr.cast(), new_size).cast()
            } else {
                mi::mi_realloc_aligned(ptr.cast(), new_size, layout.align()).cast()
            }
        }
    }
}

#[global_allocator]
static ALLOCATOR: Allocator = Allocator;
