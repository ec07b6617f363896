//! The command line as an operator meets it, through the real binary: flags
//! on either side of a `ctl` subcommand, `ctl seed` naming what it refused,
//! a second run on state in use, `--help`, a closed pipe, a bad selector,
//! `extract --fetch` and the closing summary as JSON.

use anyhow::Context;
use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use newshound_e2e::operator::{requests, wait_until};
use newshound_e2e::{Crawl, FixtureSite, newshound_binary};

/// `newshound ARGS`, run to the end (logs at `warn`).
fn newshound(args: &[&str]) -> anyhow::Result<Output> {
    Command::new(newshound_binary()?)
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("NEWSHOUND_AMQP_URL")
        .env_remove("NEWSHOUND_REDIS_URL")
        .env_remove("NEWSHOUND_METRICS_LISTEN")
        .stdin(Stdio::null())
        .output()
        .context("running newshound")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn ctl_flags_either_side_seed_refusals_and_state_in_use() -> anyhow::Result<()> {
    let site = FixtureSite::start(60)?;
    let crawl = Crawl::new(&site.config(20.0))?;
    let mut child = crawl.spawn_continuous(1)?;
    let config = crawl.config_path().display().to_string();
    let out = crawl.out.display().to_string();
    let socket = crawl.out.join("state").join("admin.sock");
    wait_until(Duration::from_secs(60), "admin socket", || {
        Ok(socket.exists())
    })?;

    // The README's form (flags after the subcommand) and the other one.
    for args in [
        vec![
            "ctl", "--config", &config, "--out", &out, "status", "--json",
        ],
        vec![
            "ctl", "status", "--config", &config, "--out", &out, "--json",
        ],
        vec![
            "ctl", "--json", "--config", &config, "status", "--out", &out,
        ],
    ] {
        let output = newshound(&args)?;
        assert!(
            output.status.success(),
            "{args:?}: {}",
            text(&output.stderr)
        );
        let status: serde_json::Value = serde_json::from_slice(&output.stdout)
            .with_context(|| format!("{args:?}: {}", text(&output.stdout)))?;
        // links, fetch, pages, articles, captures.
        assert_eq!(
            status["queues"].as_array().map(Vec::len),
            Some(5),
            "{status}"
        );
    }

    // seed: the in-scope URL is queued, the other refused with why, and
    // the command fails so that a script notices.
    let in_scope = format!("{}/?seeded=1", site.base);
    let elsewhere = "http://127.0.0.9:1/story";
    let output = newshound(&[
        "ctl", "seed", elsewhere, &in_scope, "--config", &config, "--out", &out,
    ])?;
    let stdout = text(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    assert!(stdout.contains("ok: 1 URL(s) queued"), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "refused: {elsewhere}: out of the crawl's scope: host not allowed"
        )),
        "{stdout}"
    );
    assert!(
        text(&output.stderr).contains("1 of 2 URL(s) refused"),
        "{}",
        text(&output.stderr)
    );
    let output = newshound(&[
        "ctl", "seed", "--json", elsewhere, "--config", &config, "--out", &out,
    ])?;
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    assert_eq!(answer["ok"], false, "{answer}");
    assert_eq!(answer["queued"], serde_json::json!([]), "{answer}");
    assert_eq!(answer["refused"][0]["url"], elsewhere, "{answer}");
    assert_eq!(
        answer["refused"][0]["reason"], "out of the crawl's scope: host not allowed",
        "{answer}"
    );
    // Not a URL at all: refused before anything is queued.
    let output = newshound(&[
        "ctl",
        "seed",
        "not a url",
        "--config",
        &config,
        "--out",
        &out,
    ])?;
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("seed: not a url:"),
        "{}",
        text(&output.stderr)
    );
    // Refused URLs were never requested; the queued one was.
    wait_until(Duration::from_secs(30), "seeded URL fetched", || {
        Ok(requests(&site)?
            .iter()
            .any(|(_, _, path)| path == "/?seeded=1"))
    })?;

    // A second run on the same state says so, in words.
    let output = newshound(&["run", "--once", "--config", &config, "--out", &out])?;
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("another newshound run is using the state directory")
            && stderr.contains(&out),
        "{stderr}"
    );
    assert!(!stderr.contains("Cannot acquire lock"), "{stderr}");

    let output = newshound(&["ctl", "drain", "--config", &config, "--out", &out])?;
    assert!(output.status.success(), "{}", text(&output.stderr));
    wait_until(Duration::from_secs(60), "run stopped", || {
        Ok(child.try_wait()?.is_some())
    })?;
    let stderr = crawl.stderr(1);
    assert!(
        stderr.contains("crawl done: drained (newshound ctl drain)"),
        "{stderr}"
    );
    Ok(())
}

