//! ZooKeeper ACLs with real credentials: publisher, agents, strangers.

mod common;

use common::*;

const T: std::time::Duration = std::time::Duration::from_secs(60);

const PUBLISHER: &str = "ci:ci-secret-pw";
const AGENT: &str = "fleet:fleet-secret-pw";

#[test]
fn publishers_agents_and_strangers_are_kept_apart() {
    let env = TestEnv::new("acl");
    let out = env.ok(&["init", "--publisher", PUBLISHER, "--agent", AGENT]);
    assert!(
        out.contains("publisher ci, agent fleet, world nothing"),
        "{out}"
    );
    let deploy = "echo {{ version }} > version";
    env.ok(&[
        "--zk-auth",
        PUBLISHER,
        "publish",
        "web",
        "1.0",
        "--slots",
        "2",
        "--deploy-cmd",
        deploy,
        "--get-version-cmd",
        GET_VERSION,
    ]);

    // An agent's credentials cannot publish or change a spec.
    let out = env.run(&[
        "--zk-auth",
        AGENT,
        "publish",
        "web",
        "2.0",
        "--deploy-cmd",
        "true",
    ]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("ZooKeeper ACL"), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("fleet-secret-pw"),
        "credentials never printed"
    );
    let out = env.run(&["--zk-auth", AGENT, "pause", "web"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));

    // A stranger can read or write nothing.
    for args in [
        vec!["status", "web"],
        vec!["publish", "web", "9.0"],
        vec!["apps"],
    ] {
        let out = env.run(&args);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {}", stderr(&out));
    }
    let out = env.run(&["--zk-auth", "stranger:guess", "history", "web"]);
    assert_eq!(out.status.code(), Some(4));

    // The fleet rolls it out with agent credentials; CI waits with its own.
    let names = hosts("f", 3);
    let _agents: Vec<Agent> = names
        .iter()
        .map(|h| env.agent_with(h, &["web"], &["--zk-auth", AGENT]))
        .collect();
    env.ok(&[
        "--zk-auth",
        PUBLISHER,
        "wait-for-rollout",
        "web",
        "--timeout",
        "30s",
        "--expect-hosts",
        "3",
    ]);

    // The publisher cannot impersonate an agent's status.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let refused = rt.block_on(async {
        let opts = deployctl::zk::ZkOptions {
            servers: zk_addr().to_string(),
            root: env.root.clone(),
            auth: Some(PUBLISHER.into()),
            ..Default::default()
        };
        let zk = deployctl::zk::connect(&opts).await.unwrap();
        let path = zk.layout.status("web", "f1");
        zk.client.set_data(&path, b"{\"forged\":true}", None).await
    });
    assert_eq!(refused.unwrap_err(), zookeeper_client::Error::NoAuth);

    // A bad release: agents may only halt it in the ledger; CI's wait publishes the rollback.
    env.ok(&[
        "--zk-auth",
        PUBLISHER,
        "publish",
        "web",
        "2.0",
        "--slots",
        "1",
        "--auto-rollback",
        "--deploy-cmd",
        "echo broken; exit 1",
        "--get-version-cmd",
        GET_VERSION,
    ]);
    let out = env.run(&[
        "--zk-auth",
        PUBLISHER,
        "--output",
        "json",
        "wait-for-rollout",
        "web",
        "--timeout",
        "30s",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let summary = schema::parse(schema::Kind::WaitSummary, &out.stdout);
    assert_eq!(summary["result"], "rolled_back", "{summary:#}");
    env.ok(&[
        "--zk-auth",
        PUBLISHER,
        "wait-for-rollout",
        "web",
        "--release",
        "3",
        "--timeout",
        "30s",
    ]);
    let st = env.json(&["--zk-auth", PUBLISHER, "status", "web"]);
    for h in &names {
        assert_eq!(host(&st, h).unwrap()["version"], "1.0", "{st:#}");
    }
    let history = env.json(&["--zk-auth", PUBLISHER, "history", "web"]);
    let halted = &history["releases"][1]["ledger"];
    assert_eq!(halted["state"], "halted");
    assert_eq!(halted["rolled_back_by"], 3);
}

#[test]
fn an_agent_waits_for_the_first_publish_of_its_app() {
    let env = TestEnv::new("acl-unpublished");
    let init = env.json(&["init", "--publisher", PUBLISHER, "--agent", AGENT]);
    assert_eq!(init["publisher"], "ci", "{init}");
    // Started before anything of `api` exists: with agent credentials it may not create the
    // app's nodes, so it must wait for them rather than give up on the app (and exit).
    let mut agent = env.agent_with("a1", &["api"], &["--zk-auth", AGENT]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !agent.log().contains("waiting for the first publish") {
        assert!(
            std::time::Instant::now() < deadline,
            "agent never said it waits:\n{}",
            agent.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    env.ok(&[
        "--zk-auth",
        PUBLISHER,
        "publish",
        "api",
        "1.0",
        "--deploy-cmd",
        "echo {{ version }} > version",
        "--get-version-cmd",
        GET_VERSION,
    ]);
    env.ok(&[
        "--zk-auth",
        PUBLISHER,
        "wait-for-rollout",
        "api",
        "--timeout",
        "30s",
        "--expect-hosts",
        "1",
    ]);
    let st = env.json(&["--zk-auth", PUBLISHER, "status", "api"]);
    assert_eq!(host(&st, "a1").unwrap()["state"], "healthy", "{st:#}");
    assert!(
        agent
            .pid()
            .is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists()),
        "the agent is still running"
    );
    agent.kill9();
}

/// Put `data` into `<root>/acl` (creating it), authenticated as `auth`.
fn plant_policy(env: &TestEnv, auth: Option<&str>, data: &[u8]) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let opts = deployctl::zk::ZkOptions {
            servers: zk_addr().to_string(),
            root: env.root.clone(),
            auth: auth.map(str::to_string),
            ..Default::default()
        };
        let zk = deployctl::zk::connect_without_policy(&opts).await.unwrap();
        zk.ensure_path(zk.layout.root()).await.unwrap();
        let path = format!("{}/acl", env.root);
        let mode = zookeeper_client::CreateMode::Persistent
            .with_acls(zookeeper_client::Acls::anyone_all());
        match zk.client.create(&path, data, &mode).await {
            Ok(_) => {}
            Err(zookeeper_client::Error::NodeExists) => {
                zk.client.set_data(&path, data, None).await.unwrap();
            }
            Err(e) => panic!("{e}"),
        }
    });
}

