//! Release ids and the history: a bad current spec never blocks a fix, ids never go backwards.

mod common;

use common::*;
use deployctl::model::ReleaseSpec;
use deployctl::zk::{self, Zk};

/// Publish 1.0 … n.0 of `app` (releases 1..=n).
async fn history(zk: &Zk, app: &str, n: u64) {
    for i in 1..=n {
        zk.publish(&ReleaseSpec::new(app, &format!("{i}.0")), false)
            .await
            .expect("publish");
    }
}

async fn release_ids(zk: &Zk, app: &str) -> Vec<u64> {
    zk.releases(app)
        .await
        .expect("history")
        .iter()
        .map(|s| s.release)
        .collect()
}

/// What gets planted into `apps/<app>` over a history of releases 1..=5.
#[derive(Debug, Clone, Copy)]
enum Plant {
    /// `releases/r-0000000002` copied back (a restore by hand).
    Older,
    Garbage,
    /// The newest spec with release id u64::MAX.
    MaxId,
}

async fn plant(zk: &Zk, app: &str, what: Plant) {
    let data = match what {
        Plant::Older => {
            zk.client
                .get_data(&zk.layout.release(app, 2))
                .await
                .expect("r-2")
                .0
        }
        Plant::Garbage => b"{\"app\": \"web\", garbage".to_vec(),
        Plant::MaxId => {
            let (mut spec, _) = zk.read_spec(app).await.unwrap().unwrap();
            spec.release = u64::MAX;
            spec.to_json()
        }
    };
    zk.client
        .set_data(&zk.layout.app(app), &data, None)
        .await
        .expect("plant");
}

/// One operation over a planted spec; `Err` says what went wrong.
fn fix_over(env: &TestEnv, what: Plant, op: &str) -> Result<(), String> {
    let o = env.zk_options();
    let app = format!("{what:?}-{op}").to_lowercase();
    block_on(async {
        let zk = zk::connect(&o).await.unwrap();
        history(&zk, &app, 5).await;
        plant(&zk, &app, what).await;
    });
    let args: Vec<&str> = match op {
        "publish" => vec!["publish", &app, "6.0"],
        "publish-force" => vec!["publish", &app, "6.0", "--force"],
        "rollback" => vec!["rollback", &app],
        _ => vec!["abort", &app],
    };
    let full = [&["--output", "json"], &args[..]].concat();
    let out = env.run(&full);
    if !out.status.success() {
        return Err(format!("exited {:?}: {}", out.status.code(), stderr(&out)));
    }
    let v = schema::parse(schema::Kind::of_command(&full), &out.stdout);
    let (ids, current) = block_on(async {
        let zk = zk::connect(&o).await.unwrap();
        (release_ids(&zk, &app).await, zk.read_spec(&app).await)
    });
    let current = match current {
        Ok(Some((c, _))) => c,
        other => return Err(format!("no usable spec afterwards: {other:?}")),
    };
    let ok = if op == "abort" {
        v["state"] == "aborted"
            && ids == (1..=5).collect::<Vec<_>>()
            && current.state.to_string() == "aborted"
    } else {
        // A fresh id, greater than every existing one, and the app node names it.
        v["release"] == 6 && ids == (1..=6).collect::<Vec<_>>() && current.release == 6
    };
    if !ok {
        return Err(format!(
            "output {v}, history {ids:?}, current release {}",
            current.release
        ));
    }
    // And the next publish goes on from there.
    let out = env.run(&["--output", "json", "publish", &app, "7.0"]);
    let next = if out.status.success() {
        schema::parse(schema::Kind::Publish, &out.stdout)
    } else {
        serde_json::Value::Null
    };
    let want = if op == "abort" { 6 } else { 7 };
    if next["release"] != want {
        return Err(format!(
            "the next publish did not get release {want}: {}",
            stderr(&out)
        ));
    }
    Ok(())
}

