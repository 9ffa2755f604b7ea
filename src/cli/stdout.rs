//! Standard output and standard error of every command, through one mechanism.
//!
//! Results go through [`lock`], whose write errors are tagged as coming from standard output:
//! `main` ends quietly with exit code 0 when the reader closed the pipe (`| head`), and reports
//! any other failure (`> /dev/full`) with exit code 1. Notes and warnings go to standard error
//! through [`note!`](crate::cli::note), which never fails: there is nowhere left to report to.
//! Rust ignores SIGPIPE, so a closed pipe arrives here as an `EPIPE` write error.

use std::io::Write;

/// Why a write to standard output failed, in words, inside the `io::Error` [`Stdout`] returns
/// (its text is the message; callers add "cannot write to standard output").
#[derive(Debug, thiserror::Error)]
#[error("{text}")]
struct Tagged {
    text: String,
    /// The reader closed the pipe.
    closed: bool,
}

/// Standard output, locked and buffered, with write errors tagged as coming from it.
///
/// The buffer is a whole block, not a line: the standard library's line buffering made one
/// system call per line, a tenth of the time of a fit of 10^6 runs written as JSON (one
/// residual per line). [`Stdout::finish`] writes what is left and reports a failure.
pub struct Stdout(std::io::BufWriter<std::io::StdoutLock<'static>>);

/// Bytes standard output gathers before writing them.
const BUFFER: usize = 64 * 1024;

/// Lock standard output for a command's results.
pub fn lock() -> Stdout {
    Stdout(std::io::BufWriter::with_capacity(
        BUFFER,
        std::io::stdout().lock(),
    ))
}

fn tag(e: std::io::Error) -> std::io::Error {
    let text = scaling_laws::error::describe_io(&e);
    let closed = e.kind() == std::io::ErrorKind::BrokenPipe;
    std::io::Error::new(e.kind(), Tagged { text, closed })
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf).map_err(tag)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush().map_err(tag)
    }
}

impl Stdout {
    /// Flush what is still buffered (a last line without a newline), reporting failure.
    pub fn finish(mut self) -> anyhow::Result<()> {
        self.flush().map_err(failed)
    }
}

/// An error of [`Stdout`] as a command's error.
pub fn failed(e: std::io::Error) -> anyhow::Error {
    anyhow::Error::new(e).context("cannot write to standard output")
}

/// Whether `err` is a write to a standard output whose reader has gone (and only that: a
/// closed connection elsewhere is a real error).
pub fn is_closed(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<Tagged>())
            .is_some_and(|t| t.closed)
    })
}

/// Print a line on standard error; a failure to do so is ignored (nowhere to report it).
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
pub(crate) use note;
