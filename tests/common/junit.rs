//! Every JUnit file a test produces goes through two outside consumers: `xmllint --schema`
//! against Jenkins' xunit schema (tests/data/junit-10.xsd) and the PyPI `junitparser` (both
//! installed by .ci/install-test-deps). Their verdicts, not our own parser's, decide.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JunitCase {
    pub suite: String,
    pub classname: String,
    pub name: String,
    /// `passed`, `failure`, `error` or `skipped`.
    pub kind: String,
    pub message: String,
    pub system_out: String,
    pub system_err: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JunitCounts {
    pub tests: usize,
    pub failures: usize,
    pub errors: usize,
    pub skipped: usize,
}

#[derive(Debug, Clone)]
pub struct Junit {
    pub cases: Vec<JunitCase>,
    /// As the file's `<testsuite>` attributes state them, summed (checked against the cases).
    pub counts: JunitCounts,
    pub suites: Vec<String>,
    /// (name, value) of every suite's properties.
    pub properties: Vec<(String, String)>,
}

impl Junit {
    pub fn kinds(&self) -> Vec<&str> {
        self.cases.iter().map(|c| c.kind.as_str()).collect()
    }

    pub fn case(&self, name: &str) -> &JunitCase {
        self.cases
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no testcase {name}: {:?}", self.cases))
    }

    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn xsd() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/junit-10.xsd")
}

const READER: &str = r#"
import json, sys
from junitparser import JUnitXml, TestSuite, Failure, Error, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
suites = [xml] if isinstance(xml, TestSuite) else list(xml)
out = {"suites": [], "cases": [], "properties": [],
       "counts": {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}}
for s in suites:
    out["suites"].append(s.name)
    for k in out["counts"]:
        out["counts"][k] += int(getattr(s, k) or 0)
    for p in s.properties():
        out["properties"].append([p.name, p.value])
    for c in s:
        kind, message = "passed", ""
        for r in c.result:
            kind = {Failure: "failure", Error: "error", Skipped: "skipped"}[type(r)]
            message = r.message or ""
        out["cases"].append({"suite": s.name, "classname": c.classname, "name": c.name,
                             "kind": kind, "message": message,
                             "system_out": c.system_out or "", "system_err": c.system_err or ""})
print(json.dumps(out))
"#;

/// Validate `path` with Jenkins' schema and read it with junitparser; panics with the reason.
/// The suites' stated counts must match their cases.
pub fn check_junit(path: &Path) -> Junit {
    let out = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(xsd())
        .arg(path)
        .output()
        .expect("xmllint (libxml2-utils; .ci/install-test-deps installs it)");
    assert!(
        out.status.success(),
        "{} does not validate against Jenkins' junit-10.xsd:\n{}\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(path).unwrap_or_default()
    );
    let out = Command::new("python3")
        .args(["-c", READER])
        .arg(path)
        .output()
        .expect("python3 with junitparser (.ci/install-test-deps installs it)");
    assert!(
        out.status.success(),
        "junitparser cannot read {}:\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("reader JSON");
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    let cases: Vec<JunitCase> = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| JunitCase {
            suite: s(&c["suite"]),
            classname: s(&c["classname"]),
            name: s(&c["name"]),
            kind: s(&c["kind"]),
            message: s(&c["message"]),
            system_out: s(&c["system_out"]),
            system_err: s(&c["system_err"]),
        })
        .collect();
    let n = |k: &str| v["counts"][k].as_u64().unwrap() as usize;
    let counts = JunitCounts {
        tests: n("tests"),
        failures: n("failures"),
        errors: n("errors"),
        skipped: n("skipped"),
    };
    let count = |k: &str| cases.iter().filter(|c| c.kind == k).count();
    assert_eq!(
        counts,
        JunitCounts {
            tests: cases.len(),
            failures: count("failure"),
            errors: count("error"),
            skipped: count("skipped"),
        },
        "stated counts differ from the cases in {}",
        path.display()
    );
    let mut ids: Vec<(&str, &str)> = cases
        .iter()
        .map(|c| (c.classname.as_str(), c.name.as_str()))
        .collect();
    ids.sort();
    let before = ids.len();
    ids.dedup();
    assert_eq!(
        before,
        ids.len(),
        "duplicate (classname, name) in {}",
        path.display()
    );
    Junit {
        cases,
        counts,
        suites: v["suites"].as_array().unwrap().iter().map(s).collect(),
        properties: v["properties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (s(&p[0]), s(&p[1])))
            .collect(),
    }
}
