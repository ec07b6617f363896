//! The whole site written out as static files, for a web server to serve in the site's place
//! ([`dump_site`]).
//!
//! Every response comes from the site's own router ([`Site::render_from`], what [`crate::serve`] answers
//! with): the dump starts from each host's home page, `robots.txt`, sitemaps, feeds and truth, and follows
//! every link to one of the site's hosts that a page holds (`href`, `src`, sitemap and feed entries, the
//! sitemaps robots.txt names), as a crawler would, except where the host's robots.txt disallows it.
//!
//! Layout of the output directory:
//! - `hosts/HOST:PORT/`: one directory per host, in which the response to `PATH?QUERY` is the file
//!   `PATH@QUERY.EXT` (`/` is `@.html`, `/section/world?page=2` is `section/world@page=2.html`, `/rss.xml`
//!   is `rss.xml@.rss+xml`), `EXT` naming its content type; `__404.html` is the site's "not found" page;
//!   files are modified at the response's `Last-Modified`, when it has one; identical bodies are hard links
//!   to one file;
//! - `types.txt`: `EXT<TAB>Content-Type` per extension used, the HTML one first;
//! - `truth.jsonl`: the truth (`/__truth.jsonl`) that `crawl-score --truth FILE` reads.
//!
//! A web server serves `PATH?QUERY` as the first `PATH@QUERY.EXT` that exists, in the order of
//! `types.txt`, with that line's content type; `crates/testsite/nginx/serve.sh` configures nginx so.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{DefaultHasher, Hash as _, Hasher as _};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use crate::render::{Origin, Response, parse_http_date};
use crate::site::Site;

/// What [`dump_site`] wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SiteDump {
    /// Files written (one per URL served with `200`), over every host.
    pub files: usize,
    /// Of those, files that are hard links to an identical body written before.
    pub linked: usize,
    /// Bytes of the distinct bodies written.
    pub bytes: u64,
    /// URLs found in pages that the site answers with something other than `200` (left to the server's
    /// "not found" page).
    pub not_found: usize,
    /// URLs left out because the host's robots.txt disallows them.
    pub disallowed: usize,
    /// Articles in the truth.
    pub articles: usize,
}

/// The paths every host is asked for before following links: what a crawler may be given as seeds.
const START_PATHS: &[&str] = &[
    "/",
    "/robots.txt",
    "/sitemap.xml",
    "/sitemap-index.xml",
    "/sitemap-news.xml",
    "/rss.xml",
    "/atom.xml",
    "/__truth.jsonl",
];

/// A path the router does not serve, whose response is the "not found" page.
const NOT_FOUND_PATH: &str = "/__dump/not-found";

/// The directory of host `base` (`http://HOST:PORT`) in a dump at `dir`.
pub fn host_dir(dir: &Path, base: &str) -> PathBuf {
    dir.join("hosts").join(
        base.trim_start_matches("http://")
            .trim_start_matches("https://"),
    )
}

/// The file, without its extension, that holds the response to `path_and_query` under a host's
/// directory: `PATH@QUERY` with the path percent-decoded (as a web server's `$uri` is) and the query as
/// sent. `None` for a path a server would not map to a file under its root (`..` or `.` segments, a NUL).
pub fn file_stem(path_and_query: &str) -> Option<String> {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let path = percent_decode(path)?;
    let safe = path.starts_with('/')
        && !path.contains('\0')
        && !query.contains('\0')
        && !path
            .split('/')
            .any(|segment| segment == ".." || segment == ".")
        && !query.split('/').any(|segment| segment == "..");
    safe.then(|| format!("{}@{query}", &path[1..]))
}

/// `text` with its `%XX` escapes decoded; `None` if it is not UTF-8 then.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The file extensions of content types: the subtype without parameters or an `x-` prefix
/// (`text/html; charset=utf-8` is `html`, `application/rss+xml` is `rss+xml`, `application/x-ndjson`
/// is `ndjson`), made unique by a number when two types would share one.
#[derive(Default)]
struct Extensions {
    by_type: HashMap<&'static str, String>,
    /// In order of first use.
    listed: Vec<(String, &'static str)>,
}

impl Extensions {
    fn of(&mut self, content_type: &'static str) -> &str {
        if !self.by_type.contains_key(content_type) {
            let essence = content_type.split(';').next().unwrap_or("").trim();
            let subtype = essence.rsplit('/').next().unwrap_or("");
            let subtype = subtype.strip_prefix("x-").unwrap_or(subtype);
            let mut base: String = subtype
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                .collect();
            if base.is_empty() {
                base = "bin".to_string();
            }
            let mut extension = base.clone();
            let mut n = 2;
            while self.listed.iter().any(|(e, _)| *e == extension) {
                extension = format!("{base}{n}");
                n += 1;
            }
            self.listed.push((extension.clone(), content_type));
            self.by_type.insert(content_type, extension);
        }
        self.by_type.get(content_type).map_or("bin", String::as_str)
    }

