//! The validated workflow: what the engine runs. Built only by validation,
//! so every value here has been checked (dependencies exist, no cycles,
//! templates refer to known things).

use super::params::{ParamDef, ParamValue};
use crate::dag::Dag;
use crate::model::TaskName;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Workflow {
    pub name: String,
    pub description: Option<String>,
    /// The file as the user named it, for messages.
    pub file: String,
    /// The exact text it was built from: stored with every run, so a retry
    /// runs the same definition.
    pub source: String,
    pub params: Vec<ParamDef>,
    /// Run-wide environment, in the order written (values may be templates).
    pub env: Vec<(String, String)>,
    pub concurrency: Option<usize>,
    /// In the order written.
    pub tasks: Vec<Task>,
    pub dag: Dag,
    /// When the daemon fires it (`schedule:`), in the order written.
    pub schedules: Vec<crate::schedule::Spec>,
    /// `overlap`, `catchup`, `catchup_window`.
    pub policy: crate::schedule::Policy,
    /// `retention`: how much of its history the daemon keeps.
    pub retention: Retention,
}

/// How much of a workflow's history is kept (`retention:` in config.yaml
/// and in a workflow file). Limits: a finished run goes when it breaks
/// either one. Nothing set: everything is kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Retention {
    /// Runs that ended longer ago than this go.
    pub max_age: Option<Duration>,
    /// Runs beyond the newest this many finished ones go.
    pub keep: Option<u32>,
}

impl Retention {
    pub fn is_off(&self) -> bool {
        self.max_age.is_none() && self.keep.is_none()
    }

    /// These limits, each one not set taken from `fallback` (a workflow's
    /// own `retention:` over the config's).
    pub fn over(self, fallback: Retention) -> Retention {
        Retention {
            max_age: self.max_age.or(fallback.max_age),
            keep: self.keep.or(fallback.keep),
        }
    }
}

impl Workflow {
    pub fn task_index(&self, name: &str) -> Option<usize> {
        self.tasks.iter().position(|t| t.name.as_str() == name)
    }
}

#[derive(Clone, Debug)]
pub struct Task {
    pub name: TaskName,
    pub description: Option<String>,
    /// Indexes into `Workflow::tasks`.
    pub needs: Vec<usize>,
    /// A condition: a template or a bare expression.
    pub condition: Option<String>,
    pub when: When,
    pub env: Vec<(String, String)>,
    pub working_dir: Option<String>,
    pub timeout: Option<Duration>,
    pub retry: RetryPolicy,
    /// Output keys it declares (the only ones downstream templates may use).
    pub outputs: Vec<String>,
    pub allow_failure: bool,
    /// Runs in a PTY that users can attach to (`weft attach`).
    pub interactive: bool,
    pub body: TaskBody,
}

/// When a task runs (`when:`), kept with the run's tasks.
pub use crate::model::When;

/// What a task does.
#[derive(Clone, Debug, PartialEq)]
pub enum TaskBody {
    /// A shell command line (`bash -eo pipefail -c`, or `sh -c` without bash;
    /// run directly when it has no shell syntax).
    Run(String),
    /// A program and its arguments, no shell.
    Exec(Vec<String>),
    /// Code in an interpreted language, written to a file and run.
    Script { lang: ScriptLang, code: String },
    /// Wait, then succeed.
    Delay(Duration),
}

impl TaskBody {
    pub fn kind(&self) -> &'static str {
        match self {
            TaskBody::Run(_) => "run",
            TaskBody::Exec(_) => "exec",
            TaskBody::Script { .. } => "script",
            TaskBody::Delay(_) => "delay",
        }
    }
}

/// Languages a `script:` task may use, with the interpreter that runs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScriptLang {
    Python,
    Node,
    Bash,
    Sh,
    Ruby,
    Perl,
    Php,
}

impl ScriptLang {
    pub const ALL: &'static [ScriptLang] = &[
        ScriptLang::Python,
        ScriptLang::Node,
        ScriptLang::Bash,
        ScriptLang::Sh,
        ScriptLang::Ruby,
        ScriptLang::Perl,
        ScriptLang::Php,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ScriptLang::Python => "python",
            ScriptLang::Node => "node",
            ScriptLang::Bash => "bash",
            ScriptLang::Sh => "sh",
            ScriptLang::Ruby => "ruby",
            ScriptLang::Perl => "perl",
            ScriptLang::Php => "php",
        }
    }

    pub fn parse(s: &str) -> Option<ScriptLang> {
        let alias = match s {
            "python3" | "py" => "python",
            "nodejs" | "javascript" | "js" => "node",
            other => other,
        };
        Self::ALL.iter().copied().find(|l| l.name() == alias)
    }

    /// The program that runs a script file, looked up on `PATH`.
    pub fn interpreter(self) -> &'static str {
        match self {
            ScriptLang::Python => "python3",
            other => other.name(),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ScriptLang::Python => "py",
            ScriptLang::Node => "js",
            ScriptLang::Bash | ScriptLang::Sh => "sh",
            ScriptLang::Ruby => "rb",
            ScriptLang::Perl => "pl",
            ScriptLang::Php => "php",
        }
    }
}

/// How often and how patiently a task is tried again.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Total attempts, the first included (1 = no retry).
    pub attempts: u32,
    pub delay: Duration,
    /// Each wait is the previous one times this factor.
    pub backoff: f64,
    pub max_delay: Option<Duration>,
    /// Randomise each wait between half and all of it.
    pub jitter: bool,
    /// Retry only on these exit codes (empty: on any failure).
    pub on_exit: Vec<i32>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 1,
            delay: Duration::from_secs(1),
            backoff: 2.0,
            max_delay: None,
            jitter: false,
            on_exit: Vec::new(),
        }
    }
}

/// A workflow with its parameters resolved: ready to plan or run.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub workflow: Workflow,
    pub params: Vec<(String, ParamValue)>,
}

impl Loaded {
    pub fn params_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.params
                .iter()
                .map(|(k, v)| (k.clone(), v.to_json()))
                .collect(),
        )
    }
}