#[test]
fn a_bad_current_spec_never_blocks_publish_rollback_or_abort() {
    let env = TestEnv::new("badspec");
    let mut failures = vec![];
    for what in [Plant::Older, Plant::Garbage, Plant::MaxId] {
        for op in ["publish", "publish-force", "rollback", "abort"] {
            if let Err(e) = fix_over(&env, what, op) {
                failures.push(format!("{what:?} spec, {op}: {e}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_release_id_without_successor_is_a_clear_error() {
    let env = TestEnv::new("maxid-history");
    let o = env.zk_options();
    block_on(async {
        let zk = zk::connect(&o).await.unwrap();
        history(&zk, "web", 2).await;
        // A history node with the largest id, planted by hand.
        let (data, _) = zk
            .client
            .get_data(&zk.layout.release("web", 2))
            .await
            .unwrap();
        zk.client
            .create(
                &zk.layout.release("web", u64::MAX),
                &data,
                &zookeeper_client::CreateMode::Persistent
                    .with_acls(zookeeper_client::Acls::anyone_all()),
            )
            .await
            .unwrap();
    });
    let out = env.run(&["publish", "web", "3.0"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("r-18446744073709551615"),
        "names the node: {}",
        stderr(&out)
    );
}

/// Znodes under `releases/` (release nodes and their ledgers).
async fn history_nodes(zk: &Zk, app: &str) -> usize {
    let dir = zk.layout.releases(app);
    let mut n = 0;
    for c in zk.client.list_children(&dir).await.unwrap() {
        n += 1 + zk
            .client
            .list_children(&format!("{dir}/{c}"))
            .await
            .unwrap()
            .len();
    }
    n
}

fn ids_and_nodes(env: &TestEnv, app: &str) -> (Vec<u64>, usize) {
    let o = env.zk_options();
    block_on(async {
        let zk = zk::connect(&o).await.unwrap();
        let mut ids = release_ids(&zk, app).await;
        ids.sort();
        (ids, history_nodes(&zk, app).await)
    })
}

#[test]
fn keep_history_prunes_the_oldest_releases_and_rollback_still_works() {
    let env = TestEnv::new("retention");
    for i in 1..=8 {
        env.ok(&["publish", "web", &format!("{i}.0"), "--keep-history", "3"]);
    }
    let (ids, nodes) = ids_and_nodes(&env, "web");
    assert_eq!(ids, vec![6, 7, 8]);
    assert_eq!(nodes, 6, "3 releases, each with its ledger");
    let rb = env.json(&["rollback", "web"]);
    assert_eq!(
        (rb["release"].as_u64(), rb["version"].as_str()),
        (Some(9), Some("7.0"))
    );
    env.ok(&["history", "web"]);

    // In the spec file too; 0 is refused.
    let spec = env.path("spec.toml");
    std::fs::write(&spec, "keep_history = 2\n").unwrap();
    env.ok(&["publish", "web", "10.0", "--spec", spec.to_str().unwrap()]);
    assert_eq!(ids_and_nodes(&env, "web").0, vec![9, 10]);
    let out = env.run(&["publish", "web", "11.0", "--keep-history", "0"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--keep-history"), "{}", stderr(&out));
}

#[test]
fn keep_history_never_prunes_the_previous_or_the_rollback_target() {
    let env = TestEnv::new("retention-protected");
    env.ok(&["publish", "web", "1.0", "--keep-history", "1"]);
    for _ in 0..5 {
        env.ok(&["publish", "web", "2.0", "--force", "--keep-history", "1"]);
    }
    // 6 is current, 5 its previous, 1 the last other version (where rollback goes).
    assert_eq!(ids_and_nodes(&env, "web"), (vec![1, 5, 6], 6));
    let rb = env.json(&["rollback", "web"]);
    assert_eq!(
        (rb["release"].as_u64(), rb["version"].as_str()),
        (Some(7), Some("1.0"))
    );
}

#[test]
fn history_keeps_100_releases_by_default() {
    let env = TestEnv::new("retention-default");
    let o = env.zk_options();
    block_on(async {
        let zk = zk::connect(&o).await.unwrap();
        history(&zk, "web", 105).await;
    });
    env.ok(&["publish", "web", "106.0"]);
    let (ids, nodes) = ids_and_nodes(&env, "web");
    assert_eq!(ids, (7..=106).collect::<Vec<_>>());
    assert_eq!(nodes, 200);
}
