//! Reading back an existing output file at open.

use std::collections::HashSet;
use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, ErrorKind};
use std::path::Path;

use crate::record_key;

/// The two fields of a record that make its key.
#[derive(serde::Deserialize)]
struct KeyFields {
    canonical_url: String,
    content_hash: String,
}

/// Scans the file: returns the keys of its records and how many there are.
/// A last line without its newline (torn write) is cut off.
pub(crate) fn recover(path: &Path) -> std::io::Result<(HashSet<u128>, u64)> {
    let file = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok((HashSet::new(), 0)),
        Err(e) => return Err(e),
    };
    let mut reader = BufReader::new(&file);
    let mut keys = HashSet::new();
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
                keys.insert(record_key(&k.canonical_url, &k.content_hash));
                records += 1;
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "Skipping an unreadable record")
            }
        }
    }
    Ok((keys, records))
}
