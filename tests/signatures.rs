//! Signed releases (docs/security.md) on real ZooKeeper and real agents: ZooKeeper is untrusted
//! storage, and an agent that requires signatures runs only what a trusted key signed. The
//! signature stored is checked by an outside tool, `ssh-keygen -Y verify`, against the same
//! allowed_signers file the agents read, over a payload rebuilt by Python from the stored spec.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::junit::check_junit;
use common::*;
use serde_json::Value;

const T: Duration = Duration::from_secs(45);

/// Every command run writes a line here: "nothing runs" is checked on it.
fn deploy(log: &Path) -> String {
    format!(
        "echo {{{{ version }}}} >> {log}; echo {{{{ version }}}} > version",
        log = log.display()
    )
}

/// An ed25519 key pair made by ssh-keygen; returns the private key's path and the public line.
fn keygen(env: &TestEnv, name: &str) -> (PathBuf, String) {
    let key = env.path(name);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .output()
        .expect("ssh-keygen (Debian: apt-get install openssh-client)");
    assert!(out.status.success(), "{}", stderr(&out));
    let public = std::fs::read_to_string(key.with_extension("pub")).expect("public key");
    (key, public.trim().to_string())
}

/// An allowed_signers file trusting `keys` (principal, public line) for releases.
fn trust_file(env: &TestEnv, keys: &[(&str, &str)]) -> PathBuf {
    let path = env.path("allowed_signers");
    let text: String = keys
        .iter()
        .map(|(who, public)| format!("{who} namespaces=\"deployctl-release\" {public}\n"))
        .collect();
    std::fs::write(&path, text).expect("allowed_signers");
    path
}

/// One key ("ci"), trusted for releases by an agent config that requires signatures: the key
/// and the config.
fn one_trusted_key(env: &TestEnv) -> (PathBuf, PathBuf) {
    let (key, public) = keygen(env, "ci");
    let trust = trust_file(env, &[("ci@example.com", &public)]);
    (key, agent_config(env, &trust))
}

/// An agent config that requires signatures from `trust`.
fn agent_config(env: &TestEnv, trust: &Path) -> PathBuf {
    let path = env.path("agent.toml");
    std::fs::write(
        &path,
        format!(
            "trusted_signers = {:?}\nrequire_signatures = true\n",
            trust.display().to_string()
        ),
    )
    .expect("agent config");
    path
}

fn read_app_node(env: &TestEnv, app: &str) -> Value {
    block_on(async {
        let zk = deployctl::zk::connect(&env.zk_options()).await.unwrap();
        let (data, _) = zk.client.get_data(&zk.layout.app(app)).await.unwrap();
        serde_json::from_slice(&data).unwrap()
    })
}

fn write_app_node(env: &TestEnv, app: &str, spec: &Value) {
    block_on(async {
        let zk = deployctl::zk::connect(&env.zk_options()).await.unwrap();
        zk.client
            .set_data(&zk.layout.app(app), spec.to_string().as_bytes(), None)
            .await
            .unwrap();
    })
}

/// Wait until the status message of every one of `hosts` says `needle`.
fn wait_messages(env: &TestEnv, hosts: &[String], needle: &str) {
    env.wait_status("web", T, needle, |st| {
        hosts.iter().all(|h| {
            host(st, h).is_some_and(|v| v["message"].as_str().is_some_and(|m| m.contains(needle)))
        })
    });
}

/// How many commands the deploys logged.
fn ran(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .count()
}

/// The agents' verdict on the current release, once each has one: every host `refused`.
fn assert_all_refused(env: &TestEnv, names: &[String], release: u64, why: &str) {
    env.wait_hosts("web", names, release, &["refused"], T);
    let junit = env.path("junit.xml");
    let (code, summary) = env.wait_json(&[
        "web",
        "--timeout",
        "40s",
        "--junit",
        junit.to_str().expect("path"),
    ]);
    assert_eq!(code, Some(1), "{summary:#}");
    assert_eq!(summary["result"], "failed", "{summary:#}");
    let msg = summary["message"].as_str().unwrap_or_default();
    assert!(msg.contains("refused"), "{msg}");
    assert_eq!(
        summary["failed_hosts"].as_array().map(Vec::len),
        Some(names.len()),
        "{summary:#}"
    );
    let st = env.status("web");
    for h in names {
        let host = host(&st, h).expect("host in status");
        assert_eq!(host["state"], "refused", "{st:#}");
        assert_eq!(host["release"], release, "{st:#}");
        let m = host["message"].as_str().unwrap_or_default();
        assert!(m.contains(why), "{h}: {m:?} should say {why:?}");
    }
    let j = check_junit(&junit);
    assert_eq!(j.counts.failures, names.len(), "JUnit names each refusal");
}

