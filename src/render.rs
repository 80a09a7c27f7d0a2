//! Command templates: minijinja with every interpolated value shell-quoted.
//!
//! The formatter, not the template author, does the quoting, so `deploy.sh {{ version }}` is
//! safe whatever the version holds. There is no `safe` escape hatch on purpose. The environment
//! has no functions that read files or the process environment.

use std::collections::BTreeMap;

use minijinja::{Environment, UndefinedBehavior, Value};
use serde::Serialize;

use crate::error::{Error, Result};

/// The values a command template can use.
#[derive(Debug, Clone, Serialize, Default)]
pub struct RenderContext {
    pub app: String,
    pub version: String,
    pub previous_version: String,
    pub host: String,
    pub release: u64,
    pub vars: BTreeMap<String, String>,
}

/// Conveyor wrote `%(id)s` (the app) and `%(version)s`; accept them so old specs keep working.
fn translate_conveyor(template: &str) -> String {
    template
        .replace("%(id)s", "{{ app }}")
        .replace("%(app)s", "{{ app }}")
        .replace("%(version)s", "{{ version }}")
        .replace("%(host)s", "{{ host }}")
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_formatter(|out, _state, value| {
        let text = value.to_string();
        let quoted = shlex::try_quote(&text).map_err(|e| {
            minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string())
        })?;
        out.write_str(&quoted)
            .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))
    });
    env
}

/// Render `template` with `ctx`; every `{{ … }}` output is a single shell word.
pub fn render(template: &str, ctx: &RenderContext) -> Result<String> {
    let source = translate_conveyor(template);
    environment()
        .render_str(&source, Value::from(minijinja::value::Serde(ctx)))
        .map_err(|e| Error::invalid("command template", template, describe(&e)))
}

/// Render a template whose result is not a shell command (a git ref): values are inserted as
/// they are, and the result must be a plain ref name.
pub fn render_raw(template: &str, ctx: &RenderContext) -> Result<String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    let out = env
        .render_str(
            &translate_conveyor(template),
            Value::from(minijinja::value::Serde(ctx)),
        )
        .map_err(|e| Error::invalid("template", template, describe(&e)))?;
    let ok = !out.is_empty()
        && !out.starts_with('-')
        && !out.contains("..")
        && out
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/+~".contains(c));
    if !ok {
        return Err(Error::invalid("git ref", &out, "not a plain ref name"));
    }
    Ok(out)
}

/// Check that a template parses (at publish time, before any host sees it).
pub fn check_syntax(template: &str) -> Result<()> {
    let source = translate_conveyor(template);
    let env = environment();
    env.template_from_str(&source)
        .map(|_| ())
        .map_err(|e| Error::invalid("command template", template, describe(&e)))
}

fn describe(e: &minijinja::Error) -> String {
    match e.detail() {
        Some(d) => format!("{}: {d}", e.kind()),
        None => e.kind().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> RenderContext {
        RenderContext {
            app: "web".into(),
            version: "1.2".into(),
            previous_version: String::new(),
            host: "h1".into(),
            release: 3,
            vars: [("greeting".to_string(), "hi there; rm -rf /".to_string())].into(),
        }
    }

    #[test]
    fn plain_values_render_bare() {
        assert_eq!(
            render("deploy {{ app }} {{ version }} r{{ release }}", &ctx()).unwrap(),
            "deploy web 1.2 r3"
        );
    }

    #[test]
    fn hostile_values_are_one_quoted_word() {
        let out = render("echo {{ vars.greeting }}", &ctx()).unwrap();
        assert_eq!(out, "echo 'hi there; rm -rf /'");
        let mut c = ctx();
        c.vars.insert("q".into(), "it's $(id) `id`".into());
        let out = render("echo {{ vars.q }}", &c).unwrap();
        let words = shlex::split(&out).unwrap();
        assert_eq!(words, vec!["echo", "it's $(id) `id`"]);
    }

    #[test]
    fn empty_value_is_an_empty_word() {
        assert_eq!(
            render("x {{ previous_version }} y", &ctx()).unwrap(),
            "x '' y"
        );
    }

    #[test]
    fn conveyor_placeholders() {
        assert_eq!(
            render("install %(id)s==%(version)s", &ctx()).unwrap(),
            "install web==1.2"
        );
    }

    #[test]
    fn unknown_variable_is_an_error_naming_the_template() {
        let e = render("deploy {{ vresion }}", &ctx()).unwrap_err();
        assert!(e.to_string().contains("{{ vresion }}"), "{e}");
        assert_eq!(e.exit_code().code(), 2);
        assert!(render("deploy {{ vars.nope }}", &ctx()).is_err());
    }

    #[test]
    fn raw_refs() {
        assert_eq!(render_raw("v{{ version }}", &ctx()).unwrap(), "v1.2");
        assert_eq!(
            render_raw("release/{{ version }}", &ctx()).unwrap(),
            "release/1.2"
        );
        let mut c = ctx();
        c.version = "1.0;rm".into();
        assert!(render_raw("{{ version }}", &c).is_err());
        assert!(render_raw("../{{ version }}", &ctx()).is_err());
    }

    #[test]
    fn syntax_errors_are_caught_early() {
        assert!(check_syntax("deploy {{ version").is_err());
        check_syntax("deploy {{ version }}").unwrap();
    }
}
