//! Reading back an existing output file at open.

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, ErrorKind};
use std::path::Path;

use crate::{Known, record_key, story_key};

/// The fields of a record that make its key and number its version.
#[derive(serde::Deserialize)]
struct KeyFields {
    canonical_url: String,
    content_hash: String,
    #[serde(default)]
    revision: u32,
}

/// Scans the file: returns what it holds (record keys, each story's last
/// revision) and how many records there are. A last line without its
/// newline (torn write) is cut off.
pub(crate) fn recover(path: &Path) -> std::io::Result<(Known, u64)> {
    let file = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok((Known::default(), 0)),
        Err(e) => return Err(e),
    };
    let mut reader = BufReader::new(&file);
    let mut known = Known::default();
    let mut records = 0u64;
    let mut good_len = 0u64;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        if line.last() != Some(&b'\n') {
            tracing::warn!(path = %path.display(), bytes = n, "Cutting off a torn last record");
            file.set_len(good_len)?;
            file.sync_all()?;
            break;
        }
        good_len += n as u64;
        match serde_json::from_slice::<KeyFields>(&line) {
            Ok(k) => {
                known
                    .keys
                    .insert(record_key(&k.canonical_url, &k.content_hash));
                let last = known
                    .revisions
                    .entry(story_key(&k.canonical_url))
                    .or_default();
                *last = (*last).max(k.revision.max(1));
                records += 1;
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "Skipping an unreadable record")
            }
        }
    }
    Ok((known, records))
}
