//! The WARC files of a directory: their names, reading them back, and
//! repairing the one a killed process left open.
//!
//! A file being written is named `NAME.warc.gz.open` (as Heritrix does) and
//! renamed to `NAME.warc.gz` when it is closed (rotation, or the end of the
//! run). NAME is `PREFIX-TIMESTAMP-SERIAL-HOST`: the prefix configured, the
//! UTC time the file was opened to the millisecond, a five-digit serial that
//! grows across files and runs, and the host name, the way Heritrix and
//! Common Crawl name theirs.

use chrono::{DateTime, Utc};
use flate2::bufread::GzDecoder;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use super::record::{Record, read_record};

/// Suffix of a closed file.
pub const CLOSED: &str = ".warc.gz";
/// Suffix of a file being written.
pub const OPEN: &str = ".warc.gz.open";

/// The name of a new file (without the `.open` suffix).
pub fn file_name(prefix: &str, opened: DateTime<Utc>, serial: u32, host: &str) -> String {
    format!(
        "{prefix}-{}-{serial:05}-{host}{CLOSED}",
        opened.format("%Y%m%d%H%M%S%3f")
    )
}

/// This machine's host name, as a file name may hold it.
pub fn host_name() -> String {
    let host: String = gethostname::gethostname()
        .to_string_lossy()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if host.is_empty() {
        "localhost".into()
    } else {
        host
    }
}

/// The serial in a file name written with `prefix` (`None` for other files).
pub fn serial_of(prefix: &str, name: &str) -> Option<u32> {
    let rest = name.strip_prefix(prefix)?.strip_prefix('-')?;
    let mut parts = rest.splitn(3, '-');
    let stamp = parts.next()?;
    let serial = parts.next()?;
    parts.next()?;
    (stamp.len() == 17 && stamp.bytes().all(|b| b.is_ascii_digit())).then_some(())?;
    serial.parse().ok()
}

/// The WARC files in `dir` (closed and open), in name order.
pub fn list(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with(CLOSED) || name.ends_with(OPEN) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Counts the bytes taken from a buffered reader: the offset of each gzip
/// member.
struct Counted<R> {
    inner: R,
    pos: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.pos += amt as u64;
        self.inner.consume(amt);
    }
}

/// What a scan of one file found.
pub struct Scan {
    /// The records of the complete captures (their blocks not read).
    pub records: Vec<Record>,
    /// Where the last complete capture ends: after a `metadata` record (the
    /// last of each capture) or the `warcinfo` that opens the file.
    pub good_end: u64,
    /// The file's length.
    pub len: u64,
    /// Why reading stopped before the end, if it did.
    pub error: Option<io::Error>,
}

/// Reads a `.warc.gz` member by member.
pub fn scan(path: &Path) -> io::Result<Scan> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    let mut reader = Counted {
        inner: BufReader::with_capacity(1 << 16, file),
        pos: 0,
    };
    let mut records = Vec::new();
    let mut incomplete = Vec::new();
    let mut good_end = 0;
    let mut error = None;
    while reader.pos < len {
        let mut member = BufReader::new(GzDecoder::new(&mut reader));
        let result = (|| -> io::Result<Vec<Record>> {
            let mut in_member = Vec::new();
            while let Some(record) = read_record(&mut member, 64 * 1024, false)? {
                in_member.push(record);
            }
            if in_member.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "an empty gzip member",
                ));
            }
            Ok(in_member)
        })();
        drop(member);
        match result {
            Ok(in_member) => {
                let ends_capture = in_member
                    .iter()
                    .any(|r| matches!(r.get("WARC-Type"), Some("metadata" | "warcinfo")));
                incomplete.extend(in_member);
                if ends_capture {
                    good_end = reader.pos;
                    records.append(&mut incomplete);
                }
            }
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    Ok(Scan {
        records,
        good_end,
        len,
        error,
    })
}

/// Cuts an open file back to its last complete capture and closes it
/// (renamed without `.open`). Returns the bytes cut.
pub fn repair_open(path: &Path, scan: &Scan) -> io::Result<(PathBuf, u64)> {
    let cut = scan.len - scan.good_end;
    if cut > 0 {
        let file = OpenOptions::new().write(true).open(path)?;
        file.set_len(scan.good_end)?;
        file.sync_all()?;
    }
    let closed = closed_path(path);
    if scan.good_end == 0 {
        // Not even its warcinfo survived: nothing to keep.
        std::fs::remove_file(path)?;
    } else {
        std::fs::rename(path, &closed)?;
    }
    sync_dir(path)?;
    Ok((closed, cut))
}

/// The name a `.open` file gets when closed.
pub fn closed_path(open: &Path) -> PathBuf {
    let name = open
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    open.with_file_name(name.strip_suffix(".open").unwrap_or(name))
}

/// Syncs the directory of `path` (a rename or a new file made durable).
pub fn sync_dir(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => File::open(dir)?.sync_all(),
        _ => File::open(".")?.sync_all(),
    }
}

/// Reads every record of a WARC file, gzip'd (one member per record or the
/// whole file in one) or not, blocks kept up to `max_block` bytes.
pub struct Reader {
    inner: Box<dyn BufRead>,
    max_block: u64,
    done: bool,
}

impl Reader {
    /// Opens `path`.
    pub fn open(path: &Path, max_block: u64) -> io::Result<Reader> {
        let mut file = BufReader::with_capacity(1 << 16, File::open(path)?);
        let gzip = file.fill_buf()?.starts_with(&[0x1f, 0x8b]);
        let inner: Box<dyn BufRead> = if gzip {
            Box::new(BufReader::with_capacity(
                1 << 16,
                flate2::bufread::MultiGzDecoder::new(file),
            ))
        } else {
            Box::new(file)
        };
        Ok(Reader {
            inner,
            max_block,
            done: false,
        })
    }
}

impl Iterator for Reader {
    type Item = io::Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = read_record(&mut self.inner, self.max_block, true).transpose();
        if !matches!(next, Some(Ok(_))) {
            self.done = true;
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_prefix_time_serial_and_host() {
        let opened = DateTime::parse_from_rfc3339("2026-12-02T05:47:07.123Z")
            .map(|d| d.with_timezone(&Utc))
            .expect("date");
        let name = file_name("newshound", opened, 7, "crawl-1.example");
        assert_eq!(
            name,
            "newshound-20261202054707123-00007-crawl-1.example.warc.gz"
        );
        assert_eq!(serial_of("newshound", &name), Some(7));
        assert_eq!(serial_of("other", &name), None);
        assert_eq!(serial_of("newshound", "newshound-x-00001-h.warc.gz"), None);
        assert!(!host_name().is_empty());
    }
}
