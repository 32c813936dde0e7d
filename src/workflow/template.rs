//! Templates in workflow fields (minijinja, strict undefined): finding the
//! variables a template refers to, so validation can check them before
//! anything runs, and rendering them against a run's context.
//!
//! Comments use `{##` and `##}` instead of Jinja's `{#`, so shell code such
//! as `${#array[@]}` is left alone.

use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, UndefinedBehavior};

/// The template engine with weft's settings.
pub struct Templates {
    env: Environment<'static>,
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

/// `text` as a template that renders to exactly `text` (for text weft
/// writes into a workflow: a wrapped command, an imported cron line).
pub fn literal(text: &str) -> String {
    if is_templated(text) {
        format!("{{% raw %}}{text}{{% endraw %}}")
    } else {
        text.to_string()
    }
}

/// Whether a field is a template at all; plain text is used as written.
pub fn is_templated(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

impl Templates {
    pub fn new() -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        let syntax = SyntaxConfig::builder()
            .comment_delimiters("{##", "##}")
            .keep_trailing_newline(true)
            .build()
            .expect("static delimiters are valid");
        env.set_syntax(syntax);
        Templates { env }
    }

    /// The variables a template reads, as dotted paths
    /// (`tasks.build.outputs.artifact`), sorted. Text that is not a template
    /// has none.
    pub fn references(&self, text: &str) -> Result<Vec<String>, String> {
        if !is_templated(text) {
            return Ok(Vec::new());
        }
        let tmpl = self.env.template_from_str(text).map_err(|e| describe(&e))?;
        let mut refs: Vec<String> = tmpl.undeclared_variables(true).into_iter().collect();
        refs.sort();
        Ok(refs)
    }

    /// The variables an `if:` condition reads. A condition is either a
    /// template (`{{ not params.dry_run }}`) or a bare expression
    /// (`not params.dry_run`).
    pub fn condition_references(&self, text: &str) -> Result<Vec<String>, String> {
        if is_templated(text) {
            return self.references(text);
        }
        let expr = self
            .env
            .compile_expression(text)
            .map_err(|e| describe(&e))?;
        let mut refs: Vec<String> = expr.undeclared_variables(true).into_iter().collect();
        refs.sort();
        Ok(refs)
    }

    /// Renders a field; text that is not a template comes back unchanged.
    pub fn render(&self, text: &str, ctx: &serde_json::Value) -> Result<String, String> {
        if !is_templated(text) {
            return Ok(text.to_string());
        }
        self.env
            .render_str(text, minijinja::Value::from(minijinja::value::Serde(ctx)))
            .map_err(|e| describe(&e))
    }

    /// Evaluates an `if:` condition. A template is true unless it renders to
    /// empty, `false`, `0`, `no` or `none` (any case).
    pub fn condition(&self, text: &str, ctx: &serde_json::Value) -> Result<bool, String> {
        if is_templated(text) {
            let out = self.render(text, ctx)?;
            let t = out.trim().to_ascii_lowercase();
            return Ok(!matches!(t.as_str(), "" | "false" | "0" | "no" | "none"));
        }
        let expr = self
            .env
            .compile_expression(text)
            .map_err(|e| describe(&e))?;
        expr.eval(minijinja::Value::from(minijinja::value::Serde(ctx)))
            .map(|v| v.is_true())
            .map_err(|e| describe(&e))
    }
}

/// minijinja's message without its own location prefix or source dump.
fn describe(e: &minijinja::Error) -> String {
    let mut msg = match e.detail() {
        Some(detail) => format!("{}: {detail}", e.kind()),
        None => e.kind().to_string(),
    };
    if e.kind() == minijinja::ErrorKind::UndefinedError {
        msg = "undefined value".to_string();
        if let Some(detail) = e.detail() {
            msg = format!("undefined value: {detail}");
        }
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_are_dotted_paths() {
        let t = Templates::new();
        let refs = t
            .references("cp {{ tasks.build.outputs.artifact }} {{ params.dest }}-{{ run.id }}")
            .unwrap();
        assert_eq!(
            refs,
            ["params.dest", "run.id", "tasks.build.outputs.artifact"]
        );
        assert!(t.references("echo ${#x[@]} plain").unwrap().is_empty());
    }

    #[test]
    fn shell_length_syntax_survives_inside_templates() {
        let t = Templates::new();
        let out = t
            .render(
                "a=(1 2); echo ${#a[@]} {{ params.x }}",
                &json!({"params": {"x": 7}}),
            )
            .unwrap();
        assert_eq!(out, "a=(1 2); echo ${#a[@]} 7");
    }

    #[test]
    fn rendering_is_strict_about_undefined_values() {
        let t = Templates::new();
        let err = t
            .render("{{ params.nope }}", &json!({"params": {}}))
            .unwrap_err();
        assert!(err.contains("undefined"), "{err}");
        assert!(t.references("{{ oops").is_err());
    }

    #[test]
    fn conditions_accept_templates_and_bare_expressions() {
        let t = Templates::new();
        let ctx = json!({"params": {"dry_run": false, "n": 3}});
        assert!(t.condition("{{ not params.dry_run }}", &ctx).unwrap());
        assert!(!t.condition("params.dry_run", &ctx).unwrap());
        assert!(t.condition("params.n > 2", &ctx).unwrap());
        assert!(!t.condition("{{ params.n > 5 }}", &ctx).unwrap());
        assert_eq!(
            t.condition_references("params.n > 2 and tasks.a.outputs.ok")
                .unwrap(),
            ["params.n", "tasks.a.outputs.ok"]
        );
    }
}
