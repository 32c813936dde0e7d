//! The user's `config.yaml`: typed, every key documented in
//! `config.example.yaml`, unknown keys rejected. Read through the workflow
//! layer's YAML module, the one place YAML is parsed.

use crate::workflow::parse_duration;
use crate::workflow::yaml;
use serde::Deserialize;
use std::path::Path;
use std::time::Duration;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub store: StoreConfig,
    pub run: RunConfig,
    pub ui: UiConfig,
    pub daemon: DaemonConfig,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DaemonConfig {
    /// Start the daemon when a command needs it and none runs.
    pub autostart: bool,
}

impl Default for DaemonConfig {
    fn default() -> Self {
        DaemonConfig { autostart: true }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    pub durability: Durability,
}

/// How hard each commit tries to reach the disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    /// Survives any crash of a weft process (WAL, `synchronous=NORMAL`).
    #[default]
    Normal,
    /// Also survives power loss: every commit is fsynced.
    Full,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunConfig {
    /// Tasks of one run at once when the workflow does not say; 0 = CPUs.
    pub concurrency: usize,
    /// How long a task gets between SIGTERM and SIGKILL.
    pub kill_grace: String,
    /// The shell for `run:` commands.
    pub shell: Shell,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            concurrency: 0,
            kill_grace: "5s".into(),
            shell: Shell::Bash,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Shell {
    /// `bash -eo pipefail -c`, or `sh -c` where bash is missing.
    #[default]
    Bash,
    /// `sh -c`.
    Sh,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    pub color: ColorChoice,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file `{path}`: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path}:{line}:{col}: {message}\n  fix the config file, or see config.example.yaml for every key"
    )]
    Invalid {
        path: String,
        line: u32,
        col: u32,
        message: String,
    },
}

impl Config {
    /// Reads the config file; a missing file means all defaults.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        Self::parse(&path.display().to_string(), &text)
    }

    pub fn parse(path: &str, text: &str) -> Result<Config, ConfigError> {
        let invalid = |line, col, message| ConfigError::Invalid {
            path: path.to_string(),
            line,
            col,
            message,
        };
        if text.trim().is_empty() {
            return Ok(Config::default());
        }
        let config: Config =
            yaml::decode(text).map_err(|e| invalid(e.loc.line, e.loc.col, e.message))?;
        if let Err(why) = parse_duration(&config.run.kill_grace) {
            return Err(invalid(1, 1, format!("bad `run.kill_grace`: {why}")));
        }
        Ok(config)
    }

    pub fn kill_grace(&self) -> Duration {
        parse_duration(&self.run.kill_grace).unwrap_or(Duration::from_secs(5))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_or_empty_config_means_defaults() {
        let c = Config::parse("c.yaml", "").unwrap();
        assert_eq!(c.store.durability, Durability::Normal);
        assert_eq!(c.kill_grace(), Duration::from_secs(5));
        let c = Config::load(Path::new("/nonexistent/weft/config.yaml")).unwrap();
        assert_eq!(c.run.shell, Shell::Bash);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_located() {
        let err = Config::parse("c.yaml", "store:\n  durabilty: full\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("c.yaml:2:"), "{msg}");
        assert!(msg.contains("durabilty"), "{msg}");
        let err = Config::parse("c.yaml", "run:\n  kill_grace: soon\n").unwrap_err();
        assert!(err.to_string().contains("kill_grace"));
    }
}