/// A spec changed in ZooKeeper behind deployctl's back — a command, a var, the version — is
/// refused by every agent: nothing runs, no slot is taken, the wait exits 1 naming it.
#[test]
fn a_spec_changed_behind_deployctls_back_is_refused_and_nothing_runs() {
    let env = TestEnv::new("sig-tamper");
    let (key, config) = one_trusted_key(&env);
    let log = env.path("ran.log");
    let names = hosts("s", 2);
    let config_arg = config.to_str().expect("path");
    let key_arg = key.to_str().expect("path");
    let mut agents = env.start_agents("web", &names, &["--config", config_arg]);
    env.ok(&[
        "publish",
        "web",
        "1.0",
        "--sign-key",
        key_arg,
        "--deploy-cmd",
        &deploy(&log),
        "--get-version-cmd",
        GET_VERSION,
        "--secret-var",
        "TOKEN=s3cret",
    ]);
    env.ok(&["wait-for-rollout", "web", "--timeout", "40s"]);
    let ran_before = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(ran_before.lines().count(), 2, "{ran_before}");

    let pwned = env.path("pwned");
    let evil = format!("touch {}", pwned.display());
    type Tamper = Box<dyn Fn(&mut Value)>;
    let tampers: [(&str, Tamper); 3] = [
        (
            "command",
            Box::new(move |s| s["deploy_cmd"] = Value::from(evil.as_str())),
        ),
        (
            "var",
            Box::new(|s| s["vars"]["TOKEN"] = Value::from("stolen")),
        ),
        ("version", Box::new(|s| s["version"] = Value::from("6.6.6"))),
    ];
    let mut release = 1;
    for (what, tamper) in tampers {
        // Publish a signed release with the agents away, change it in ZooKeeper, bring them
        // back: each must refuse the changed spec before anything else.
        for a in agents.iter_mut() {
            a.kill9();
        }
        release += 1;
        let version = format!("2.{release}");
        env.ok(&[
            "publish",
            "web",
            &version,
            "--sign-key",
            key_arg,
            "--deploy-cmd",
            &deploy(&log),
            "--get-version-cmd",
            GET_VERSION,
            "--secret-var",
            "TOKEN=s3cret",
        ]);
        let mut spec = read_app_node(&env, "web");
        assert_eq!(spec["release"], release);
        assert!(spec["signature"]["sshsig"].is_string(), "{spec:#}");
        tamper(&mut spec);
        write_app_node(&env, "web", &spec);
        agents = env.start_agents("web", &names, &["--config", config_arg]);
        assert_all_refused(&env, &names, release, "changed after signing");
        let ran = std::fs::read_to_string(&log).unwrap_or_default();
        assert_eq!(ran, ran_before, "a {what} change ran something: {ran}");
        // No slot was asked for: the slot queue is empty.
        let queued = block_on(async {
            let zk = deployctl::zk::connect(&env.zk_options()).await.unwrap();
            zk.client
                .list_children(&zk.layout.slots("web"))
                .await
                .unwrap_or_default()
        });
        assert!(
            queued.is_empty(),
            "a refusing host queued for a slot: {queued:?}"
        );
    }
    assert!(!pwned.exists(), "the changed command ran");
}