fn wait_log(agent: &Agent, what: &str, count: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while agent.log().matches(what).count() < count {
        assert!(
            std::time::Instant::now() < deadline,
            "agent log never had {what:?} {count} time(s):\n{}",
            agent.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn garbage_acl_policy_on_an_open_tree_is_named_and_ignored() {
    let env = TestEnv::new("acl-garbage-open");
    let names = hosts("g", 1);
    let agents = env.start_agents("web", &names, &[]);
    let publish = |v: &str| {
        release_of(&env.json(&[
            "publish",
            "web",
            v,
            "--deploy-cmd",
            "echo {{ version }} > version",
            "--get-version-cmd",
            GET_VERSION,
        ]))
    };
    let r1 = publish("1.0");
    env.wait_hosts("web", &names, r1, &["healthy"], T);
    plant_policy(&env, None, b"\x00 not a policy");

    // CLI calls work and say what is wrong, naming the node.
    let out = env.run(&["status", "web"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let acl_path = format!("{}/acl", env.root);
    assert!(
        stderr(&out).contains(&acl_path) && stderr(&out).contains("not a valid policy"),
        "{}",
        stderr(&out)
    );

    // The running agent loses its session (frozen past its 2 s timeout) and connects again:
    // it keeps serving instead of exiting on the policy.
    let pid = agents[0].pid().unwrap() as i32;
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    std::thread::sleep(std::time::Duration::from_secs(3));
    unsafe { libc::kill(pid, libc::SIGCONT) };
    wait_log(&agents[0], "connected to ZooKeeper", 2);
    let r2 = publish("2.0");
    env.wait_hosts("web", &names, r2, &["healthy"], T);
    assert!(
        std::path::Path::new(&format!("/proc/{pid}/status")).exists()
            && !std::fs::read_to_string(format!("/proc/{pid}/status"))
                .unwrap_or_default()
                .contains("zombie"),
        "the agent is still running:\n{}",
        agents[0].log()
    );
}

#[test]
fn garbage_acl_policy_on_a_protected_tree_is_a_clear_error_until_init_rewrites_it() {
    let env = TestEnv::new("acl-garbage-protected");
    env.ok(&["init", "--publisher", PUBLISHER, "--agent", AGENT]);
    plant_policy(&env, Some(PUBLISHER), b"{\"publisher\": 1}");
    let out = env.run(&["--zk-auth", PUBLISHER, "apps"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let acl_path = format!("{}/acl", env.root);
    assert!(
        stderr(&out).contains(&acl_path) && stderr(&out).contains("deployctl init"),
        "{}",
        stderr(&out)
    );
    // An agent started now keeps trying instead of exiting, and serves once init rewrote it.
    let agent = env.agent_with("p1", &["web"], &["--zk-auth", AGENT]);
    wait_log(&agent, "ACL policy", 1);
    env.ok(&["init", "--publisher", PUBLISHER, "--agent", AGENT]);
    env.ok(&[
        "--zk-auth",
        PUBLISHER,
        "publish",
        "web",
        "1.0",
        "--deploy-cmd",
        "echo {{ version }} > version",
    ]);
    env.ok(&[
        "--zk-auth",
        PUBLISHER,
        "wait-for-rollout",
        "web",
        "--timeout",
        "30s",
        "--expect-hosts",
        "1",
    ]);
}
