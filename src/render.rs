//! Command templates: minijinja, with no interpolated value ever in the command text.
//!
//! Injection is impossible by construction, not by quoting: the formatter does not write a
//! value into the output, it writes a marker and records the value. A small shell scanner then
//! replaces each marker with a *reference* to an environment variable that carries the value
//! (`DEPLOYCTL_V1`, `DEPLOYCTL_V2`, …), written to suit where the marker sits:
//!
//! - unquoted: `"${DEPLOYCTL_V1}"` (one word, whatever the value holds);
//! - inside double quotes (or an unquoted here-document): `${DEPLOYCTL_V1}`;
//! - inside single quotes (or a quoted here-document) — text that only a nested shell such as
//!   `sh -c '…'` can parse — the reference that the nested shell needs at that point of *its*
//!   script, left literal, so the nested shell expands it from the environment it inherits.
//!
//! The shell expands a parameter once and never parses the result as code, so a value cannot
//! end a quote, substitute a command or start a new one. The command text holds no value (and so
//! no secret: argv is readable by every local user); the values travel in the command's
//! environment ([`Script::env`]). Filters still run before the formatter
//! (`{{ version | upper }}`). Passing a value to something that parses it as code (`eval`,
//! `sh -c "{{ x }}"`) is the template author's own injection (docs/security.md).
//!
//! Rendering has limits (fuel, output size, value sizes), so a hostile template fails with a
//! reason instead of running for ever. There is no `safe` escape hatch, and the environment has
//! no functions that read files or the process environment.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use minijinja::{Environment, ErrorKind, UndefinedBehavior, Value};
use serde::Serialize;

use crate::error::{Error, Result};

/// Largest value a command can receive, and largest var a release may carry: one environment
/// string must stay well under Linux's 128 KiB `MAX_ARG_STRLEN`.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// Largest rendered command text (it is one argv string of `sh -c`).
pub const MAX_SCRIPT_BYTES: usize = 64 * 1024;
/// Largest sum of the values one command receives (argv + environment share about 2 MiB).
pub const MAX_ENV_BYTES: usize = 1024 * 1024;
/// Template instructions one render may execute: far above any real command template, far
/// below a loop that would keep an agent busy (a render this size takes milliseconds).
pub const FUEL: u64 = 500_000;

/// Prefix of the environment variables that carry values (`DEPLOYCTL_V1`, …).
pub const VALUE_ENV_PREFIX: &str = "DEPLOYCTL_V";

/// Marker delimiters: private-use characters; a template containing them is refused, so a
/// marker cannot be forged from template text.
const MARK_OPEN: char = '\u{E000}';
const MARK_CLOSE: char = '\u{E001}';

/// The values a command template can use.
#[derive(Debug, Clone, Serialize, Default)]
pub struct RenderContext {
    pub app: String,
    pub version: String,
    pub previous_version: String,
    pub host: String,
    /// The host's group for this release: the first of its groups the release targets (or its
    /// first group, for a release with none); empty without groups.
    pub group: String,
    pub release: u64,
    pub vars: BTreeMap<String, String>,
}

/// A rendered command: shell text that holds no value, and the environment that carries them.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Script {
    pub text: String,
    pub env: Vec<(String, String)>,
}

impl Script {
    /// A command with no values (a fixed script).
    pub fn plain(text: impl Into<String>) -> Self {
        Script {
            text: text.into(),
            env: vec![],
        }
    }
}