#[test]
fn help_opens_with_what_newshound_is() -> anyhow::Result<()> {
    let output = newshound(&["--help"])?;
    let help = text(&output.stdout);
    let first = help.lines().next().unwrap_or_default();
    assert!(first.starts_with("A news-site crawler"), "{help}");
    assert!(!help.contains("newshound: newshound"), "{help}");
    Ok(())
}

#[test]
fn extract_into_a_closed_pipe_ends_quietly() -> anyhow::Result<()> {
    let site = FixtureSite::start(5)?;
    let dir = tempfile::tempdir()?;
    let page = dir.path().join("page.html");
    let url = &site.truth()[0].url;
    let path = &url[site.base.len()..];
    let response = newshound_testsite::Site::generate(newshound_testsite::SiteOptions {
        articles: 5,
        seed: 1,
        hosts: 1,
    })
    .render(&site.base, path);
    std::fs::write(&page, &response.body)?;
    let mut child = Command::new(newshound_binary()?)
        .args(["extract", &page.display().to_string(), "--url", url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // The reader goes away before newshound writes, as `| head -c 0` would.
    drop(child.stdout.take());
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        pipe.read_to_string(&mut stderr)?;
    }
    let status = child.wait()?;
    assert!(status.success(), "{status}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    // The same page with a reader: the record.
    let output = newshound(&["extract", &page.display().to_string(), "--url", url])?;
    let record: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    assert_eq!(record["title"], site.truth()[0].title.as_str());
    Ok(())
}

#[test]
fn check_rejects_a_bad_selector_naming_the_key_and_why() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let config = dir.path().join("site.toml");
    for (selector, why) in [
        ("article p:hover", "unsupported pseudo-class"),
        ("div.story >", "combinator"),
    ] {
        std::fs::write(
            &config,
            format!(
                "[site]\nname = \"x\"\nseeds = [\"http://127.0.0.1:9/\"]\nallowed_hosts = [\"127.0.0.1:9\"]\n\
                 [extract]\nbody = \"{selector}\"\n"
            ),
        )?;
        let output = newshound(&["check", "--config", &config.display().to_string()])?;
        let stderr = text(&output.stderr);
        assert!(!output.status.success(), "{selector} passed check");
        assert!(
            stderr.contains("key `extract.body`")
                && stderr.contains(selector)
                && stderr.contains(why),
            "{stderr}"
        );
        assert!(!stderr.contains("report this to the developer"), "{stderr}");
    }
    Ok(())
}

#[test]
fn extract_fetch_gets_one_page_politely_through_the_fetcher() -> anyhow::Result<()> {
    let site = FixtureSite::start(10)?;
    let crawl = Crawl::new(&site.config(5.0))?;
    let config = crawl.config_path().display().to_string();
    let truth = &site.truth()[0];
    let output = newshound(&["extract", "--fetch", &truth.url, "--config", &config])?;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let record: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    assert_eq!(record["title"], truth.title.as_str());
    assert_eq!(record["url"], truth.url.as_str());
    let path = &truth.url[site.base.len()..];
    let served: Vec<String> = requests(&site)?.into_iter().map(|(_, _, p)| p).collect();
    assert_eq!(served, vec!["/robots.txt".to_string(), path.to_string()]);

    // robots.txt forbids /search: nothing is fetched, and it says why.
    let output = newshound(&[
        "extract",
        "--fetch",
        &format!("{}/search?q=x", site.base),
        "--config",
        &config,
    ])?;
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("robots.txt does not allow it"),
        "{}",
        text(&output.stderr)
    );
    // Without a config, the defaults apply: loopback is refused before
    // any request.
    let before = site.requests_served();
    let output = newshound(&["extract", "--fetch", &truth.url])?;
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("loopback address, refused"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(site.requests_served(), before);
    // Out of the config's scope: refused, naming the key to change.
    let output = newshound(&[
        "extract",
        "--fetch",
        "http://127.0.0.9:1/",
        "--config",
        &config,
    ])?;
    assert!(
        text(&output.stderr).contains("allowed_hosts"),
        "{}",
        text(&output.stderr)
    );
    Ok(())
}

/// The plain progress lines and the closing summary, as JSON (stderr is
/// not a terminal here): their figures agree with the output and the
/// site's access log.
#[test]
fn progress_lines_and_summary_agree_with_the_output_and_the_access_log() -> anyhow::Result<()> {
    let site = FixtureSite::start(80)?;
    let crawl = Crawl::new(&site.config(200.0))?;
    let output = Command::new(newshound_binary()?)
        .args([
            "run",
            "--once",
            "--log-format",
            "json",
            "--progress-every",
            "0.2",
        ])
        .arg("--config")
        .arg(crawl.config_path())
        .arg("--out")
        .arg(&crawl.out)
        .env("RUST_LOG", "info")
        .env_remove("NEWSHOUND_METRICS_LISTEN")
        .stdin(Stdio::null())
        .output()?;
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).with_context(|| format!("not JSON: {l}")))
        .collect::<anyhow::Result<_>>()?;
    let summary = lines.last().context("no summary")?;
    assert_eq!(summary["message"], "Crawl done", "{summary}");
    assert_eq!(summary["finish_reason"], "done", "{summary}");

    let written = crawl.records_written() as u64;
    assert_eq!(summary["articles_written"], written, "{summary}");
    assert_eq!(written, 80);
    let served = requests(&site)?;
    let robots = served.iter().filter(|(_, _, p)| p == "/robots.txt").count() as u64;
    let pages = served.len() as u64 - robots;
    assert_eq!(summary["robots_fetches"], robots, "{summary}");
    assert_eq!(summary["fetches"]["2xx"], pages, "{summary}");
    assert_eq!(summary["pages_fetched"], pages, "{summary}");
    assert_eq!(summary["dead_letters"], serde_json::json!({}), "{summary}");

    let progress: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["message"] == "Crawl progress")
        .collect();
    assert!(!progress.is_empty(), "{stderr}");
    let mut last = (0, 0);
    for line in &progress {
        let figures = (
            line["pages"].as_u64().context("pages")?,
            line["articles"].as_u64().context("articles")?,
        );
        assert!(figures >= last, "progress went back: {line}");
        assert!(figures.0 <= pages && figures.1 <= written, "{line}");
        assert!(line["fetched_2xx"].as_u64() >= Some(figures.0), "{line}");
        assert!(line["pages_per_sec"].as_f64().is_some(), "{line}");
        last = figures;
    }

    // A page budget: exactly that many pages, and the summary says so, with
    // what stays queued.
    let before = requests(&site)?.len();
    let crawl = Crawl::new(&site.config(200.0))?;
    let output = Command::new(newshound_binary()?)
        .args(["run", "--once", "--max-pages", "3"])
        .arg("--config")
        .arg(crawl.config_path())
        .arg("--out")
        .arg(&crawl.out)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()?;
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("crawl done: page budget reached (--max-pages),")
            && stderr.contains("URL(s) still queued for the next run"),
        "{stderr}"
    );
    let pages: Vec<String> = requests(&site)?[before..]
        .iter()
        .map(|(_, _, path)| path.clone())
        .filter(|path| path != "/robots.txt")
        .collect();
    assert_eq!(pages.len(), 3, "{pages:?}\n{stderr}");
    assert!(stderr.contains("pages fetched     3 "), "{stderr}");
    Ok(())
}

