//! The README's "Crawl your own site" walkthrough, followed verbatim against
//! the fixture site: its TOML blocks written to the files they name, its
//! shell blocks run in order by bash (`set -euo pipefail`) with `newshound`
//! on the PATH. Only the site's address differs (an ephemeral port for
//! 127.0.0.1:8311).

use anyhow::{Context, bail};
use std::path::Path;
use std::process::{Command, Stdio};

use newshound_e2e::{FixtureSite, newshound_binary};

/// The walkthrough's blocks: (language, text), in order.
fn walkthrough(readme: &str) -> anyhow::Result<Vec<(String, String)>> {
    let start = readme
        .find("<!-- walkthrough:start -->")
        .context("no walkthrough:start marker in README.md")?;
    let end = readme
        .find("<!-- walkthrough:end -->")
        .context("no walkthrough:end marker in README.md")?;
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in readme[start..end].lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(lang)) => current = Some((lang.trim().to_string(), String::new())),
            (Some(_), Some("")) => blocks.extend(current.take()),
            (Some((_, text)), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, None) => {}
        }
    }
    if current.is_some() {
        bail!("an unclosed code block in the walkthrough");
    }
    Ok(blocks)
}

#[test]
fn the_readme_walkthrough_runs_as_written() -> anyhow::Result<()> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))?;
    let site = FixtureSite::start(200)?;
    let address = site.base.trim_start_matches("http://");
    let dir = tempfile::tempdir()?;
    let mut script = String::from("set -euo pipefail\n");
    for (lang, text) in walkthrough(&readme)? {
        let text = text.replace("127.0.0.1:8311", address);
        match lang.as_str() {
            "toml" => {
                let name = text
                    .lines()
                    .next()
                    .and_then(|l| l.strip_prefix("# "))
                    .context("a TOML block of the walkthrough does not open with `# PATH`")?;
                let path = dir.path().join(name.trim());
                std::fs::create_dir_all(path.parent().context("a file name")?)?;
                std::fs::write(&path, &text)?;
            }
            "sh" => script.push_str(&text),
            other => bail!("a `{other}` block in the walkthrough: only toml and sh run"),
        }
    }
    let bin = newshound_binary()?;
    let bin_dir = bin.parent().context("the binary's directory")?;
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .env("PATH", path)
        .env_remove("RUST_LOG")
        .env_remove("NEWSHOUND_AMQP_URL")
        .env_remove("NEWSHOUND_REDIS_URL")
        .env_remove("NEWSHOUND_METRICS_LISTEN")
        .stdin(Stdio::null())
        .output()
        .context("running bash (and jq: apt-get install jq)")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the walkthrough failed: {}\n--- script\n{script}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status
    );

    // What each step should have shown.
    let truth = &site.truth()[0];
    for expected in [
        "site `mysite`, 1 seed(s), 2 req/s per host (burst 1), timezone Asia/Seoul".to_string(),
        format!("\"title\": {}", serde_json::to_string(&truth.title)?),
        "\"paused\": true".to_string(),
        "crawl done: drained".to_string(),
    ] {
        assert!(
            stdout.contains(&expected),
            "{expected:?} not in\n{stdout}\n{stderr}"
        );
    }
    assert!(
        stderr.contains("crawl done: page budget reached (--max-pages)"),
        "{stderr}"
    );
    let records = newshound_e2e::records(&dir.path().join("out/mysite"))?;
    assert!(!records.is_empty(), "{stdout}");
    Ok(())
}
