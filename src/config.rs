//! The user's `config.yaml`: typed, every key documented in
//! `config.example.yaml`, unknown keys rejected. Read through the workflow
//! layer's YAML module, the one place YAML is parsed.

use crate::workflow::bounds::{self, DurationBound};
use crate::workflow::parse_duration;
use crate::workflow::yaml::{self, Loc, Node, Value};
use serde::Deserialize;
use std::path::Path;
use std::time::Duration;

/// The default cap on one attempt's log (`logs.max_attempt_size`).
pub const DEFAULT_MAX_ATTEMPT_SIZE: u64 = 100 << 20;
/// The smallest cap accepted: a cap must leave room for a useful tail.
pub const MIN_ATTEMPT_SIZE: u64 = 64 << 10;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub store: StoreConfig,
    pub run: RunConfig,
    pub ui: UiConfig,
    pub daemon: DaemonConfig,
    pub dash: DashConfig,
    pub logs: LogsConfig,
    pub retention: RetentionConfig,
    /// Folders whose workflow files (`*.yaml`, `*.yml`) the daemon loads
    /// and fires on their `schedule:`. `~/` is the home folder; a relative
    /// path is relative to the config file's folder.
    pub workflow_dirs: Vec<String>,
}

/// Task output logs.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogsConfig {
    /// The most one attempt's log keeps on disk (`100MiB`, `1GB`, `500KB`,
    /// bytes without a unit); past it the oldest output is dropped.
    pub max_attempt_size: String,
}

impl Default for LogsConfig {
    fn default() -> Self {
        LogsConfig {
            max_attempt_size: "100MiB".into(),
        }
    }
}

/// How much run history the daemon keeps (a workflow's own `retention:`
/// overrides each limit it sets). Nothing set: all of it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    /// Finished runs that ended longer ago than this are deleted.
    pub max_age: Option<String>,
    /// Finished runs beyond the newest this many of a workflow are deleted.
    pub keep: Option<i64>,
    /// How often the daemon applies it (and once when it starts).
    pub interval: String,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            max_age: None,
            keep: None,
            interval: "1h".into(),
        }
    }
}

