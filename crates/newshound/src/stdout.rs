//! Results on standard output. A reader that goes away early
//! (`newshound extract page.html --url URL | head -c 200`) ends the output
//! quietly instead of failing the command.

use anyhow::Context;
use std::io::{ErrorKind, Write};

/// Writes `text` and a newline to standard output; a closed pipe is not an
/// error.
///
/// # Errors
/// When standard output cannot be written for another reason (a full disk).
pub fn println(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let written = out
        .write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    match written {
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to standard output"),
    }
}
