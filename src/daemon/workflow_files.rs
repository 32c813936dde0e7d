//! The workflow files of `workflow_dirs` as a daemon knows them: scanned
//! for added, changed and removed files (at most every two seconds, or at
//! once when forced), each valid with its workflow or invalid with its
//! rendered problems, and where each schedule's fires stand. Writes only to
//! the daemon log.

use crate::api::{ApiError, ErrorCode};
use crate::model::Millis;
use crate::workflow::{Workflow, did_you_mean, validate_str};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// How often the folders are checked for added, changed or removed files.
const SCAN_EVERY: Duration = Duration::from_secs(2);
/// The workflow files a daemon knows, and where each schedule stands.
pub(super) struct Registry {
    dirs: Vec<PathBuf>,
    pub(super) files: BTreeMap<PathBuf, File>,
    /// Per (workflow, schedule key): fires up to this time are handled.
    pub(super) cursors: HashMap<(String, String), Millis>,
    last_scan: Option<Instant>,
}

pub(super) struct File {
    /// Modification time and length when read.
    stamp: (Option<SystemTime>, u64),
    /// Its workflow, or its problems rendered as `weft validate` does.
    pub(super) state: Result<Arc<Workflow>, String>,
}

impl Registry {
    /// The folders to scan from now on (files of folders no longer listed
    /// are forgotten at the next scan).
    pub(super) fn set_dirs(&mut self, dirs: Vec<PathBuf>) {
        if dirs != self.dirs {
            tracing::info!(?dirs, "workflow_dirs changed");
            self.dirs = dirs;
        }
    }

    pub(super) fn new(dirs: Vec<PathBuf>) -> Registry {
        Registry {
            dirs,
            files: BTreeMap::new(),
            cursors: HashMap::new(),
            last_scan: None,
        }
    }

    /// Reads new and changed files, forgets removed ones. `force` ignores
    /// the scan interval.
    pub(super) fn scan(&mut self, force: bool) {
        if !force && self.last_scan.is_some_and(|t| t.elapsed() < SCAN_EVERY) {
            return;
        }
        self.last_scan = Some(Instant::now());
        let mut present = Vec::new();
        for dir in &self.dirs {
            let entries = match std::fs::read_dir(dir) {
                Ok(entries) => entries,
                Err(e) => {
                    if self.files.keys().any(|f| f.starts_with(dir)) || force {
                        tracing::warn!(dir = %dir.display(), error = %e, "cannot read a workflow folder");
                    }
                    continue;
                }
            };
            let mut paths: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
                .collect();
            paths.sort();
            present.extend(paths);
        }
        let gone: Vec<PathBuf> = self
            .files
            .keys()
            .filter(|p| !present.contains(p))
            .cloned()
            .collect();
        for path in gone {
            tracing::info!(file = %path.display(), "workflow file removed");
            self.files.remove(&path);
        }
        for path in present {
            let stamp = std::fs::metadata(&path)
                .map(|m| (m.modified().ok(), m.len()))
                .unwrap_or((None, 0));
            if self.files.get(&path).is_some_and(|f| f.stamp == stamp) {
                continue;
            }
            let state = self.read(&path);
            match &state {
                Ok(wf) => tracing::info!(
                    file = %path.display(),
                    workflow = %wf.name,
                    schedules = wf.schedules.len(),
                    "workflow file loaded"
                ),
                Err(problems) => tracing::warn!(
                    file = %path.display(),
                    "invalid workflow file, not scheduled:\n{problems}"
                ),
            }
            self.files.insert(path, File { stamp, state });
        }
        // Forget where removed schedules stood.
        let live: Vec<(String, String)> = self
            .valid()
            .flat_map(|(_, wf)| {
                wf.schedules
                    .iter()
                    .map(|s| (wf.name.clone(), s.key()))
                    .collect::<Vec<_>>()
            })
            .collect();
        self.cursors.retain(|k, _| live.contains(k));
    }

    fn read(&self, path: &Path) -> Result<Arc<Workflow>, String> {
        let file = path.display().to_string();
        let bytes =
            std::fs::read(path).map_err(|e| format!("error: cannot read `{file}`: {e}\n"))?;
        let source =
            crate::workflow::decode_utf8(&file, bytes).map_err(|report| report.render())?;
        let wf = validate_str(&file, &source).map_err(|report| report.render())?;
        if !wf.schedules.is_empty()
            && let Some(p) = wf.params.iter().find(|p| p.required && p.default.is_none())
        {
            // A fire passes no params: this one could never start.
            return Err(format!(
                "error: param `{}` is required, but a schedule's fires give no params\n --> {file}:{}:{}\n  = help: give it a `default:` (fires use the defaults)\n",
                p.name, p.loc.line, p.loc.col
            ));
        }
        if let Some((other, _)) = self
            .valid()
            .find(|(p, w)| w.name == wf.name && p.as_path() != path)
        {
            return Err(format!(
                "error: workflow `{}` is already defined in `{}`; workflow names must be unique\n",
                wf.name,
                other.display()
            ));
        }
        Ok(Arc::new(wf))
    }

    pub(super) fn valid(&self) -> impl Iterator<Item = (&PathBuf, &Arc<Workflow>)> {
        self.files
            .iter()
            .filter_map(|(p, f)| f.state.as_ref().ok().map(|w| (p, w)))
    }

    pub(super) fn find(&self, name: &str) -> Result<(PathBuf, Arc<Workflow>), ApiError> {
        if let Some((p, w)) = self.valid().find(|(_, w)| w.name == name) {
            return Ok((p.clone(), w.clone()));
        }
        let names: Vec<&str> = self.valid().map(|(_, w)| w.name.as_str()).collect();
        let hint = did_you_mean(name, names.iter().copied()).unwrap_or_else(|| {
            if names.is_empty() {
                "the daemon knows no workflow: list their folders under `workflow_dirs` in config.yaml".into()
            } else {
                format!("it knows: {}", names.join(", "))
            }
        });
        Err(ApiError::new(
            ErrorCode::NotFound,
            format!("the daemon knows no valid workflow `{name}`"),
        )
        .hint(hint))
    }
}