/// An expired signature and a replayed release (an older signed spec written back) are refused;
/// a rollback to a release the hosts ran, carrying its still-valid signature, is not.
#[test]
fn expired_and_replayed_releases_are_refused_rollbacks_are_not() {
    let env = TestEnv::new("sig-replay");
    let (key, config) = one_trusted_key(&env);
    let log = env.path("ran.log");
    let names = hosts("r", 2);
    let config_arg = config.to_str().expect("path");
    let key_arg = key.to_str().expect("path");
    let publish = |version: &str, ttl: &str| {
        env.ok(&[
            "publish",
            "web",
            version,
            "--sign-key",
            key_arg,
            "--sign-ttl",
            ttl,
            "--deploy-cmd",
            &deploy(&log),
            "--get-version-cmd",
            GET_VERSION,
        ])
    };
    let mut agents = env.start_agents("web", &names, &["--config", config_arg]);
    publish("1.0", "1h");
    env.ok(&["wait-for-rollout", "web", "--timeout", "40s"]);
    let signed_1 = read_app_node(&env, "web");
    publish("2.0", "1h");
    env.ok(&["wait-for-rollout", "web", "--timeout", "40s"]);
    let signed_2 = read_app_node(&env, "web");

    // Replay: release 1's signed spec, as it was, written back over release 2.
    write_app_node(&env, "web", &signed_1);
    assert_all_refused(&env, &names, 1, "replayed");
    write_app_node(&env, "web", &signed_2);
    env.ok(&["wait-for-rollout", "web", "--timeout", "40s"]);

    // A rollback carries release 1's signature (still valid): the hosts ran it, it is allowed.
    env.ok(&["rollback", "web", "--to", "1.0"]);
    env.ok(&["wait-for-rollout", "web", "--timeout", "40s"]);

    // Expired: signed for 1 s, published with the agents away; they come back after it expired.
    for a in agents.iter_mut() {
        a.kill9();
    }
    let out = env.json(&[
        "publish",
        "web",
        "3.0",
        "--sign-key",
        key_arg,
        "--sign-ttl",
        "1s",
        "--deploy-cmd",
        &deploy(&log),
    ]);
    let expires = out["spec"]["signature"]["expires_at"]
        .as_str()
        .expect("signature.expires_at")
        .to_string();
    let expires = humantime::parse_rfc3339_weak(&expires).expect("timestamp");
    wait_until("the signature to expire", T, || {
        (std::time::SystemTime::now() > expires).then_some(())
    });
    let release = release_of(&out);
    agents = env.start_agents("web", &names, &["--config", config_arg]);
    assert_all_refused(&env, &names, release, "expired");
    drop(agents);
}

/// Rebuild the signed payload from the stored spec with Python (docs/security.md) and check the
/// stored signature with `ssh-keygen -Y verify` against the agents' allowed_signers file. Two
/// trusted keys: either signs; a key removed from the file (and the agents reloaded) is refused.
#[test]
fn the_stored_signature_verifies_with_ssh_keygen_and_keys_rotate() {
    let env = TestEnv::new("sig-keygen");
    let (old, old_pub) = keygen(&env, "old");
    let (new, new_pub) = keygen(&env, "new");
    let trust = trust_file(
        &env,
        &[("old@example.com", &old_pub), ("new@example.com", &new_pub)],
    );
    let config = agent_config(&env, &trust);
    let log = env.path("ran.log");
    let names = hosts("k", 2);
    let mut agents = env.start_agents("web", &names, &["--config", config.to_str().expect("path")]);
    let publish = |version: &str, key: &Path| {
        env.ok(&[
            "publish",
            "web",
            version,
            "--sign-key",
            key.to_str().expect("path"),
            "--deploy-cmd",
            &deploy(&log),
            "--var",
            "REGION=eu",
            "--secret-var",
            "TOKEN=s3cret",
            "--steps",
            "1,100%",
        ])
    };
    publish("1.0", &old);
    env.ok(&["wait-for-rollout", "web", "--timeout", "40s"]);
    let stored = read_app_node(&env, "web");
    for (principal, ok) in [("old@example.com", true), ("new@example.com", false)] {
        let verified = ssh_keygen_verify(&env, &trust, principal, &stored);
        assert_eq!(verified, ok, "ssh-keygen -Y verify as {principal}");
    }

    publish("2.0", &new);
    env.ok(&["wait-for-rollout", "web", "--timeout", "40s"]);
    let stored = read_app_node(&env, "web");
    assert!(ssh_keygen_verify(&env, &trust, "new@example.com", &stored));

    // The old key is removed from the trust file; the agents reload it (SIGHUP).
    trust_file(&env, &[("new@example.com", &new_pub)]);
    for a in &agents {
        let pid = a.pid().expect("agent pid");
        let out = Command::new("kill")
            .args(["-HUP", &pid.to_string()])
            .output()
            .expect("kill");
        assert!(out.status.success());
    }
    // The reload is logged; wait for every agent to have done it.
    wait_until("the agents reloaded", T, || {
        agents
            .iter()
            .all(|a| a.log().contains("reloaded"))
            .then_some(())
    });
    let out = env.json(&[
        "publish",
        "web",
        "3.0",
        "--sign-key",
        old.to_str().expect("path"),
        "--deploy-cmd",
        &deploy(&log),
    ]);
    assert_all_refused(&env, &names, release_of(&out), "does not trust");
    publish("3.1", &new);
    env.ok(&["wait-for-rollout", "web", "--timeout", "40s"]);
    agents.clear();
}