/// A size in bytes: a number with an optional unit, `B`, `KB`/`MB`/`GB`
/// (powers of 1000) or `KiB`/`MiB`/`GiB` (powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a size such as `100MiB`"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "mb" => 1000 * 1000,
        "gb" => 1000 * 1000 * 1000,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown size unit `{other}` in `{text}` (use KB, MB, GB, KiB, MiB or GiB)"
            ));
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{text}` is too large"))
}

/// The dashboard's settings.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DashConfig {
    /// Keys for actions, replacing the default ones: `cancel: "X"`.
    pub keys: std::collections::BTreeMap<String, String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DaemonConfig {
    /// Start the daemon when a command needs it and none runs.
    pub autostart: bool,
    /// Also listen on this TCP address (`127.0.0.1:7420`); needs `token`.
    pub tcp: Option<String>,
    /// The bearer token TCP clients must send.
    pub token: Option<String>,
    /// An interactive task silent this long while its process sleeps is
    /// shown as waiting for input.
    pub input_wait: String,
    /// The key that detaches `weft attach`: `ctrl-]` or `ctrl-<letter>`.
    pub detach_key: String,
}

impl Default for DaemonConfig {
    fn default() -> Self {
        DaemonConfig {
            autostart: true,
            tcp: None,
            token: None,
            input_wait: "3s".into(),
            detach_key: "ctrl-]".into(),
        }
    }
}

/// The byte a `ctrl-X` key name sends.
pub fn parse_key(name: &str) -> Option<u8> {
    let rest = name.trim().to_ascii_lowercase();
    let c = rest.strip_prefix("ctrl-")?;
    match c.as_bytes() {
        [b @ b'a'..=b'z'] => Some(b - b'a' + 1),
        [b'['] => Some(0x1b),
        [b'\\'] => Some(0x1c),
        [b']'] => Some(0x1d),
        [b'^'] => Some(0x1e),
        [b'_'] => Some(0x1f),
        _ => None,
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

/// The shortest `daemon.token` the daemon accepts for TCP.
pub const MIN_TOKEN_CHARS: usize = 32;

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
        let bytes = match std::fs::read(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let (loc, offset) = crate::workflow::utf8_error_at(e.as_bytes());
                return Err(ConfigError::Invalid {
                    path: path.display().to_string(),
                    line: loc.line,
                    col: loc.col,
                    message: format!(
                        "the file is not UTF-8: byte 0x{:02X} at offset {offset} is not valid UTF-8 text",
                        e.as_bytes().get(offset).copied().unwrap_or(0)
                    ),
                });
            }
        };
        let mut config = Self::parse(&path.display().to_string(), &text)?;
        // Relative folders are relative to this file, wherever it is read.
        let base = path.parent().unwrap_or(Path::new("."));
        config.workflow_dirs = config
            .workflow_dirs(base)
            .into_iter()
            .map(|d| d.display().to_string())
            .collect();
        Ok(config)
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
        let at = |keys: &[&str]| locate(text, keys);
        let duration = |keys: &[&str], value: &str, bound: DurationBound| {
            let name = keys.join(".");
            let loc = at(keys);
            match parse_duration(value) {
                Err(why) => Err(invalid(loc.line, loc.col, format!("bad `{name}`: {why}"))),
                Ok(d) if !bound.contains(d) => Err(invalid(
                    loc.line,
                    loc.col,
                    format!(
                        "`{name}` must be {}, found `{}`",
                        bound.describe(),
                        value.trim()
                    ),
                )),
                Ok(_) => Ok(()),
            }
        };
        duration(
            &["run", "kill_grace"],
            &config.run.kill_grace,
            bounds::KILL_GRACE,
        )?;
        duration(
            &["daemon", "input_wait"],
            &config.daemon.input_wait,
            bounds::INPUT_WAIT,
        )?;
        if let Some(age) = &config.retention.max_age {
            duration(&["retention", "max_age"], age, bounds::RETENTION_AGE)?;
        }
        duration(
            &["retention", "interval"],
            &config.retention.interval,
            bounds::RETENTION_INTERVAL,
        )?;
        if let Some(keep) = config.retention.keep
            && !bounds::RETENTION_KEEP.contains(keep)
        {
            let loc = at(&["retention", "keep"]);
            return Err(invalid(
                loc.line,
                loc.col,
                format!(
                    "`retention.keep` must be a whole number {}, found `{keep}`",
                    bounds::RETENTION_KEEP.describe()
                ),
            ));
        }
        let concurrency = i64::try_from(config.run.concurrency).unwrap_or(i64::MAX);
        if !bounds::CONFIG_CONCURRENCY.contains(concurrency) {
            let loc = at(&["run", "concurrency"]);
            return Err(invalid(
                loc.line,
                loc.col,
                format!(
                    "`run.concurrency` must be a whole number {} (0: as many as CPUs), found `{}`",
                    bounds::CONFIG_CONCURRENCY.describe(),
                    config.run.concurrency
                ),
            ));
        }
        if let Some(tcp) = &config.daemon.tcp
            && let Err(why) = check_tcp(tcp)
        {
            let loc = at(&["daemon", "tcp"]);
            return Err(invalid(
                loc.line,
                loc.col,
                format!("bad `daemon.tcp` `{tcp}`: {why}"),
            ));
        }
        match parse_size(&config.logs.max_attempt_size) {
            Err(why) => return Err(invalid(1, 1, format!("bad `logs.max_attempt_size`: {why}"))),
            Ok(n) if n < MIN_ATTEMPT_SIZE => {
                return Err(invalid(
                    1,
                    1,
                    "bad `logs.max_attempt_size`: at least 64KiB".to_string(),
                ));
            }
            Ok(_) => {}
        }
        if parse_key(&config.daemon.detach_key).is_none() {
            let loc = at(&["daemon", "detach_key"]);
            return Err(invalid(
                loc.line,
                loc.col,
                format!(
                    "bad `daemon.detach_key` `{}`: use `ctrl-]` or `ctrl-<letter>`",
                    config.daemon.detach_key
                ),
            ));
        }
        if config.daemon.tcp.is_some() && config.daemon.token.as_deref().is_none_or(str::is_empty) {
            let loc = at(&["daemon", "tcp"]);
            return Err(invalid(
                loc.line,
                loc.col,
                "`daemon.tcp` needs `daemon.token`: the daemon refuses TCP without a token".into(),
            ));
        }
        if let Some(token) = config.daemon.token.as_deref()
            && config.daemon.tcp.is_some()
            && token.chars().count() < MIN_TOKEN_CHARS
        {
            return Err(invalid(
                1,
                1,
                format!(
                    "`daemon.token` is {} characters; a TCP token needs at least {MIN_TOKEN_CHARS} (make one with `openssl rand -hex 32`)",
                    token.chars().count()
                ),
            ));
        }
        Ok(config)
    }

    pub fn input_wait(&self) -> Duration {
        parse_duration(&self.daemon.input_wait).unwrap_or(Duration::from_secs(3))
    }

    pub fn detach_key(&self) -> u8 {
        parse_key(&self.daemon.detach_key).unwrap_or(0x1d)
    }

    /// `workflow_dirs` as paths; `config_dir` anchors relative ones.
    pub fn workflow_dirs(&self, config_dir: &Path) -> Vec<std::path::PathBuf> {
        self.workflow_dirs
            .iter()
            .map(|d| match d.strip_prefix("~/") {
                Some(rest) => std::env::var_os("HOME")
                    .map(std::path::PathBuf::from)
                    .unwrap_or_default()
                    .join(rest),
                None => config_dir.join(d),
            })
            .collect()
    }

    /// `logs.max_attempt_size` in bytes.
    pub fn max_attempt_size(&self) -> u64 {
        parse_size(&self.logs.max_attempt_size).unwrap_or(DEFAULT_MAX_ATTEMPT_SIZE)
    }

    /// `retention.max_age` and `retention.keep`, checked when read.
    pub fn retention(&self) -> crate::workflow::Retention {
        crate::workflow::Retention {
            max_age: self
                .retention
                .max_age
                .as_deref()
                .and_then(|a| parse_duration(a).ok()),
            keep: self.retention.keep.and_then(|k| u32::try_from(k).ok()),
        }
    }

    /// `retention.interval`.
    pub fn retention_interval(&self) -> Duration {
        parse_duration(&self.retention.interval).unwrap_or(Duration::from_secs(3_600))
    }

    pub fn kill_grace(&self) -> Duration {
        parse_duration(&self.run.kill_grace).unwrap_or(Duration::from_secs(5))
    }
}

/// `host:port` with a port from 1 to 65535.
fn check_tcp(addr: &str) -> Result<(), String> {
    let Some((host, port)) = addr.rsplit_once(':') else {
        return Err("write `host:port`, e.g. `127.0.0.1:7420`".into());
    };
    if host.is_empty() {
        return Err("the host is missing; write e.g. `127.0.0.1:7420`".into());
    }
    match port.parse::<i64>() {
        Ok(p) if bounds::PORT.contains(p) => Ok(()),
        _ => Err(format!(
            "the port must be a whole number {}",
            bounds::PORT.describe()
        )),
    }
}

/// Where the value at `keys` (`run`, `kill_grace`) is written, or where the
/// nearest enclosing key is; 1:1 when the text does not parse.
fn locate(text: &str, keys: &[&str]) -> Loc {
    let Ok(mut node) = yaml::parse(text) else {
        return Loc { line: 1, col: 1 };
    };
    let mut loc = Loc { line: 1, col: 1 };
    for key in keys {
        let next: Option<Node> = match &node.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.value == Value::Str((*key).to_string()))
                .map(|(k, v)| {
                    loc = k.loc;
                    v.clone()
                }),
            _ => None,
        };
        match next {
            Some(n) => {
                if !matches!(n.value, Value::Map(_) | Value::Null) {
                    loc = n.loc;
                }
                node = n;
            }
            None => break,
        }
    }
    loc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_or_empty_config_means_defaults() {
        let c = Config::parse("c.yaml", "").unwrap();
        assert_eq!(c.store.durability, Durability::Normal);
        assert_eq!(c.kill_grace(), Duration::from_secs(5));
        assert_eq!(c.max_attempt_size(), 100 << 20);
        assert!(c.workflow_dirs.is_empty());
        let c = Config::parse("c.yaml", "workflow_dirs: [flows, /srv/flows]\n").unwrap();
        assert_eq!(
            c.workflow_dirs(Path::new("/etc/weft")),
            [Path::new("/etc/weft/flows"), Path::new("/srv/flows")]
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("c.yaml"), "workflow_dirs: [flows]\n").unwrap();
        let c = Config::load(&dir.path().join("c.yaml")).unwrap();
        assert_eq!(
            c.workflow_dirs,
            [dir.path().join("flows").display().to_string()]
        );
        let c = Config::load(Path::new("/nonexistent/weft/config.yaml")).unwrap();
        assert_eq!(c.run.shell, Shell::Bash);
    }

    #[test]
    fn detach_keys_and_tcp_settings_are_checked() {
        assert_eq!(parse_key("ctrl-]"), Some(0x1d));
        assert_eq!(parse_key("Ctrl-A"), Some(1));
        assert_eq!(parse_key("alt-x"), None);
        let err = Config::parse("c.yaml", "daemon:\n  detach_key: f12\n").unwrap_err();
        assert!(err.to_string().contains("detach_key"), "{err}");
        let err = Config::parse("c.yaml", "daemon:\n  tcp: 127.0.0.1:7420\n").unwrap_err();
        assert!(err.to_string().contains("needs `daemon.token`"), "{err}");
        let err = Config::parse(
            "c.yaml",
            "daemon:\n  tcp: 127.0.0.1:7420\n  token: s3cret\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("at least 32"), "{err}");
        let token = "0123456789abcdef0123456789abcdef";
        let ok = Config::parse(
            "c.yaml",
            &format!("daemon:\n  tcp: 127.0.0.1:7420\n  token: {token}\n"),
        )
        .unwrap();
        assert_eq!(ok.daemon.token.as_deref(), Some(token));
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

    #[test]
    fn numbers_in_the_config_are_bounded_and_located() {
        let err = |text: &str| Config::parse("c.yaml", text).unwrap_err().to_string();
        let e = err("run:\n  kill_grace: 2h\n");
        assert!(
            e.starts_with("c.yaml:2:15: `run.kill_grace` must be at most 1h"),
            "{e}"
        );
        let e = err("run:\n  concurrency: 5000\n");
        assert!(
            e.starts_with("c.yaml:2:16: `run.concurrency` must be a whole number from 0 to 1024"),
            "{e}"
        );
        let e = err("daemon:\n  input_wait: 99999999999999999999999d\n");
        assert!(e.starts_with("c.yaml:2:15: bad `daemon.input_wait`"), "{e}");
        let e = err("daemon:\n  token: 0123456789abcdef0123456789abcdef\n  tcp: 127.0.0.1:70000\n");
        assert!(e.starts_with("c.yaml:3:8: bad `daemon.tcp`"), "{e}");
        assert!(e.contains("from 1 to 65535"), "{e}");
        let e = err("daemon:\n  token: 0123456789abcdef0123456789abcdef\n  tcp: 127.0.0.1:0\n");
        assert!(e.contains("from 1 to 65535"), "{e}");
        assert!(
            Config::parse(
                "c.yaml",
                "daemon:\n  token: 0123456789abcdef0123456789abcdef\n  tcp: 127.0.0.1:65535\n"
            )
            .is_ok()
        );
    }

    #[test]
    fn retention_is_off_by_default_and_its_limits_are_bounded() {
        let c = Config::parse("c.yaml", "").unwrap();
        assert!(c.retention().is_off());
        assert_eq!(c.retention_interval(), Duration::from_secs(3600));
        let c = Config::parse(
            "c.yaml",
            "retention:\n  max_age: 30d\n  keep: 1000\n  interval: 10m\n",
        )
        .unwrap();
        assert_eq!(
            c.retention().max_age,
            Some(Duration::from_secs(30 * 86_400))
        );
        assert_eq!(c.retention().keep, Some(1000));
        assert_eq!(c.retention_interval(), Duration::from_secs(600));
        let err = |text: &str| Config::parse("c.yaml", text).unwrap_err().to_string();
        let e = err("retention:\n  keep: 0\n");
        assert!(
            e.starts_with(
                "c.yaml:2:9: `retention.keep` must be a whole number from 1 to 10000000, found `0`"
            ),
            "{e}"
        );
        let e = err("retention:\n  max_age: 10s\n");
        assert!(
            e.starts_with("c.yaml:2:12: `retention.max_age` must be between 1m and 3660d"),
            "{e}"
        );
        let e = err("retention:\n  interval: often\n");
        assert!(
            e.starts_with("c.yaml:2:13: bad `retention.interval`"),
            "{e}"
        );
        let e = err("retention:\n  max_count: 3\n");
        assert!(e.contains("max_count"), "{e}");
    }

    #[test]
    fn a_config_that_is_not_utf8_is_located() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.yaml");
        std::fs::write(&path, b"run:\n  shell: b\xffash\n").unwrap();
        let e = Config::load(&path).unwrap_err().to_string();
        assert!(e.contains("config.yaml:2:11: the file is not UTF-8"), "{e}");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

            #[test]
            fn no_config_text_panics(text in "\\PC{0,80}") {
                let _ = Config::parse("c.yaml", &text);
            }

            #[test]
            fn no_config_number_panics(
                grace in "[0-9]{1,25}(ms|s|m|h|d|)",
                wait in "[0-9]{1,25}(\\.[0-9]{1,5})?(ms|s|d)",
                n in any::<i64>(),
                port in any::<i64>(),
            ) {
                let text = format!("run:\n  kill_grace: {grace}\n  concurrency: {n}\ndaemon:\n  input_wait: {wait}\n  tcp: \"127.0.0.1:{port}\"\n  token: t\n");
                if let Ok(c) = Config::parse("c.yaml", &text) {
                    prop_assert!(c.kill_grace() <= Duration::from_secs(3600));
                    prop_assert!(c.run.concurrency <= 1024);
                    prop_assert!((1..=65535).contains(&port));
                    let _ = c.input_wait();
                }
            }
        }
    }
}
