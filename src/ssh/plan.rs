//! Plans: ordered stages of commands (`--plan FILE`, TOML), or one stage from `--cmd`.

use std::time::Duration;

use serde::Deserialize;

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub name: String,
    /// Command templates, run in order on each host.
    pub run: Vec<String>,
    pub canary: Option<u32>,
    pub parallel: Option<u32>,
    pub retries: Option<u32>,
    /// Failures are reported but never stop the push or fail it.
    pub can_fail: bool,
    pub timeout: Option<Duration>,
    /// Run on the first host only.
    pub run_once: bool,
    /// Run once, on one host, after every host went through the other stages without a failure
    /// (e.g. switch the proxy); placed after them whatever its place in the file.
    pub finalize: bool,
    /// Run on each host that failed in another stage (cleanup), after the other stages; its own
    /// failures are reported but change nothing (it is always `can_fail`).
    pub on_failure: bool,
}

impl Stage {
    /// An ordinary stage: runs in its place in the plan.
    pub fn is_regular(&self) -> bool {
        !self.finalize && !self.on_failure
    }
}

/// A push plan: its stages, and the push-wide settings a plan file may carry (the command
/// line's flags win over them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub stages: Vec<Stage>,
    pub max_failures: Option<crate::model::FailureBudget>,
    pub get_version_cmd: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    /// Failed hosts tolerated across the push (`--max-failures`): `2` or `"10%"`.
    max_failures: Option<crate::model::FailureBudget>,
    /// Skip hosts that already run the version (`--get-version-cmd`).
    get_version_cmd: Option<String>,
    #[serde(rename = "stage", default)]
    stages: Vec<StageFile>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Run {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StageFile {
    name: String,
    run: Run,
    canary: Option<u32>,
    parallel: Option<u32>,
    retries: Option<u32>,
    #[serde(default)]
    can_fail: bool,
    timeout: Option<String>,
    #[serde(default)]
    run_once: bool,
    #[serde(default)]
    finalize: bool,
    #[serde(default)]
    on_failure: bool,
}

pub fn parse_plan(text: &str, source: &str) -> Result<Plan> {
    let mut file: PlanFile =
        toml::from_str(text).map_err(|e| Error::invalid("plan", source, e.to_string()))?;
    if file.stages.is_empty() {
        return Err(Error::invalid("plan", source, "has no [[stage]]"));
    }
    let mut names = std::collections::BTreeSet::new();
    let mut out = vec![];
    for s in std::mem::take(&mut file.stages) {
        if s.name.trim().is_empty() || !names.insert(s.name.clone()) {
            return Err(Error::invalid(
                "plan stage name",
                &s.name,
                "must be non-empty and unique",
            ));
        }
        let run = match s.run {
            Run::One(c) => vec![c],
            Run::Many(v) => v,
        };
        if run.is_empty() || run.iter().any(|c| c.trim().is_empty()) {
            return Err(Error::invalid(
                "plan stage",
                &s.name,
                "`run` needs at least one command",
            ));
        }
        for c in &run {
            crate::render::check_syntax(c)?;
        }
        if s.parallel == Some(0) {
            return Err(Error::invalid(
                "plan stage",
                &s.name,
                "parallel must be at least 1",
            ));
        }
        if s.on_failure && (s.finalize || s.run_once) {
            return Err(Error::invalid(
                "plan stage",
                &s.name,
                "on_failure runs on every failed host: it cannot also be finalize or run_once",
            ));
        }
        let timeout = s
            .timeout
            .as_deref()
            .map(|t| {
                crate::validate::duration(t).map_err(|e| Error::invalid("stage timeout", t, e))
            })
            .transpose()?;
        out.push(Stage {
            name: s.name,
            run,
            canary: s.canary,
            parallel: s.parallel,
            retries: s.retries,
            can_fail: s.can_fail || s.on_failure,
            timeout,
            run_once: s.run_once || s.finalize,
            finalize: s.finalize,
            on_failure: s.on_failure,
        });
    }
    if let Some(t) = &file.get_version_cmd {
        crate::render::check_syntax(t)?;
    }
    Ok(Plan {
        stages: out,
        max_failures: file.max_failures,
        get_version_cmd: file.get_version_cmd,
    })
}

/// The one-stage plan of `--cmd`.
pub fn single(cmd: &str) -> Result<Plan> {
    crate::render::check_syntax(cmd)?;
    let stages = vec![Stage {
        name: "deploy".into(),
        run: vec![cmd.to_string()],
        canary: None,
        parallel: None,
        retries: None,
        can_fail: false,
        timeout: None,
        run_once: false,
        finalize: false,
        on_failure: false,
    }];
    Ok(Plan {
        stages,
        max_failures: None,
        get_version_cmd: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stages() {
        let plan = parse_plan(
            r#"
[[stage]]
name = "migrate"
run = "migrate --to {{ version }}"
run_once = true

[[stage]]
name = "deploy"
run = ["fetch {{ version }}", "switch {{ version }}"]
canary = 2
parallel = 5
retries = 1
timeout = "30s"

[[stage]]
name = "warm caches"
run = "warm"
can_fail = true
"#,
            "plan.toml",
        )
        .unwrap();
        assert_eq!(plan.max_failures, None);
        let plan = plan.stages;
        assert_eq!(plan.len(), 3);
        assert!(plan[0].run_once);
        assert_eq!(plan[1].run.len(), 2);
        assert_eq!(plan[1].timeout, Some(Duration::from_secs(30)));
        assert!(plan[2].can_fail);
    }

    #[test]
    fn a_plan_carries_push_settings() {
        let plan = parse_plan(
            "max_failures = \"10%\"\nget_version_cmd = \"cat /opt/app/VERSION\"\n\
             [[stage]]\nname = \"a\"\nrun = \"x\"\n",
            "p",
        )
        .unwrap();
        assert_eq!(
            plan.max_failures,
            Some(crate::model::FailureBudget::Percent(10))
        );
        assert_eq!(
            plan.get_version_cmd.as_deref(),
            Some("cat /opt/app/VERSION")
        );
        let n = parse_plan(
            "max_failures = 2\n[[stage]]\nname = \"a\"\nrun = \"x\"\n",
            "p",
        );
        assert_eq!(
            n.unwrap().max_failures,
            Some(crate::model::FailureBudget::Count(2))
        );
    }

    #[test]
    fn rejects_bad_plans() {
        for bad in [
            "",
            "[[stage]]\nname = \"a\"\n",
            "[[stage]]\nname = \"a\"\nrun = []\n",
            "[[stage]]\nname = \"a\"\nrun = \"x\"\n[[stage]]\nname = \"a\"\nrun = \"y\"\n",
            "[[stage]]\nname = \"a\"\nrun = \"x {{ version\"\n",
            "[[stage]]\nname = \"a\"\nrun = \"x\"\nparalel = 2\n",
            "[[stage]]\nname = \"a\"\nrun = \"x\"\ntimeout = \"soon\"\n",
            "[[stage]]\nname = \"a\"\nrun = \"x\"\non_failure = true\nfinalize = true\n",
            "max_failures = \"lots\"\n[[stage]]\nname = \"a\"\nrun = \"x\"\n",
            "get_version_cmd = \"cat {{ nope\"\n[[stage]]\nname = \"a\"\nrun = \"x\"\n",
        ] {
            assert!(parse_plan(bad, "p").is_err(), "{bad:?} accepted");
        }
    }
}