/// The payload rebuilt independently (Python), then `ssh-keygen -Y verify`.
fn ssh_keygen_verify(env: &TestEnv, trust: &Path, principal: &str, spec: &Value) -> bool {
    let spec_file = env.path("stored-spec.json");
    std::fs::write(&spec_file, spec.to_string()).expect("spec file");
    let payload = env.path("payload");
    let sig = env.path("payload.sig");
    let py = format!(
        r#"
import hashlib, json
spec = json.load(open({spec:?}))
sig = spec["signature"]
for k in ["release", "previous", "previous_version", "rollback_of", "published_by",
          "published_at", "state", "signature"]:
    spec.pop(k, None)
for name in spec.get("secret_vars", []):
    if name in spec.get("vars", {{}}):
        spec["vars"][name] = "sha256:" + hashlib.sha256(spec["vars"][name].encode()).hexdigest()
doc = {{"expires_at": sig["expires_at"], "format": "deployctl-release-v1",
       "release": sig["release"], "spec": spec}}
open({payload:?}, "w").write(json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
open({sig_path:?}, "w").write(sig["sshsig"])
"#,
        spec = spec_file.display().to_string(),
        payload = payload.display().to_string(),
        sig_path = sig.display().to_string(),
    );
    let out = Command::new("python3")
        .args(["-c", &py])
        .output()
        .expect("python3");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = Command::new("ssh-keygen")
        .args(["-Y", "verify", "-f"])
        .arg(trust)
        .args(["-I", principal, "-n", "deployctl-release", "-s"])
        .arg(&sig)
        .stdin(std::fs::File::open(&payload).expect("payload"))
        .output()
        .expect("ssh-keygen");
    out.status.success()
}

/// A git-sourced release pins the commit its tag named at publish time (in the signed spec):
/// the tag moved afterwards (`git tag -f`) cannot swap the code the hosts check out.
#[test]
fn a_moved_tag_cannot_swap_the_code_of_a_pinned_release() {
    let env = TestEnv::new("sig-git-pin");
    let (key, config) = one_trusted_key(&env);
    let repo_dir = env.path("origin");
    let repo = common::git::init(&repo_dir);
    let good = common::git::release(&repo, "1.0");
    let out = env.json(&[
        "publish",
        "web",
        "1.0",
        "--sign-key",
        key.to_str().expect("path"),
        "--git-repo",
        repo_dir.to_str().expect("path"),
        "--health-cmd",
        "true",
    ]);
    let stored = read_app_node(&env, "web");
    assert_eq!(stored["git"]["commit"], good.to_string(), "{out:#}");
    // Before any host checked it out, the tag is moved to other code.
    common::git::commit(&repo, "VERSION", "evil\n", "evil");
    repo.tag_lightweight(
        "1.0",
        repo.head().unwrap().peel_to_commit().unwrap().as_object(),
        true,
    )
    .unwrap();
    let names = hosts("p", 1);
    let _agents = env.start_agents("web", &names, &["--config", config.to_str().expect("path")]);
    env.ok(&["wait-for-rollout", "web", "--timeout", "40s"]);
    let checkout = env.path("state-p1").join("apps/web/releases/1.0/VERSION");
    let content = std::fs::read_to_string(&checkout).expect("checkout");
    assert_eq!(
        content, "1.0\n",
        "the pinned commit is what was checked out"
    );
}

/// `--artifact-sha256` reaches every command as DEPLOYCTL_ARTIFACT_SHA256, and `deployctl
/// verify-artifact` (run by the deploy command) passes the right file and fails a swapped one.
#[test]
fn the_pinned_artifact_digest_is_checked_by_the_deploy_command() {
    let env = TestEnv::new("sig-artifact");
    let artifact = env.path("app.tar");
    std::fs::write(&artifact, b"the real build\n").expect("artifact");
    let out = Command::new("sha256sum")
        .arg(&artifact)
        .output()
        .expect("sha256sum");
    let digest = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .expect("digest")
        .to_string();
    // The command on its own: right, wrong, and bad input.
    env.ok(&[
        "verify-artifact",
        artifact.to_str().expect("path"),
        "--sha256",
        &digest,
    ]);
    let wrong = "0".repeat(64);
    let o = env.run(&[
        "verify-artifact",
        artifact.to_str().expect("path"),
        "--sha256",
        &wrong,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains(&digest), "{}", stderr(&o));
    let o = env.run(&[
        "verify-artifact",
        artifact.to_str().expect("path"),
        "--sha256",
        "xyz",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("\"xyz\""), "{}", stderr(&o));

    // Under an agent: the release pins the digest, the deploy command checks the download.
    let names = hosts("a", 1);
    let _agents = env.start_agents("web", &names, &[]);
    let deploy = format!("{} verify-artifact {}", bin(), artifact.display());
    env.ok(&[
        "publish",
        "web",
        "1.0",
        "--artifact-sha256",
        &digest,
        "--deploy-cmd",
        &deploy,
    ]);
    env.ok(&["wait-for-rollout", "web", "--timeout", "40s"]);
    std::fs::write(&artifact, b"a swapped build\n").expect("artifact");
    env.ok(&[
        "publish",
        "web",
        "1.1",
        "--artifact-sha256",
        &digest,
        "--deploy-cmd",
        &deploy,
    ]);
    let (code, summary) = env.wait_json(&["web", "--timeout", "40s"]);
    assert_eq!(code, Some(1), "{summary:#}");
    let tail = summary["hosts"][0]["output_tail"]
        .as_str()
        .unwrap_or_default();
    assert!(tail.contains("do not deploy it"), "{summary:#}");
}

/// `--approvals 1`: the release waits at its gate ("waiting for 1 approval"); the publisher's own
/// signed promote does not count, an unsigned one is refused, another trusted key's passes it.
/// A ledger moved past the gate behind deployctl's back does not let the agents through.
#[test]
fn four_eyes_the_publishers_own_promote_does_not_count() {
    let env = TestEnv::new("sig-approvals");
    let (alice, alice_pub) = keygen(&env, "alice");
    let (bob, bob_pub) = keygen(&env, "bob");
    let trust = env.path("allowed_signers");
    std::fs::write(
        &trust,
        format!(
            "alice@example.com {alice_pub}\nbob@example.com namespaces=\"deployctl-release,deployctl-approval\" {bob_pub}\n"
        ),
    )
    .expect("allowed_signers");
    let config = agent_config(&env, &trust);
    let log = env.path("ran.log");
    let names = hosts("q", 2);
    let _agents = env.start_agents("web", &names, &["--config", config.to_str().expect("path")]);
    let key = |k: &Path| k.to_str().expect("path").to_string();
    // Without a publisher's key there is no "other" key: refused.
    let o = env.run(&["publish", "web", "1.0", "--approvals", "1"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    env.ok(&[
        "publish",
        "web",
        "1.0",
        "--approvals",
        "1",
        "--sign-key",
        &key(&alice),
        "--deploy-cmd",
        &deploy(&log),
    ]);
    let (code, summary) = env.wait_json(&["web", "--timeout", "2s"]);
    assert_eq!(code, Some(3), "{summary:#}");
    let msg = summary["message"].as_str().unwrap_or_default();
    assert!(msg.contains("waiting for 1 approval"), "{msg}");

    let o = env.run(&["promote", "web", "--sign-key", &key(&alice)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("publisher's own key"), "{}", stderr(&o));
    let o = env.run(&["promote", "web"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--sign-key"), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&log).unwrap_or_default().is_empty());

    env.ok(&["promote", "web", "--sign-key", &key(&bob)]);
    env.ok(&["wait-for-rollout", "web", "--timeout", "40s"]);
    assert_eq!(ran(&log), 2);
    // The history keeps the signed approval (and is checked against its schema).
    let history = env.json(&["history", "web"]);
    let approval = &history["releases"][0]["ledger"]["approvals"][0];
    assert!(
        approval["key"]
            .as_str()
            .is_some_and(|k| k.starts_with("SHA256:"))
            && approval["sshsig"].as_str().is_some_and(|s| !s.is_empty()),
        "{history:#}"
    );

    // A ZooKeeper writer passes the gate in the ledger with a forged approval: the agents,
    // which check approvals themselves, do not go through.
    let out = env.json(&[
        "publish",
        "web",
        "2.0",
        "--approvals",
        "1",
        "--sign-key",
        &key(&alice),
        "--deploy-cmd",
        &deploy(&log),
    ]);
    let release = release_of(&out);
    env.wait_hosts("web", &names, release, &["waiting"], T);
    block_on(async {
        let zk = deployctl::zk::connect(&env.zk_options()).await.unwrap();
        let path = zk.ledger_path("web", release);
        let (data, _) = zk.client.get_data(&path).await.unwrap();
        let mut ledger: Value = serde_json::from_slice(&data).unwrap();
        ledger["step"] = serde_json::json!({"index": 1, "started_at": "2026-01-01T00:00:00Z"});
        ledger["approvals"] = serde_json::json!([{
            "step": 0, "key": "SHA256:forged", "sshsig": "not a signature"
        }]);
        zk.client
            .set_data(&path, ledger.to_string().as_bytes(), None)
            .await
            .unwrap();
    });
    wait_messages(&env, &names, "approvals this host can");
    assert_eq!(ran(&log), 2, "nothing ran past the forged gate");
}

/// With `require_signatures`, a plain manual gate passes only with a signed promote: an unsigned
/// one (from the page, or a ZooKeeper writer) moves the ledger on, but the agents wait and say
/// why; `promote --sign-key --step N` then signs the passed gate and they go through.
#[test]
fn with_signatures_required_a_gate_passes_only_with_a_signed_promote() {
    let env = TestEnv::new("sig-gates");
    let (key, public) = keygen(&env, "ci");
    let trust = trust_file(&env, &[("ci@example.com", &public)]);
    std::fs::write(
        &trust,
        format!("ci@example.com namespaces=\"deployctl-release,deployctl-approval\" {public}\n"),
    )
    .expect("allowed_signers");
    let config = agent_config(&env, &trust);
    let log = env.path("ran.log");
    let names = hosts("g", 2);
    let _agents = env.start_agents("web", &names, &["--config", config.to_str().expect("path")]);
    let key = key.to_str().expect("path");
    env.ok(&[
        "publish",
        "web",
        "1.0",
        "--sign-key",
        key,
        "--steps",
        "1,pause,100%",
        "--deploy-cmd",
        &deploy(&log),
    ]);
    let st = env.wait_status("web", T, "the gate", |st| {
        st["step"]["step"] == 2 && hosts_in(st, 1, "healthy").len() == 1
    });
    let waiting: Vec<String> = names
        .iter()
        .filter(|h| !hosts_in(&st, 1, "healthy").contains(h))
        .cloned()
        .collect();
    // Unsigned: the ledger moves on, the agents do not.
    let o = env.run(&["promote", "web"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("is signed"), "{}", stderr(&o));
    wait_messages(&env, &waiting, "signed promotes this host can verify");
    assert_eq!(ran(&log), 1);
    env.ok(&["promote", "web", "--sign-key", key, "--step", "2"]);
    env.ok(&["wait-for-rollout", "web", "--timeout", "40s"]);
    assert_eq!(ran(&log), 2);
}
