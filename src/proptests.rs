//! Property tests: validation, rendering and spec parsing hold for arbitrary input.

use proptest::prelude::*;

use crate::model::{HostStatus, ReleaseSpec};
use crate::render::{RenderContext, render};
use crate::validate;

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

    /// Whatever a var holds, it renders as exactly one shell word with that value.
    #[test]
    fn any_value_renders_as_one_word(value in "[^\\x00]{0,60}") {
        let ctx = RenderContext {
            app: "web".into(),
            version: "1.0".into(),
            vars: [("x".to_string(), value.clone())].into(),
            ..Default::default()
        };
        let out = render("echo {{ vars.x }}", &ctx).unwrap();
        let words = shlex::split(&out).unwrap();
        prop_assert_eq!(words, vec!["echo".to_string(), value]);
    }

    /// Real `sh` agrees (a smaller sample: it starts a process per case).
    #[test]
    fn sh_prints_the_value_back(value in "[^\\x00]{0,30}") {
        let ctx = RenderContext { vars: [("x".to_string(), value.clone())].into(), ..Default::default() };
        let script = render("printf %s {{ vars.x }}", &ctx).unwrap();
        let out = std::process::Command::new("sh").arg("-c").arg(&script).output().unwrap();
        prop_assert_eq!(String::from_utf8_lossy(&out.stdout).into_owned(), value);
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
    #![proptest_config(ProptestConfig::with_cases(32))]
    /// Hostile templates are errors, never panics.
    #[test]
    fn arbitrary_templates_never_panic(t in "\\PC{0,80}") {
        let _ = crate::render::check_syntax(&t);
        let _ = render(&t, &RenderContext::default());
    }
}
