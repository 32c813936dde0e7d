//! Typed workflow parameters and the resolution of their values: `-p
//! key=value` first, then `WEFT_PARAM_<KEY>`, then the default.

use super::diagnostic::{Diagnostic, did_you_mean};
use super::yaml::Loc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    String,
    Int,
    Float,
    Bool,
}

impl ParamType {
    pub fn parse(s: &str) -> Option<ParamType> {
        match s {
            "string" | "str" => Some(ParamType::String),
            "int" | "integer" => Some(ParamType::Int),
            "float" | "number" => Some(ParamType::Float),
            "bool" | "boolean" => Some(ParamType::Bool),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Int => "int",
            ParamType::Float => "float",
            ParamType::Bool => "bool",
        }
    }

    /// "a string", "an int"...
    pub fn with_article(self) -> String {
        match self {
            ParamType::Int => "an int".into(),
            other => format!("a {}", other.name()),
        }
    }

    /// Reads a value given as text on the command line or in the environment.
    pub fn parse_value(self, text: &str) -> Result<ParamValue, String> {
        let t = text.trim();
        match self {
            ParamType::String => Ok(ParamValue::String(text.to_string())),
            ParamType::Int => t
                .parse()
                .map(ParamValue::Int)
                .map_err(|_| format!("`{text}` is not an int")),
            ParamType::Float => t
                .parse()
                .map(ParamValue::Float)
                .map_err(|_| format!("`{text}` is not a float")),
            ParamType::Bool => match t.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" | "on" => Ok(ParamValue::Bool(true)),
                "false" | "no" | "0" | "off" => Ok(ParamValue::Bool(false)),
                _ => Err(format!("`{text}` is not a bool (use true or false)")),
            },
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ParamValue {
    String(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl ParamValue {
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            ParamValue::String(s) => s.clone().into(),
            ParamValue::Int(i) => (*i).into(),
            ParamValue::Float(f) => (*f).into(),
            ParamValue::Bool(b) => (*b).into(),
        }
    }

    pub fn from_json(v: &serde_json::Value) -> Option<ParamValue> {
        match v {
            serde_json::Value::String(s) => Some(ParamValue::String(s.clone())),
            serde_json::Value::Bool(b) => Some(ParamValue::Bool(*b)),
            serde_json::Value::Number(n) => n
                .as_i64()
                .map(ParamValue::Int)
                .or_else(|| n.as_f64().map(ParamValue::Float)),
            _ => None,
        }
    }

    /// As text, for `weft plan` and environment variables.
    pub fn display(&self) -> String {
        match self {
            ParamValue::String(s) => s.clone(),
            ParamValue::Int(i) => i.to_string(),
            ParamValue::Float(f) => f.to_string(),
            ParamValue::Bool(b) => b.to_string(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct ParamDef {
    pub name: String,
    pub ty: ParamType,
    pub default: Option<ParamValue>,
    pub required: bool,
    pub description: Option<String>,
    /// Where the parameter is declared, for messages about its value.
    pub loc: Loc,
}

/// Where parameter values come from besides the file.
pub struct ParamSources<'a> {
    /// `-p key=value`, in order given (a later one wins).
    pub overrides: &'a [(String, String)],
    /// Looks up `WEFT_PARAM_<KEY>`.
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// Where unknown `-p` keys are reported (the `params:` key, or the top).
    pub params_loc: Loc,
}

/// Resolves every parameter's value, reporting each problem.
pub fn resolve(
    defs: &[ParamDef],
    sources: &ParamSources<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(String, ParamValue)> {
    for (key, _) in sources.overrides {
        if !defs.iter().any(|d| &d.name == key) {
            let help =
                did_you_mean(key, defs.iter().map(|d| d.name.as_str())).unwrap_or_else(|| {
                    if defs.is_empty() {
                        "this workflow declares no params; declare it under `params:`".to_string()
                    } else {
                        format!(
                            "declared params: {}",
                            defs.iter()
                                .map(|d| format!("`{}`", d.name))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                });
            diags.push(
                Diagnostic::new(
                    sources.params_loc,
                    1,
                    format!("unknown param `{key}` given with `-p`"),
                )
                .help(help),
            );
        }
    }
    let mut values = Vec::new();
    for def in defs {
        let env_key = format!("WEFT_PARAM_{}", def.name.to_ascii_uppercase());
        let given = sources
            .overrides
            .iter()
            .rev()
            .find(|(k, _)| k == &def.name)
            .map(|(_, v)| (v.clone(), format!("`-p {}`", def.name)))
            .or_else(|| (sources.env)(&env_key).map(|v| (v, format!("`{env_key}`"))));
        let value = match given {
            Some((text, origin)) => match def.ty.parse_value(&text) {
                Ok(v) => Some(v),
                Err(_) => {
                    diags.push(
                        Diagnostic::new(
                            def.loc,
                            def.name.len(),
                            format!(
                                "{origin} gives `{text}` for param `{}`, which is declared `{}`",
                                def.name,
                                def.ty.name()
                            ),
                        )
                        .help(match def.ty {
                            ParamType::Bool => "pass true or false".to_string(),
                            ty => format!("pass {} value", ty.with_article()),
                        }),
                    );
                    continue;
                }
            },
            None => def.default.clone(),
        };
        match value {
            Some(v) => values.push((def.name.clone(), v)),
            None if def.required => diags.push(
                Diagnostic::new(
                    def.loc,
                    def.name.len(),
                    format!("param `{}` is required but has no value", def.name),
                )
                .help(format!("pass `-p {}=VALUE` or set `{env_key}`", def.name)),
            ),
            // An optional param without a default is an empty string, false or 0.
            None => values.push((
                def.name.clone(),
                match def.ty {
                    ParamType::String => ParamValue::String(String::new()),
                    ParamType::Int => ParamValue::Int(0),
                    ParamType::Float => ParamValue::Float(0.0),
                    ParamType::Bool => ParamValue::Bool(false),
                },
            )),
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(name: &str, ty: ParamType, default: Option<ParamValue>, required: bool) -> ParamDef {
        ParamDef {
            name: name.into(),
            ty,
            default,
            required,
            description: None,
            loc: Loc { line: 3, col: 3 },
        }
    }

    #[test]
    fn overrides_beat_environment_beats_default() {
        let defs = vec![
            def("a", ParamType::Int, Some(ParamValue::Int(1)), false),
            def("b", ParamType::Bool, Some(ParamValue::Bool(false)), false),
            def(
                "c",
                ParamType::String,
                Some(ParamValue::String("d".into())),
                false,
            ),
        ];
        let overrides = vec![("a".to_string(), "5".to_string()), ("a".into(), "6".into())];
        let env =
            |k: &str| (k == "WEFT_PARAM_B" || k == "WEFT_PARAM_A").then(|| "true".to_string());
        let mut diags = Vec::new();
        let values = resolve(
            &defs,
            &ParamSources {
                overrides: &overrides,
                env: &env,
                params_loc: Loc::default(),
            },
            &mut diags,
        );
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            values,
            vec![
                ("a".into(), ParamValue::Int(6)),
                ("b".into(), ParamValue::Bool(true)),
                ("c".into(), ParamValue::String("d".into())),
            ]
        );
    }

    #[test]
    fn bad_and_missing_values_are_all_reported() {
        let defs = vec![
            def("n", ParamType::Int, None, false),
            def("version", ParamType::String, None, true),
        ];
        let overrides = vec![
            ("n".to_string(), "many".to_string()),
            ("nn".into(), "1".into()),
        ];
        let mut diags = Vec::new();
        resolve(
            &defs,
            &ParamSources {
                overrides: &overrides,
                env: &|_| None,
                params_loc: Loc::default(),
            },
            &mut diags,
        );
        let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "unknown param `nn` given with `-p`",
                "`-p n` gives `many` for param `n`, which is declared `int`",
                "param `version` is required but has no value",
            ]
        );
        assert_eq!(diags[0].help.as_deref(), Some("did you mean `n`?"));
    }
}
