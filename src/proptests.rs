//! Property tests: validation, rendering and spec parsing hold for arbitrary input.

use proptest::prelude::*;

use crate::model::{HostStatus, ReleaseSpec};
use crate::render::Script;
use crate::render::{RenderContext, render};
use crate::validate;

fn run_sh(script: &Script, dir: &std::path::Path) -> std::process::Output {
    std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(&script.text)
        .envs(script.env.iter().map(|(k, v)| (k, v)))
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

/// Shell text around values: quotes, substitutions, separators, words.
fn fragment(nested: bool) -> BoxedStrategy<String> {
    let mut frags = vec![
        "echo ",
        "\"",
        "$(",
        ")",
        "`",
        ";",
        " ",
        "\n",
        "printf %s ",
        "a",
        "b1",
        "-n",
        "x=1",
        "{{ vars.x }}",
        "{{ vars.y }}",
        "{{ vars.x | upper }}",
    ];
    if !nested {
        frags.push("'");
    }
    proptest::sample::select(frags)
        .prop_map(str::to_string)
        .boxed()
}

/// A template: top-level fragments and nested shells `sh -c '…' ` whose script is built from
/// the same fragments (the value lands *inside* the nested script, never as all of it).
fn template() -> impl Strategy<Value = String> {
    let nested = proptest::collection::vec(fragment(true), 0..8)
        .prop_map(|inner| format!("sh -c '{}' ", inner.concat()));
    proptest::collection::vec(prop_oneof![4 => fragment(false), 1 => nested], 1..12)
        .prop_map(|parts| parts.concat())
}

/// Values that try every way out of a word: quotes, substitutions, separators, newlines.
fn hostile_value() -> impl Strategy<Value = String> {
    let pieces = proptest::sample::select(vec![
        "$(touch PWNED)",
        "`touch PWNED`",
        "'; touch PWNED; '",
        "\"; touch PWNED; \"",
        "\ntouch PWNED\n",
        "; touch PWNED",
        "& touch PWNED",
        "| touch PWNED",
        "'\\''",
        "\\",
        "$",
        "\"",
        "'",
        ")",
        "(",
        "${IFS}",
        "eu-west-1",
        " ",
        "*",
        "#",
        "\"$(touch PWNED)\"",
        "')touch PWNED('",
        "\\$(touch PWNED)",
    ]);
    proptest::collection::vec(pieces, 1..5).prop_map(|p| p.concat())
}

proptest! {
    /// An accepted version or app name never needs shell quoting: no metacharacter gets through.
    #[test]
    fn accepted_names_are_plain_shell_words(s in "\\PC{0,40}") {
        if validate::version(&s).is_ok() {
            prop_assert_eq!(shlex::try_quote(&s).unwrap(), s.as_str());
        }
        if validate::app_name(&s).is_ok() {
            prop_assert!(!s.contains('/') && s != ".." && !s.starts_with('.'));
            prop_assert_eq!(shlex::try_quote(&s).unwrap(), s.as_str());
        }
    }

    /// Whatever a var holds, the command text does not contain it: it is a reference to the
    /// environment variable that carries it. (NUL and the two marker characters are refused at
    /// publish: `validate::var_value`.)
    #[test]
    fn any_value_stays_out_of_the_command_text(value in "[^\\x00\u{E000}\u{E001}]{1,60}") {
        let ctx = RenderContext {
            app: "web".into(),
            version: "1.0".into(),
            vars: [("x".to_string(), value.clone())].into(),
            ..Default::default()
        };
        let out = render("echo {{ vars.x }}", &ctx).unwrap();
        prop_assert_eq!(out.text, r#"echo "${DEPLOYCTL_V1}""#);
        prop_assert_eq!(out.env, vec![("DEPLOYCTL_V1".to_string(), value)]);
    }

    /// Real `sh` gets the value back, whole (a smaller sample: it starts a process per case).
    #[test]
    fn sh_prints_the_value_back(value in "[^\\x00\u{E000}\u{E001}]{0,30}") {
        let ctx = RenderContext { vars: [("x".to_string(), value.clone())].into(), ..Default::default() };
        for template in ["printf %s {{ vars.x }}", "printf %s \"{{ vars.x }}\"", "sh -c 'printf %s {{ vars.x }}'"] {
            let out = run_sh(&render(template, &ctx).unwrap(), std::path::Path::new("/"));
            prop_assert_eq!(String::from_utf8_lossy(&out.stdout).into_owned(), value.clone(), "{}", template);
        }
    }

    /// Parsing what a znode holds never panics, whatever the bytes.
    #[test]
    fn znode_parsing_never_panics(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = ReleaseSpec::from_znode("web", &data);
        let _ = HostStatus::from_znode("h1", &data);
        let _ = crate::agent::config::AgentConfig::parse(&String::from_utf8_lossy(&data));
    }

    /// A valid spec survives the trip through its JSON form.
    #[test]
    fn spec_json_round_trip(
        version in "[0-9]{1,3}\\.[0-9]{1,3}(-[a-z0-9]{1,8})?",
        slots in 1u32..50,
        vars in proptest::collection::btree_map("[a-z_][a-z0-9_]{0,10}", "\\PC{0,20}", 0..4),
        cmd in proptest::option::of("[a-z {}.]{1,30}"),
    ) {
        let spec = ReleaseSpec { slots, vars, deploy_cmd: cmd, ..ReleaseSpec::new("web", &version) };
        prop_assume!(spec.validate().is_ok());
        let back = ReleaseSpec::from_znode("web", &spec.to_json()).unwrap();
        prop_assert_eq!(back, spec);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    /// Whatever the template does with quotes and nested shells, a value is never run as code:
    /// the rendered command runs under real `/bin/sh` and the canary file never appears.
    #[test]
    fn values_are_never_run_as_code(t in template(), x in hostile_value(), y in hostile_value()) {
        let ctx = RenderContext {
            vars: [("x".to_string(), x), ("y".to_string(), y)].into(),
            ..Default::default()
        };
        let Ok(script) = render(&t, &ctx) else { return Ok(()) };
        let dir = tempfile::tempdir().unwrap();
        let out = run_sh(&script, dir.path());
        prop_assert!(
            !dir.path().join("PWNED").exists(),
            "template {:?} rendered as {:?} ran a value: {}",
            t, script.text, String::from_utf8_lossy(&out.stderr)
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    /// Hostile templates are errors, never panics.
    #[test]
    fn arbitrary_templates_never_panic(t in "\\PC{0,80}") {
        let _ = crate::render::check_syntax(&t);
        let _ = render(&t, &RenderContext::default());
    }
}
