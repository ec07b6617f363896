//! The admin socket of an embedded `newshound run`: a Unix socket in the
//! state directory (`STATE/admin.sock`, mode 0600) where `newshound ctl`
//! sends one command per connection as a line of JSON ([`Command`]) and
//! reads one line of JSON back ([`Reply`]).

use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use crate::backends::Backends;
use crate::control::{Process, Seeded};
use crate::status::{self, Sources};
use newshound_core::control::{Command, StatusReport};
use newshound_core::report::error_chain;

/// Longest request line read.
const MAX_REQUEST: u64 = 1 << 20;

/// The socket of the state directory `state_dir`.
pub fn socket_path(state_dir: &Path) -> PathBuf {
    state_dir.join("admin.sock")
}

/// What the socket answers.
#[derive(Debug, Serialize, Deserialize)]
pub struct Reply {
    /// Whether the command was carried out.
    pub ok: bool,
    /// Why not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The answer to `status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusReport>,
    /// The answer to `seed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seeded: Option<Seeded>,
}

/// Serves the admin socket of `process` until it stops.
///
/// # Errors
/// When the socket cannot be created (another run holds the state
/// directory's socket, or the directory is not writable).
pub async fn serve(
    state_dir: &Path,
    process: Arc<Process>,
    backends: Backends,
    default_rate: f64,
) -> anyhow::Result<()> {
    let path = socket_path(state_dir);
    if UnixStream::connect(&path).await.is_ok() {
        anyhow::bail!(
            "{}: another newshound run is serving this state directory",
            path.display()
        );
    }
    // A socket file left by a run that died.
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)
        .with_context(|| format!("creating the admin socket {}", path.display()))?;
    restrict(&path)?;
    tracing::info!(socket = %path.display(), "Admin socket ready (`newshound ctl`)");
    tokio::spawn(async move {
        loop {
            let stream = tokio::select! {
                _ = process.shutdown.wait() => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        tracing::warn!(error = %e, "Admin socket accept failed");
                        continue;
                    }
                },
            };
            let (process, backends) = (process.clone(), backends.clone());
            tokio::spawn(async move {
                if let Err(e) = answer(stream, &process, &backends, default_rate).await {
                    tracing::warn!(error = %error_chain(&*e), "Admin request failed");
                }
            });
        }
        let _ = std::fs::remove_file(&path);
    });
    Ok(())
}

/// Only the owner may steer the crawl.
fn restrict(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("restricting {}", path.display()))?;
    }
    Ok(())
}

/// Reads one command, carries it out and writes the reply.
async fn answer(
    stream: UnixStream,
    process: &Process,
    backends: &Backends,
    default_rate: f64,
) -> anyhow::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    BufReader::new(read.take(MAX_REQUEST))
        .read_line(&mut line)
        .await?;
    let reply = match serde_json::from_str::<Command>(&line) {
        Err(e) => failure(format!("not a command: {e}")),
        Ok(command) => match command.validate() {
            Err(e) => failure(e),
            Ok(()) => carry_out(&command, process, backends, default_rate).await,
        },
    };
    let mut out = serde_json::to_vec(&reply)?;
    out.push(b'\n');
    write.write_all(&out).await?;
    Ok(())
}

async fn carry_out(
    command: &Command,
    process: &Process,
    backends: &Backends,
    default_rate: f64,
) -> Reply {
    if *command == Command::Status {
        let sources = Sources {
            queue: backends.queue.as_ref(),
            seen: backends.seen.as_ref(),
            revisits: backends.revisits.as_ref(),
        };
        let state = process.controls.current();
        return match status::report(sources, state, vec![process.status()], default_rate).await {
            Ok(report) => Reply {
                status: Some(report),
                ..success()
            },
            Err(e) => failure(error_chain(&*e)),
        };
    }
    if let Command::Seed { urls } = command {
        return match process.seed(urls).await {
            Ok(seeded) => Reply {
                seeded: Some(seeded),
                ..success()
            },
            Err(e) => failure(error_chain(&*e)),
        };
    }
    match process.obey(command).await {
        Ok(()) => success(),
        Err(e) => failure(error_chain(&*e)),
    }
}

fn success() -> Reply {
    Reply {
        ok: true,
        error: None,
        status: None,
        seeded: None,
    }
}

fn failure(error: String) -> Reply {
    Reply {
        ok: false,
        error: Some(error),
        status: None,
        seeded: None,
    }
}

/// Sends `command` to the run serving `state_dir` and returns its reply.
///
/// # Errors
/// When no run serves that directory, or the reply does not read.
pub async fn send(state_dir: &Path, command: &Command) -> anyhow::Result<Reply> {
    let path = socket_path(state_dir);
    let mut stream = UnixStream::connect(&path).await.with_context(|| {
        format!(
            "no newshound run is serving {} (start `newshound run` with this config)",
            path.display()
        )
    })?;
    let mut line = serde_json::to_vec(command)?;
    line.push(b'\n');
    stream.write_all(&line).await?;
    let mut reply = String::new();
    BufReader::new(stream.take(64 << 20))
        .read_line(&mut reply)
        .await?;
    serde_json::from_str(&reply)
        .with_context(|| format!("unreadable reply from {}", path.display()))
}
