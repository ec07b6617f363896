//! Every config file shipped in `config/` loads and validates.

use newshound_core::config::Config;
use std::path::Path;

#[test]
fn shipped_configs_are_valid() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config");
    let mut files = vec![root.join("default.toml")];
    for entry in std::fs::read_dir(root.join("sites"))? {
        files.push(entry?.path());
    }
    assert!(files.len() >= 3, "{files:?}");
    for file in files {
        let config = Config::load(&file).map_err(|e| anyhow::anyhow!("{e}"))?;
        assert!(!config.seeds.is_empty(), "{}", file.display());
    }
    Ok(())
}

/// A valid site section the bad configs below start from.
const GOOD_SITE: &str = "[site]\nname = \"t\"\nseeds = [\"http://127.0.0.1:8311/\"]\nallowed_hosts = [\"127.0.0.1:8311\"]\n";

/// Each bad config is refused at start by `newshound check` with one error
/// line that names the file and the key.
#[test]
fn bad_configs_name_file_and_key() -> anyhow::Result<()> {
    let cases: &[(&str, &str)] = &[
        ("colour = \"red\"\n", "colour"),
        ("max_depth = \"deep\"\n", "max_depth"),
        ("timezone = \"Mars/Olympus\"\n", "site.timezone"),
        ("max_page = -1\n", "max_page"),
        (
            "[politeness]\nrequests_per_second = 0\n",
            "politeness.requests_per_second",
        ),
        ("[fetch]\nconcurrency = 0\n", "fetch.concurrency"),
        // Past the sane upper bounds: a typo or a way to turn a limit off.
        (
            "[fetch]\nmax_body_bytes = 9223372036854775807\n",
            "fetch.max_body_bytes`: must be at most 1073741824",
        ),
        (
            "[fetch]\ntimeout_secs = 86400\n",
            "fetch.timeout_secs`: must be at most 3600",
        ),
        (
            "[fetch]\nconcurrency = 60000\n",
            "fetch.concurrency`: must be at most 4096",
        ),
        (
            "[fetch]\nmax_crawl_delay_secs = 100000\n",
            "fetch.max_crawl_delay_secs",
        ),
        (
            "[fetch]\nallow_private_networks = [\"127.0.0.0/33\"]\n",
            "fetch.allow_private_networks",
        ),
        (
            "[politeness]\nrequests_per_second = 1e-30\n",
            "politeness.requests_per_second",
        ),
        (
            "[parse]\nmax_links_per_page = 0\n",
            "parse.max_links_per_page",
        ),
        ("[extract]\ntitle = \"h1[\"\n", "extract.title"),
        (
            "[recrawl]\nmin_interval_secs = 10\nmax_interval_secs = 5\n",
            "recrawl.max_interval_secs",
        ),
        (
            "[recrawl]\narticle_ages_secs = [60, 30]\n",
            "recrawl.article_ages_secs[1]",
        ),
        (
            "[recrawl]\nhub_interval_secs = -1\n",
            "recrawl.hub_interval_secs",
        ),
        (
            "[[recrawl.hubs]]\nurl = \"(\"\ninterval_secs = 5\n",
            "recrawl.hubs[0].url",
        ),
        ("[backend]\namqp_url = \"amqp://127.0.0.1\"\n", "backend"),
    ];
    let dir = tempfile::tempdir()?;
    for (n, (extra, key)) in cases.iter().enumerate() {
        let file = dir.path().join(format!("bad-{n}.toml"));
        // Site-level keys go in [site]; sections start with their header.
        std::fs::write(&file, format!("{GOOD_SITE}{extra}"))?;
        let output = std::process::Command::new(newshound_e2e::newshound_binary()?)
            .args(["check", "--config"])
            .arg(&file)
            .env_remove("NEWSHOUND_AMQP_URL")
            .env_remove("NEWSHOUND_REDIS_URL")
            .env_remove("NEWSHOUND_REDIS_CLUSTER_NODES")
            .output()?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "accepted:\n{extra}");
        let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("bad-")).collect();
        assert_eq!(errors.len(), 1, "{extra}: {stderr}");
        let file_name = format!("bad-{n}.toml");
        assert!(
            errors[0].contains(&file_name) && errors[0].contains(key),
            "{extra}: wanted the file and `{key}` in: {stderr}"
        );
    }
    Ok(())
}