    /// `EXT<TAB>Content-Type` lines, the HTML type first (most requests are for pages).
    fn lines(&self) -> String {
        let mut listed: Vec<&(String, &str)> = self.listed.iter().collect();
        listed.sort_by_key(|(_, t)| !t.starts_with("text/html"));
        listed
            .iter()
            .map(|(extension, content_type)| format!("{extension}\t{content_type}\n"))
            .collect()
    }
}

/// The `Disallow` prefixes of the `User-agent: *` group of a robots.txt.
fn disallowed_prefixes(robots: &str) -> Vec<String> {
    let mut prefixes = Vec::new();
    let (mut agents_open, mut applies) = (false, false);
    for line in robots.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let Some((field, value)) = line.split_once(':') else {
            continue;
        };
        let (field, value) = (field.trim().to_ascii_lowercase(), value.trim());
        if field == "user-agent" {
            if !agents_open {
                applies = false;
            }
            agents_open = true;
            applies |= value == "*";
        } else {
            agents_open = false;
            if field == "disallow" && applies && !value.is_empty() {
                prefixes.push(value.to_string());
            }
        }
    }
    prefixes
}

/// The links to the site's hosts in a text body: each URL starting with a host's base URL, or with one
/// `/` (a path on the page's own host; not a closing tag's name), as (host index, path and query), without
/// the fragment and with `&amp;` decoded.
fn links(body: &str, bases: &[String], own: usize) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let separators = |c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '(' | ')');
    for token in body.split(separators) {
        // `</a>` is a closing tag, not a path.
        let offset = token.as_ptr() as usize - body.as_ptr() as usize;
        if offset > 0 && body.as_bytes()[offset - 1] == b'<' {
            continue;
        }
        let target = if token.starts_with('/') && !token.starts_with("//") {
            Some((own, token))
        } else {
            bases.iter().enumerate().find_map(|(host, base)| {
                let rest = token.strip_prefix(base.as_str())?;
                let rest = if rest.is_empty() { "/" } else { rest };
                (rest.starts_with('/') || rest.starts_with('?')).then_some((host, rest))
            })
        };
        let Some((host, link)) = target else {
            continue;
        };
        let link = link.split('#').next().unwrap_or("").replace("&amp;", "&");
        let link = if link.starts_with('?') {
            format!("/{link}")
        } else {
            link
        };
        if !link.is_empty() && !link.contains('\\') {
            found.push((host, link));
        }
    }
    found
}

/// Identical bodies written so far, by hash: for each distinct body, the file more copies are hard-linked
/// to.
#[derive(Default)]
struct Bodies {
    by_hash: HashMap<u64, Vec<PathBuf>>,
}

impl Bodies {
    /// Writes `body` to `file`, as a hard link to an identical body written before when there is one;
    /// returns whether it linked. A file with as many links as the file system allows is replaced, as
    /// the one to link to, by this new copy.
    fn write(&mut self, file: &Path, body: &[u8]) -> io::Result<bool> {
        let mut hasher = DefaultHasher::new();
        body.hash(&mut hasher);
        let files = self.by_hash.entry(hasher.finish()).or_default();
        for earlier in files.iter_mut() {
            if std::fs::read(&*earlier)? != body {
                continue;
            }
            return match std::fs::hard_link(&*earlier, file) {
                Ok(()) => Ok(true),
                Err(e) if e.kind() == io::ErrorKind::TooManyLinks => {
                    std::fs::write(file, body).map_err(|e| with_path(e, file))?;
                    *earlier = file.to_path_buf();
                    Ok(false)
                }
                Err(e) => Err(with_path(e, file)),
            };
        }
        std::fs::write(file, body).map_err(|e| with_path(e, file))?;
        files.push(file.to_path_buf());
        Ok(false)
    }
}

fn with_path(error: io::Error, path: &Path) -> io::Error {
    io::Error::new(error.kind(), format!("{}: {error}", path.display()))
}

/// Writes one response under `root` as `STEM.EXT`; sets its modification time to the response's
/// `Last-Modified`.
fn write_response(
    root: &Path,
    stem: &str,
    response: &Response,
    extensions: &mut Extensions,
    bodies: &mut Bodies,
    dump: &mut SiteDump,
) -> io::Result<()> {
    let file = root.join(format!("{stem}.{}", extensions.of(response.content_type)));
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent).map_err(|e| with_path(e, parent))?;
    }
    if bodies.write(&file, &response.body)? {
        dump.linked += 1;
    } else {
        dump.bytes += response.body.len() as u64;
        let modified = response
            .header("Last-Modified")
            .and_then(parse_http_date)
            .and_then(|secs| u64::try_from(secs).ok());
        if let Some(secs) = modified {
            std::fs::File::options()
                .write(true)
                .open(&file)
                .and_then(|f| f.set_modified(UNIX_EPOCH + Duration::from_secs(secs)))
                .map_err(|e| with_path(e, &file))?;
        }
    }
    dump.files += 1;
    Ok(())
}

