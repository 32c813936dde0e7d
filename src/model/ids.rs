//! Identifier newtypes. A run id is short, random and lowercase so that any
//! unique prefix names a run, as git and docker do.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The id of one run. Frozen format: 10 characters of Crockford-style base32.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunId(String);

const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

impl RunId {
    pub const LEN: usize = 10;

    /// A new random id. Collisions are checked by the store's primary key.
    pub fn generate() -> Self {
        let id = (0..Self::LEN)
            .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
            .collect();
        RunId(id)
    }

    /// Wraps an id read back from the store or typed by a user.
    pub fn from_string(s: impl Into<String>) -> Self {
        RunId(s.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The name of a task inside a workflow: `[A-Za-z0-9_-]+`, so it is safe as a
/// file name and, with `-` turned into `_`, inside an environment variable name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TaskName(String);

impl TaskName {
    pub fn new(s: impl Into<String>) -> Self {
        TaskName(s.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `s` is an acceptable task name.
    pub fn is_valid(s: &str) -> bool {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    }

    /// The name as it appears in environment variable names: upper case, `-` as `_`.
    pub fn env_key(&self) -> String {
        self.0.to_ascii_uppercase().replace('-', "_")
    }
}

impl fmt::Display for TaskName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::borrow::Borrow<str> for TaskName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// 1-based attempt number of a task.
pub type AttemptNo = u32;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_have_the_frozen_shape() {
        let a = RunId::generate();
        assert_eq!(a.as_str().len(), RunId::LEN);
        assert!(a.as_str().bytes().all(|b| ALPHABET.contains(&b)));
        assert_ne!(a, RunId::generate());
    }

    #[test]
    fn task_names_are_checked_and_mapped_to_env_keys() {
        assert!(TaskName::is_valid("build-x_1"));
        assert!(!TaskName::is_valid("a b"));
        assert!(!TaskName::is_valid(""));
        assert_eq!(TaskName::new("build-x").env_key(), "BUILD_X");
    }
}
