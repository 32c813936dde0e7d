//! Workflow files: YAML text to a validated `Workflow` with its parameters
//! resolved. Reports every problem at once as `Diagnostic`s. Must not depend
//! on the engine, the store or anything above them; never prints.

pub mod bounds;
mod definition;
mod diagnostic;
mod duration;
mod params;
pub mod template;
mod validate;
pub mod yaml;

pub use definition::{Loaded, Retention, RetryPolicy, ScriptLang, Task, TaskBody, When, Workflow};
pub use diagnostic::{Diagnostic, Report, did_you_mean};
pub use duration::parse_duration;
pub use params::{ParamDef, ParamType, ParamValue};

use params::ParamSources;
use std::path::Path;
use yaml::Loc;

/// Why a workflow could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read workflow file `{path}`: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", .0.render())]
    Invalid(Report),
}

/// Reads, validates and resolves the params of a workflow file.
/// `env` looks up environment variables (`WEFT_PARAM_<KEY>`).
pub fn load_file(
    path: &Path,
    overrides: &[(String, String)],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Loaded, LoadError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| LoadError::Read {
        path: file.clone(),
        source,
    })?;
    let source = decode_utf8(&file, bytes).map_err(LoadError::Invalid)?;
    load_str(&file, &source, overrides, env).map_err(LoadError::Invalid)
}

/// A workflow file's bytes as text; bytes that are not UTF-8 are a problem
/// located like any other (line, column and byte offset of the first one).
pub fn decode_utf8(file: &str, bytes: Vec<u8>) -> Result<String, Report> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let bytes = e.into_bytes();
            let (loc, offset) = utf8_error_at(&bytes);
            let bad = bytes.get(offset).copied().unwrap_or(0);
            Err(Report {
                file: file.to_string(),
                source: String::from_utf8_lossy(&bytes).into_owned(),
                diagnostics: vec![
                    Diagnostic::new(
                        loc,
                        1,
                        format!("the file is not UTF-8: byte 0x{bad:02X} at offset {offset} is not valid UTF-8 text"),
                    )
                    .help("save the file as UTF-8"),
                ],
            })
        }
    }
}

/// Where the first byte that is not UTF-8 is: its line and column (counted
/// in characters, as everywhere) and its byte offset. `(1:1, 0)` for valid
/// text, which callers do not ask about.
pub fn utf8_error_at(bytes: &[u8]) -> (Loc, usize) {
    let offset = match std::str::from_utf8(bytes) {
        Ok(_) => 0,
        Err(e) => e.valid_up_to(),
    };
    let good = std::str::from_utf8(&bytes[..offset]).unwrap_or("");
    let line_start = good.rfind('\n').map_or(0, |i| i + 1);
    let line = good.matches('\n').count() + 1;
    let col = good[line_start..].chars().count() + 1;
    let loc = Loc {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        col: u32::try_from(col).unwrap_or(u32::MAX),
    };
    (loc, offset)
}

/// Validates workflow text without resolving its params (a required param
/// without a default is fine here): what a daemon knows of a file before
/// anyone starts it.
pub fn validate_str(file: &str, source: &str) -> Result<Workflow, Report> {
    match load_with(file, source, None) {
        Ok(loaded) => Ok(loaded.workflow),
        Err(report) => Err(report),
    }
}

/// Validates workflow text; `file` is only used in messages.
pub fn load_str(
    file: &str,
    source: &str,
    overrides: &[(String, String)],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Loaded, Report> {
    load_with(file, source, Some((overrides, env)))
}

type ParamInput<'a> = (&'a [(String, String)], &'a dyn Fn(&str) -> Option<String>);

fn load_with(file: &str, source: &str, params: Option<ParamInput<'_>>) -> Result<Loaded, Report> {
    let report = |diagnostics| Report {
        file: file.to_string(),
        source: source.to_string(),
        diagnostics,
    };
    let root = match yaml::parse(source) {
        Ok(root) => root,
        Err(e) => {
            return Err(report(vec![
                Diagnostic::new(e.loc, 1, format!("invalid YAML: {}", e.message))
                    .help("check the indentation and quoting around this spot"),
            ]));
        }
    };
    let mut v = validate::Validator::new(source);
    let parsed = v.workflow(file, &root);
    let params = match params {
        Some((overrides, env)) => {
            let sources = ParamSources {
                overrides,
                env,
                params_loc: parsed.params_loc,
            };
            params::resolve(&parsed.params, &sources, &mut v.diags)
        }
        None => Vec::new(),
    };
    match parsed.workflow {
        Some(workflow) if v.diags.is_empty() => Ok(Loaded { workflow, params }),
        _ => {
            if v.diags.is_empty() {
                v.diags.push(Diagnostic::new(
                    Loc { line: 1, col: 1 },
                    1,
                    "the workflow is not valid",
                ));
            }
            v.diags.sort_by_key(|d| d.loc);
            Err(report(v.diags))
        }
    }
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