/// Writes every page of `site` a crawler can reach, as served on the hosts `bases` (`http://HOST:PORT`,
/// in host order: one for a single-host site, else [`Site::hosts`] of them), to `dir` in the layout
/// described in this module, with the truth. `dir` should be empty or absent.
pub fn dump_site(site: &Site, bases: &[String], dir: &Path) -> io::Result<SiteDump> {
    if bases.len() != site.hosts() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "the site spans {} hosts but {} base URLs were given",
                site.hosts(),
                bases.len()
            ),
        ));
    }
    let origins: Vec<Origin<'_>> = if bases.len() == 1 {
        vec![Origin::single(&bases[0])]
    } else {
        (0..bases.len()).map(|h| Origin::host(bases, h)).collect()
    };
    let roots: Vec<PathBuf> = bases.iter().map(|b| host_dir(dir, b)).collect();
    let mut dump = SiteDump::default();
    let mut extensions = Extensions::default();
    let mut bodies = Bodies::default();
    let mut disallowed = Vec::new();
    let mut seen: HashSet<(usize, String)> = HashSet::new();
    let mut queue: VecDeque<(usize, String)> = VecDeque::new();
    for (host, (origin, root)) in origins.iter().zip(&roots).enumerate() {
        std::fs::create_dir_all(root).map_err(|e| with_path(e, root))?;
        let missing = site.render_from(origin, NOT_FOUND_PATH);
        std::fs::write(root.join("__404.html"), &missing.body).map_err(|e| with_path(e, root))?;
        let robots = site.render_from(origin, "/robots.txt");
        disallowed.push(disallowed_prefixes(&String::from_utf8_lossy(&robots.body)));
        for path in START_PATHS {
            if seen.insert((host, (*path).to_string())) {
                queue.push_back((host, (*path).to_string()));
            }
        }
    }
    while let Some((host, path_and_query)) = queue.pop_front() {
        let response = site.render_from(&origins[host], &path_and_query);
        let stem = file_stem(&path_and_query);
        let (200, Some(stem)) = (response.status, stem) else {
            dump.not_found += 1;
            continue;
        };
        write_response(
            &roots[host],
            &stem,
            &response,
            &mut extensions,
            &mut bodies,
            &mut dump,
        )?;
        let textual = response.content_type.starts_with("text/")
            || response.content_type.contains("xml")
            || response.content_type.contains("json");
        if !textual || path_and_query == "/__truth.jsonl" {
            continue;
        }
        let body = String::from_utf8_lossy(&response.body);
        for (to, link) in links(&body, bases, host) {
            if seen.contains(&(to, link.clone())) {
                continue;
            }
            let refused = disallowed[to].iter().any(|p| link.starts_with(p.as_str()));
            seen.insert((to, link.clone()));
            if refused {
                dump.disallowed += 1;
            } else {
                queue.push_back((to, link));
            }
        }
    }
    std::fs::write(dir.join("types.txt"), extensions.lines()).map_err(|e| with_path(e, dir))?;
    let truth = site.render_from(&origins[0], "/__truth.jsonl");
    std::fs::write(dir.join("truth.jsonl"), &truth.body).map_err(|e| with_path(e, dir))?;
    dump.articles = site.article_count();
    Ok(dump)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_keep_the_query_and_refuse_escapes() {
        assert_eq!(file_stem("/").as_deref(), Some("@"));
        assert_eq!(
            file_stem("/section/world?page=2").as_deref(),
            Some("section/world@page=2")
        );
        assert_eq!(file_stem("/a%20b").as_deref(), Some("a b@"));
        assert_eq!(file_stem("/a/../b"), None);
        assert_eq!(file_stem("/a?x=/../../etc"), None);
        assert_eq!(file_stem("relative"), None);
    }

    #[test]
    fn extensions_name_the_subtype_once_each() {
        let mut extensions = Extensions::default();
        assert_eq!(
            extensions.of("application/rss+xml; charset=utf-8"),
            "rss+xml"
        );
        assert_eq!(extensions.of("text/html; charset=utf-8"), "html");
        assert_eq!(extensions.of("application/x-ndjson"), "ndjson");
        assert_eq!(extensions.of("text/html"), "html2");
        assert_eq!(extensions.of("text/html; charset=utf-8"), "html");
        assert_eq!(
            extensions.lines(),
            "html\ttext/html; charset=utf-8\nhtml2\ttext/html\nrss+xml\tapplication/rss+xml; charset=utf-8\nndjson\tapplication/x-ndjson\n"
        );
    }

    #[test]
    fn robots_groups_and_links() {
        let robots = "User-agent: *\nDisallow: /search\nDisallow: /member/\nAllow: /\n\nUser-agent: BadBot\nDisallow: /\n";
        assert_eq!(disallowed_prefixes(robots), ["/search", "/member/"]);
        let bases = ["http://h1:1".to_string(), "http://h2:1".to_string()];
        let body = "<a href=\"/x?a=1&amp;b=2#c\">x</a> <loc>http://h2:1/y</loc> http://other/z \
                    <a href='http://h2:1'>h</a> //cdn/q";
        assert_eq!(
            links(body, &bases, 0),
            [
                (0, "/x?a=1&b=2".to_string()),
                (1, "/y".to_string()),
                (1, "/".to_string())
            ]
        );
    }
}
