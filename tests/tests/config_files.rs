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