/// html5ever's parse warnings (one per misplaced table element) stay off
/// stderr unless `RUST_LOG` asks for them by name.
#[test]
fn parse_warnings_do_not_flood_stderr() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let page = dir.path().join("tables.html");
    let rows: String = (0..200)
        .map(|i| format!("<table><tr>stray text {i}<td>cell</td></tr></table>"))
        .collect();
    std::fs::write(
        &page,
        format!(
            "<html><head><title>Tables</title></head><body><h1>Tables</h1>{rows}</body></html>"
        ),
    )?;
    let file = page.display().to_string();
    let run = |rust_log: Option<&str>| -> anyhow::Result<String> {
        let mut command = Command::new(newshound_binary()?);
        command
            .args(["extract", &file, "--url", "http://127.0.0.1:9/tables"])
            .stdin(Stdio::null());
        match rust_log {
            Some(filter) => command.env("RUST_LOG", filter),
            None => command.env_remove("RUST_LOG"),
        };
        Ok(text(&command.output()?.stderr))
    };
    let quiet = run(None)?;
    assert!(!quiet.contains("foster parenting"), "{quiet}");
    let asked = run(Some("warn,html5ever=warn"))?;
    assert!(
        asked.matches("foster parenting").count() >= 100,
        "the page does not make html5ever warn, so the test shows nothing:\n{asked}"
    );
    Ok(())
}

/// SIGTERM drains the run, and its summary says it was interrupted.
#[test]
fn a_signal_ends_the_run_as_interrupted() -> anyhow::Result<()> {
    let site = FixtureSite::start(30)?;
    let crawl = Crawl::new(&site.config(20.0))?;
    let mut child = crawl.spawn_continuous(1)?;
    let socket = crawl.out.join("state").join("admin.sock");
    wait_until(Duration::from_secs(60), "admin socket", || {
        Ok(socket.exists())
    })?;
    let pid = i32::try_from(child.id())?;
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let status = child.wait()?;
    let stderr = crawl.stderr(1);
    assert!(status.success(), "{status}: {stderr}");
    assert!(
        stderr.contains("crawl done: interrupted (signal)"),
        "{stderr}"
    );
    Ok(())
}