/// Names only: the values may be secrets.
impl std::fmt::Debug for Script {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Script")
            .field("text", &self.text)
            .field(
                "env",
                &self.env.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Conveyor wrote `%(id)s` (the app) and `%(version)s`, and its configs reached into the deploy
/// request's data as `%(data[version])s`; accept them so old specs keep working.
fn translate_conveyor(template: &str) -> String {
    translate_conveyor_data(template)
        .replace("%(id)s", "{{ app }}")
        .replace("%(app)s", "{{ app }}")
        .replace("%(version)s", "{{ version }}")
        .replace("%(host)s", "{{ host }}")
}

/// `%(data[KEY])s`: the built-in values by their names (`id` is the app), any other KEY a var
/// (`{{ vars.KEY }}`, so an unknown one is the usual unknown-variable error). A KEY that is not a
/// plain name is left as it is.
fn translate_conveyor_data(template: &str) -> String {
    const OPEN: &str = "%(data[";
    const CLOSE: &str = "])s";
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.find(OPEN) {
        out.push_str(&rest[..i]);
        let after = &rest[i + OPEN.len()..];
        let key = after
            .find(CLOSE)
            .map(|j| &after[..j])
            .filter(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        match key {
            Some(key) => {
                out.push_str(&match key {
                    "id" | "app" => "{{ app }}".to_string(),
                    "version" | "host" | "release" | "previous_version" => {
                        format!("{{{{ {key} }}}}")
                    }
                    other => format!("{{{{ vars.{other} }}}}"),
                });
                rest = &after[key.len() + CLOSE.len()..];
            }
            None => {
                out.push_str(OPEN);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Why a render failed: `limit` when the template did too much work or produced too much.
struct RenderError {
    limit: bool,
    reason: String,
}

fn base_environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    env
}

fn environment(values: Arc<Mutex<Vec<String>>>) -> Environment<'static> {
    let mut env = base_environment();
    env.set_formatter(move |out, _state, value| {
        let text = value.to_string();
        if text.contains(MARK_OPEN) {
            // A value built from template output (a macro call, a filter block) would carry
            // another value's marker instead of that value.
            return Err(minijinja::Error::new(
                ErrorKind::InvalidOperation,
                "a value built from rendered output (a macro call or a filter block) cannot be used in a command",
            ));
        }
        if text.len() > MAX_VALUE_BYTES {
            return Err(minijinja::Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "a value of {} bytes is too large for a command (limit {MAX_VALUE_BYTES})",
                    text.len()
                ),
            ));
        }
        let mut values = values.lock().map_err(|_| {
            minijinja::Error::new(ErrorKind::InvalidOperation, "render state poisoned")
        })?;
        // The same value twice is one variable (a loop over a big value stays small).
        let n = match values.iter().position(|v| *v == text) {
            Some(i) => i + 1,
            None => {
                values.push(text);
                values.len()
            }
        };
        out.write_str(&format!("{MARK_OPEN}{n}{MARK_CLOSE}"))
            .map_err(|e| minijinja::Error::new(ErrorKind::WriteFailure, e.to_string()))
    });
    env
}

/// Collects the output up to [`MAX_SCRIPT_BYTES`] (markers are short, so this bounds the work).
struct Capped {
    buf: Vec<u8>,
    overflow: bool,
}

impl std::io::Write for Capped {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() + data.len() > MAX_SCRIPT_BYTES {
            self.overflow = true;
            return Err(std::io::Error::other("output too large"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn render_inner(template: &str, ctx: &RenderContext) -> std::result::Result<Script, RenderError> {
    let source = translate_conveyor(template);
    if source.contains([MARK_OPEN, MARK_CLOSE]) {
        return Err(RenderError {
            limit: false,
            reason: "contains U+E000/U+E001 (reserved for deployctl's value markers)".into(),
        });
    }
    let values = Arc::new(Mutex::new(Vec::new()));
    let env = environment(values.clone());
    let plain = |e: minijinja::Error| RenderError {
        limit: false,
        reason: describe(&e),
    };
    let tmpl = env.template_from_str(&source).map_err(plain)?;
    let mut out = Capped {
        buf: Vec::new(),
        overflow: false,
    };
    if let Err(e) = tmpl.render_captured_to(Value::from(minijinja::value::Serde(ctx)), &mut out) {
        return Err(if out.overflow {
            RenderError {
                limit: true,
                reason: format!("renders to more than {MAX_SCRIPT_BYTES} bytes"),
            }
        } else if e.kind() == ErrorKind::OutOfFuel {
            RenderError {
                limit: true,
                reason: format!("does too much work (more than {FUEL} template steps)"),
            }
        } else {
            plain(e)
        });
    }
    let marked = String::from_utf8(out.buf).map_err(|_| RenderError {
        limit: false,
        reason: "rendered output is not UTF-8".into(),
    })?;
    let values = std::mem::take(&mut *values.lock().map_err(|_| RenderError {
        limit: false,
        reason: "render state poisoned".into(),
    })?);
    let total: usize = values.iter().map(String::len).sum();
    if total > MAX_ENV_BYTES {
        return Err(RenderError {
            limit: true,
            reason: format!(
                "passes {total} bytes of values to one command (limit {MAX_ENV_BYTES})"
            ),
        });
    }
    let text = shell::substitute(&marked);
    if text.len() > MAX_SCRIPT_BYTES {
        return Err(RenderError {
            limit: true,
            reason: format!("renders to more than {MAX_SCRIPT_BYTES} bytes"),
        });
    }
    let env = values
        .into_iter()
        .enumerate()
        .map(|(i, v)| (value_env_name(i + 1), v))
        .collect();
    Ok(Script { text, env })
}

fn value_env_name(n: usize) -> String {
    format!("{VALUE_ENV_PREFIX}{n}")
}

/// Render `template` with `ctx`: the command text and the values it refers to.
pub fn render(template: &str, ctx: &RenderContext) -> Result<Script> {
    render_inner(template, ctx).map_err(|e| Error::invalid("command template", template, e.reason))
}

/// At publish time: refuse a template that would exceed the render limits with this context
/// (other errors may depend on the host and are left to the agent, as before).
pub fn check_limits(template: &str, ctx: &RenderContext) -> Result<()> {
    match render_inner(template, ctx) {
        Err(e) if e.limit => Err(Error::invalid("command template", template, e.reason)),
        _ => Ok(()),
    }
}

/// Render a template whose result is no shell command (a PromQL query of a metric check): values
/// are inserted as they are.
pub fn render_text(template: &str, ctx: &RenderContext) -> Result<String> {
    base_environment()
        .render_str(
            &translate_conveyor(template),
            Value::from(minijinja::value::Serde(ctx)),
        )
        .map_err(|e| Error::invalid("template", template, describe(&e)))
}

/// Render a template whose result is a git ref: values are inserted as they are, and the result
/// must be a plain ref name.
pub fn render_raw(template: &str, ctx: &RenderContext) -> Result<String> {
    let out = render_text(template, ctx)?;
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
    if source.contains([MARK_OPEN, MARK_CLOSE]) {
        return Err(Error::invalid(
            "command template",
            template,
            "contains U+E000/U+E001 (reserved for deployctl's value markers)",
        ));
    }
    let env = base_environment();
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

/// The shell quote-context scanner that turns markers into environment references.
mod shell {
    use super::{MARK_CLOSE, MARK_OPEN, value_env_name};

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub(super) enum Tok {
        C(char),
        /// The n-th value (1-based).
        M(usize),
    }

    pub(super) fn tokens(text: &str) -> Vec<Tok> {
        let mut out = vec![];
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == MARK_OPEN {
                let digits: String = chars.by_ref().take_while(|c| *c != MARK_CLOSE).collect();
                // Only the formatter writes markers (templates holding the delimiters are refused).
                out.push(Tok::M(digits.parse().unwrap_or(0)));
            } else {
                out.push(Tok::C(c));
            }
        }
        out
    }

    /// Where unquoted shell code ends.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    enum Close {
        Eof,
        /// `$( … )`, with the depth of nested parentheses.
        Paren(u32),
        Backtick,
    }

    #[derive(Clone, PartialEq, Eq, Debug)]
    enum Frame {
        Code(Close),
        Double,
        /// `'…'` (or `$'…'`, where backslash escapes): text only a nested shell parses.
        Single {
            start: usize,
            ansi: bool,
        },
        Comment,
        HereDoc {
            delim: Vec<char>,
            strip_tabs: bool,
            expand: bool,
            start: Option<usize>,
        },
    }

    struct Scanner {
        stack: Vec<Frame>,
        /// Here-documents announced on the current line (`<<EOF`), read after its newline.
        pending: Vec<Frame>,
        word_start: bool,
    }

    fn is_char(toks: &[Tok], i: usize, c: char) -> bool {
        toks.get(i) == Some(&Tok::C(c))
    }

    impl Scanner {
        fn new() -> Self {
            Scanner {
                stack: vec![Frame::Code(Close::Eof)],
                pending: vec![],
                word_start: true,
            }
        }

        fn top(&mut self) -> &mut Frame {
            if self.stack.is_empty() {
                self.stack.push(Frame::Code(Close::Eof));
            }
            let n = self.stack.len() - 1;
            &mut self.stack[n]
        }

        /// What to write for value `n` at `toks[i]`, given everything before it.
        fn reference(&mut self, toks: &[Tok], i: usize, n: usize) -> String {
            let name = value_env_name(n);
            match self.top().clone() {
                Frame::Code(_) | Frame::Comment => format!("\"${{{name}}}\""),
                Frame::Double | Frame::HereDoc { expand: true, .. } => format!("${{{name}}}"),
                // Literal text for a nested shell: the reference *that* shell needs here.
                Frame::Single { start, .. }
                | Frame::HereDoc {
                    expand: false,
                    start: Some(start),
                    ..
                } => {
                    let inner = &toks[start..i];
                    let mut nested = Scanner::new();
                    nested.run(inner);
                    nested.reference(inner, inner.len(), n)
                }
                Frame::HereDoc { start: None, .. } => format!("\"${{{name}}}\""),
            }
        }

        fn run(&mut self, toks: &[Tok]) {
            let mut i = 0;
            while i < toks.len() {
                i += self.step(toks, i);
            }
        }

        /// Advance over `toks[i]` (and the chars of an operator it starts); returns how many
        /// tokens were consumed (0: the frame changed and the token is to be looked at again).
        fn step(&mut self, toks: &[Tok], i: usize) -> usize {
            let tok = toks[i];
            let next = |k: usize| toks.get(i + k).copied();
            match self.top().clone() {
                Frame::Code(close) => {
                    let Tok::C(c) = tok else {
                        self.word_start = false;
                        return 1;
                    };
                    let was_word_start = self.word_start;
                    self.word_start = c.is_whitespace() || ";&|()<>".contains(c);
                    match c {
                        '\\' if matches!(next(1), Some(Tok::C(_))) => return 2,
                        '\'' => self.stack.push(Frame::Single {
                            start: i + 1,
                            ansi: false,
                        }),
                        '"' => self.stack.push(Frame::Double),
                        '`' if close == Close::Backtick => {
                            self.stack.pop();
                        }
                        '`' => self.stack.push(Frame::Code(Close::Backtick)),
                        '$' if is_char(toks, i + 1, '\'') => {
                            self.stack.push(Frame::Single {
                                start: i + 2,
                                ansi: true,
                            });
                            return 2;
                        }
                        '$' if is_char(toks, i + 1, '(') => {
                            self.stack.push(Frame::Code(Close::Paren(0)));
                            return 2;
                        }
                        '(' => {
                            if let Frame::Code(Close::Paren(d)) = self.top() {
                                *d += 1;
                            }
                        }
                        ')' => {
                            if let Frame::Code(Close::Paren(d)) = self.top() {
                                if *d == 0 {
                                    self.stack.pop();
                                } else {
                                    *d -= 1;
                                }
                            }
                        }
                        '#' if was_word_start => self.stack.push(Frame::Comment),
                        '<' if is_char(toks, i + 1, '<') && !is_char(toks, i + 2, '<') => {
                            return self.here_doc(toks, i);
                        }
                        '\n' if !self.pending.is_empty() => {
                            // The bodies follow this line, the first announced on top.
                            let mut pending = std::mem::take(&mut self.pending);
                            pending.reverse();
                            self.stack.extend(pending);
                            self.word_start = true;
                        }
                        _ => {}
                    }
                    1
                }
                Frame::Double => match tok {
                    Tok::C('\\') if matches!(next(1), Some(Tok::C(_))) => 2,
                    Tok::C('"') => {
                        self.stack.pop();
                        self.word_start = false;
                        1
                    }
                    Tok::C('$') if is_char(toks, i + 1, '(') => {
                        self.stack.push(Frame::Code(Close::Paren(0)));
                        self.word_start = true;
                        2
                    }
                    Tok::C('`') => {
                        self.stack.push(Frame::Code(Close::Backtick));
                        self.word_start = true;
                        1
                    }
                    _ => 1,
                },
                Frame::Single { ansi, .. } => match tok {
                    Tok::C('\\') if ansi && matches!(next(1), Some(Tok::C(_))) => 2,
                    Tok::C('\'') => {
                        self.stack.pop();
                        self.word_start = false;
                        1
                    }
                    _ => 1,
                },
                Frame::Comment => {
                    if tok == Tok::C('\n') {
                        // The newline ends the comment and may start here-document bodies.
                        self.stack.pop();
                        return 0;
                    }
                    1
                }
                Frame::HereDoc {
                    delim,
                    strip_tabs,
                    expand,
                    start,
                } => {
                    if start.is_none()
                        && let Frame::HereDoc { start, .. } = self.top()
                    {
                        *start = Some(i);
                    }
                    let line_start = start.is_none() || is_char(toks, i.wrapping_sub(1), '\n');
                    if line_start {
                        let mut j = i;
                        if strip_tabs {
                            while is_char(toks, j, '\t') {
                                j += 1;
                            }
                        }
                        let matches = delim
                            .iter()
                            .enumerate()
                            .all(|(k, c)| is_char(toks, j + k, *c))
                            && (j + delim.len() == toks.len()
                                || is_char(toks, j + delim.len(), '\n'));
                        if matches {
                            self.stack.pop();
                            self.word_start = true;
                            return (j + delim.len() + 1).min(toks.len()) - i;
                        }
                    }
                    if !expand {
                        return 1;
                    }
                    match tok {
                        Tok::C('\\') if matches!(next(1), Some(Tok::C(_))) => 2,
                        Tok::C('$') if is_char(toks, i + 1, '(') => {
                            self.stack.push(Frame::Code(Close::Paren(0)));
                            self.word_start = true;
                            2
                        }
                        Tok::C('`') => {
                            self.stack.push(Frame::Code(Close::Backtick));
                            self.word_start = true;
                            1
                        }
                        _ => 1,
                    }
                }
            }
        }

        /// `<<WORD`, `<<-WORD`, `<<'WORD'`: note the here-document; consume only the operator
        /// (the word is ordinary shell text).
        fn here_doc(&mut self, toks: &[Tok], i: usize) -> usize {
            let mut j = i + 2;
            let strip_tabs = is_char(toks, j, '-');
            if strip_tabs {
                j += 1;
            }
            let operator = j - i;
            while matches!(toks.get(j), Some(Tok::C(' ' | '\t'))) {
                j += 1;
            }
            let mut delim = vec![];
            let mut quoted = false;
            let mut quote: Option<char> = None;
            while let Some(Tok::C(c)) = toks.get(j).copied() {
                match (quote, c) {
                    (None, '\'' | '"') => {
                        quoted = true;
                        quote = Some(c);
                    }
                    (Some(q), c) if c == q => quote = None,
                    (None, '\\') => {
                        quoted = true;
                        if let Some(Tok::C(e)) = toks.get(j + 1).copied() {
                            delim.push(e);
                            j += 1;
                        }
                    }
                    (None, c) if c.is_whitespace() || ";&|()<>".contains(c) => break,
                    (_, c) => delim.push(c),
                }
                j += 1;
            }
            if !delim.is_empty() {
                self.pending.push(Frame::HereDoc {
                    delim,
                    strip_tabs,
                    expand: !quoted,
                    start: None,
                });
            }
            self.word_start = true;
            operator
        }
    }

    /// Replace every marker in `marked` by a reference to its environment variable.
    pub(super) fn substitute(marked: &str) -> String {
        let toks = tokens(marked);
        let mut out = String::with_capacity(marked.len());
        let mut sc = Scanner::new();
        let mut i = 0;
        while i < toks.len() {
            if let Tok::M(n) = toks[i] {
                out.push_str(&sc.reference(&toks, i, n));
            }
            let used = sc.step(&toks, i);
            for t in &toks[i..i + used] {
                if let Tok::C(c) = t {
                    out.push(*c);
                }
            }
            i += used;
        }
        out
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
            group: String::new(),
            release: 3,
            vars: [("greeting".to_string(), "hi there; rm -rf /".to_string())].into(),
        }
    }

    /// Run a rendered script with real `sh` and its values in the environment; its stdout.
    fn sh(script: &Script) -> String {
        let out = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(&script.text)
            .envs(script.env.iter().map(|(k, v)| (k, v)))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn with_x(value: &str) -> RenderContext {
        let mut c = ctx();
        c.vars.insert("x".into(), value.into());
        c
    }

    #[test]
    fn values_travel_in_the_environment() {
        let s = render("deploy {{ app }} {{ version }} r{{ release }}", &ctx()).unwrap();
        assert_eq!(
            s.text,
            r#"deploy "${DEPLOYCTL_V1}" "${DEPLOYCTL_V2}" r"${DEPLOYCTL_V3}""#
        );
        assert_eq!(
            s.env,
            vec![
                ("DEPLOYCTL_V1".to_string(), "web".to_string()),
                ("DEPLOYCTL_V2".to_string(), "1.2".to_string()),
                ("DEPLOYCTL_V3".to_string(), "3".to_string()),
            ]
        );
        assert_eq!(
            sh(&render("echo deploy {{ app }} {{ version }} r{{ release }}", &ctx()).unwrap()),
            "deploy web 1.2 r3\n"
        );
    }

    #[test]
    fn hostile_values_are_one_word() {
        let s = render("printf '%s|' {{ vars.greeting }}", &ctx()).unwrap();
        assert!(!s.text.contains("rm -rf"), "{s:?}");
        assert_eq!(sh(&s), "hi there; rm -rf /|");
        let c = with_x("it's $(id) `id`");
        assert_eq!(
            sh(&render("printf '%s|' {{ vars.x }}", &c).unwrap()),
            "it's $(id) `id`|"
        );
    }

    #[test]
    fn empty_value_is_an_empty_word() {
        let s = render("printf '<%s>' x {{ previous_version }} y", &ctx()).unwrap();
        assert_eq!(sh(&s), "<x><><y>");
    }

    #[test]
    fn the_same_value_is_one_variable() {
        let s = render("{{ app }} {{ app }} {{ version }}", &ctx()).unwrap();
        assert_eq!(s.env.len(), 2);
    }

    #[test]
    fn filters_apply_before_the_value_is_passed() {
        let s = render("echo {{ version | upper }}-{{ app | upper }}", &ctx()).unwrap();
        assert_eq!(sh(&s), "1.2-WEB\n");
    }

    #[test]
    fn inside_double_quotes_the_value_is_data() {
        let dir = tempfile::tempdir().unwrap();
        let pwned = dir.path().join("PWNED");
        let c = with_x(&format!(
            "eu$(touch {0})`touch {0}`\"; touch {0}; \"",
            pwned.display()
        ));
        let s = render(r#"echo "deploying to {{ vars.x }}""#, &c).unwrap();
        assert_eq!(s.text, r#"echo "deploying to ${DEPLOYCTL_V1}""#);
        assert_eq!(sh(&s), format!("deploying to {}\n", c.vars["x"]));
        assert!(!pwned.exists());
    }

    #[test]
    fn inside_a_nested_shell_the_nested_shell_expands_it() {
        let dir = tempfile::tempdir().unwrap();
        let pwned = dir.path().join("PWNED");
        let c = with_x(&format!("a'; touch {0}; '$(touch {0})", pwned.display()));
        let s = render("sh -c 'echo got {{ vars.x }}'", &c).unwrap();
        assert_eq!(s.text, r#"sh -c 'echo got "${DEPLOYCTL_V1}"'"#);
        assert_eq!(sh(&s), format!("got {}\n", c.vars["x"]));
        // In the nested shell's own double quotes: a bare reference.
        let s = render(r#"sh -c 'echo "got {{ vars.x }}"'"#, &c).unwrap();
        assert_eq!(s.text, r#"sh -c 'echo "got ${DEPLOYCTL_V1}"'"#);
        assert_eq!(sh(&s), format!("got {}\n", c.vars["x"]));
        // Two levels down, through the usual '\'' dance.
        let s = render(r#"sh -c 'sh -c '\''echo {{ vars.x }}'\'''"#, &c).unwrap();
        assert_eq!(sh(&s), format!("{}\n", c.vars["x"]));
        assert!(!pwned.exists());
    }

    #[test]
    fn command_substitution_and_backticks_are_code() {
        let c = with_x("a  b*");
        let s = render(
            r#"echo "$(printf '%s|' {{ vars.x }})" "`printf '%s|' {{ vars.x }}`""#,
            &c,
        )
        .unwrap();
        assert_eq!(sh(&s), "a  b*| a  b*|\n");
    }

    #[test]
    fn here_documents() {
        let c = with_x("it's \"eu\" $(id)");
        let s = render(
            "cat <<EOF\nregion={{ vars.x }} isn't\nEOF\necho {{ version }}",
            &c,
        )
        .unwrap();
        assert_eq!(sh(&s), format!("region={} isn't\n1.2\n", c.vars["x"]));
        // A quoted here-document is a script for a nested shell.
        let s = render("sh <<'EOF'\necho {{ vars.x }}\nEOF", &c).unwrap();
        assert_eq!(sh(&s), format!("{}\n", c.vars["x"]));
    }

    #[test]
    fn comments_do_not_confuse_the_scanner() {
        let c = with_x("x y");
        let s = render("# don't\nprintf '%s|' {{ vars.x }}", &c).unwrap();
        assert_eq!(sh(&s), "x y|");
    }

    #[test]
    fn markers_cannot_be_forged() {
        let e = render("echo \u{E000}1\u{E001}", &ctx()).unwrap_err();
        assert_eq!(e.exit_code().code(), 2);
        assert!(check_syntax("echo \u{E000}1\u{E001}").is_err());
        // A value built from rendered output is refused rather than passed wrong.
        let e = render(
            "{% macro m(v) %}echo {{ v }}{% endmacro %}{{ m(version) }}",
            &ctx(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("macro"), "{e}");
    }

    #[test]
    fn debug_output_hides_values() {
        let s = render("echo {{ vars.greeting }}", &ctx()).unwrap();
        assert!(!format!("{s:?}").contains("rm -rf"));
    }

    #[test]
    fn conveyor_placeholders() {
        let s = render("echo install %(id)s==%(version)s", &ctx()).unwrap();
        assert_eq!(sh(&s), "install web==1.2\n");
        let s = render(
            "echo %(data[id])s %(data[version])s on %(data[host])s: %(data[greeting])s",
            &ctx(),
        )
        .unwrap();
        assert_eq!(sh(&s), "web 1.2 on h1: hi there; rm -rf /\n");
        // Not a plain key, or not closed: left alone (the shell sees the text).
        assert_eq!(
            translate_conveyor_data("a %(data[x y])s %(data[v"),
            "a %(data[x y])s %(data[v"
        );
        let e = render("echo %(data[nosuch])s", &ctx()).unwrap_err();
        assert!(e.to_string().contains("nosuch"), "{e}");
        assert_eq!(e.exit_code().code(), 2);
    }

    #[test]
    fn unknown_variable_is_an_error_naming_the_template() {
        let e = render("deploy {{ vresion }}", &ctx()).unwrap_err();
        assert!(e.to_string().contains("{{ vresion }}"), "{e}");
        assert_eq!(e.exit_code().code(), 2);
        assert!(render("deploy {{ vars.nope }}", &ctx()).is_err());
    }

    #[test]
    fn template_bombs_stop_with_a_reason() {
        let started = std::time::Instant::now();
        // The issue's bomb: stopped by the output cap.
        let bomb =
            "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}";
        let e = render(bomb, &ctx()).unwrap_err();
        assert!(e.to_string().contains("more than"), "{e}");
        assert!(check_limits(bomb, &ctx()).is_err());
        // No output at all: stopped by the fuel.
        let silent =
            "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}";
        let e = render(silent, &ctx()).unwrap_err();
        assert!(e.to_string().contains("too much work"), "{e}");
        assert!(check_limits(silent, &ctx()).is_err());
        assert!(render_raw(silent, &ctx()).is_err());
        // Few steps, much output.
        let wide = format!(
            "{{% for i in range(1000) %}}{}{{% endfor %}}",
            "x".repeat(1000)
        );
        let e = render(&wide, &ctx()).unwrap_err();
        assert!(e.to_string().contains("more than"), "{e}");
        let big = render("{{ 'x' * 100000 }}", &ctx()).unwrap_err();
        assert!(big.to_string().contains("too large"), "{big}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // Other errors are the agent's to report (they may depend on the host).
        check_limits("{{ nope }}", &ctx()).unwrap();
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
