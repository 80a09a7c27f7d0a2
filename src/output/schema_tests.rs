//! The JSON Schemas in docs/schema/ are valid draft 2020-12 and describe what the CLI prints.
//! (The integration tests validate every JSON document the CLI prints against them as well.)

use std::path::PathBuf;

use serde_json::Value;

fn schema_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/schema")
}

/// Every schema file, by file name.
fn schemas() -> Vec<(String, Value)> {
    let mut out = vec![];
    for e in std::fs::read_dir(schema_dir()).expect("docs/schema") {
        let path = e.expect("dir entry").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".schema.json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("schema file");
        let v: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: not JSON: {e}"));
        out.push((name, v));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

const BASE: &str = "https://deployctl.invalid/schema/";

/// A validator for `name`, with every other schema registered for `$ref`s and nothing fetched.
pub(crate) fn validator(name: &str) -> jsonschema::Validator {
    let all = schemas();
    let mut registry = jsonschema::Registry::new();
    for (n, v) in &all {
        registry = registry
            .add(format!("{BASE}{n}"), v.clone())
            .unwrap_or_else(|e| panic!("{n}: {e}"));
    }
    let registry = registry.prepare().expect("schema registry");
    let schema = &all
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no schema {name}"))
        .1;
    jsonschema::options()
        .offline()
        .with_registry(&registry)
        .build(schema)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

pub(crate) fn assert_valid(name: &str, doc: &Value) {
    let v = validator(name);
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:#?}\n{doc:#}");
}

#[test]
fn every_schema_is_valid_draft_2020_12_with_its_id() {
    let all = schemas();
    assert!(all.len() >= 10, "{all:?}");
    for (name, schema) in &all {
        assert_eq!(
            schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{name}"
        );
        assert_eq!(schema["$id"], format!("{BASE}{name}"), "{name}");
        if let Err(e) = jsonschema::draft202012::meta::validate(schema) {
            panic!("{name} is not a valid draft 2020-12 schema: {e}");
        }
        // Compiles, with its references resolved.
        validator(name);
    }
}

#[test]
fn the_snapshot_fixtures_validate() {
    use super::summary::fixtures;
    let summary: Value = serde_json::from_str(&fixtures::summary().to_json()).unwrap();
    assert_valid("wait-summary.schema.json", &summary);
    let mut superseded = fixtures::summary();
    superseded.result = crate::rollout::wait::WaitResult::Superseded;
    superseded.superseded_by = Some(8);
    superseded.source = Some(crate::model::Source {
        commit: Some("0123456789abcdef".into()),
        git_ref: Some("main".into()),
        message: Some("fix".into()),
        author: None,
    });
    assert_valid(
        "wait-summary.schema.json",
        &serde_json::to_value(&superseded).unwrap(),
    );
    let mut api = fixtures::summary();
    api.app = "api".into();
    let apps = super::summary::AppsSummary::new(vec![superseded, api]);
    let doc: Value = serde_json::from_str(&apps.to_json()).unwrap();
    assert_valid("wait-apps-summary.schema.json", &doc);
    // A single app's summary is not the several apps' one, nor the other way round.
    assert!(!validator("wait-apps-summary.schema.json").is_valid(&summary));
    assert!(!validator("wait-summary.schema.json").is_valid(&doc));
}

#[test]
fn spec_views_and_events_validate_and_old_shapes_do_not() {
    use crate::model::{FailureBudget, ReleaseSpec};
    let mut s = ReleaseSpec::new("web", "1.0");
    s.release = 3;
    s.health_timeout_secs = Some(4);
    s.max_failures = FailureBudget::Percent(10);
    s.published_at = "2026-11-21T10:00:00.000Z".into();
    let view = super::views::spec(&s);
    assert_valid("apps-show.schema.json", &view);
    // The stored format (seconds, "10%", "" for not set) is not what the CLI promises.
    let stored: Value = serde_json::from_slice(&s.to_json()).unwrap();
    assert!(!validator("apps-show.schema.json").is_valid(&stored));

    use crate::rollout::events::WaitEvent;
    let events = [
        WaitEvent::Started {
            at: "2026-11-21T10:00:00.000Z".into(),
            app: "web".into(),
            release: 3,
            version: "1.0".into(),
        },
        WaitEvent::Host {
            at: "2026-11-21T10:00:00.000Z".into(),
            host: "h1".into(),
            state: crate::model::HostState::Deploying,
            previous: None,
            message: String::new(),
            done: 0,
            total: 2,
            active: vec!["h1".into()],
        },
        WaitEvent::Finalize {
            at: "2026-11-21T10:00:00.000Z".into(),
            finalize: crate::model::HookRun {
                host: "h2".into(),
                state: crate::model::HookState::Failed,
                started_at: Some("2026-11-21T10:00:00.000Z".into()),
                finished_at: Some("2026-11-21T10:00:01.000Z".into()),
                exit_code: Some(3),
                message: "finalize command failed with exit code 3".into(),
            },
        },
        WaitEvent::Heartbeat {
            at: "2026-11-21T10:00:00.000Z".into(),
            elapsed_ms: 30_000,
            counts: Default::default(),
            pending: String::new(),
        },
    ];
    for e in &events {
        assert_valid("wait-event.schema.json", &serde_json::to_value(e).unwrap());
    }
}
