//! TLS to ZooKeeper: a server with a secure client port and certificates made by this test.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use deployctl::zk::server::{LocalZooKeeper, ServerTls};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl (apt-get install -y openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, a server certificate for 127.0.0.1 signed by it, and an unrelated second CA.
fn certificates(dir: &Path) -> (ServerTls, PathBuf) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=deployctl-test-ca",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "other.key",
            "-out",
            "other-ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=someone-else",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ],
    );
    std::fs::write(
        dir.join("ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "ext",
        ],
    );
    openssl(
        dir,
        &[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            "server.key",
            "-out",
            "server.pk8",
        ],
    );
    let mut pem = std::fs::read_to_string(dir.join("server.pk8")).unwrap();
    pem.push_str(&std::fs::read_to_string(dir.join("server.crt")).unwrap());
    std::fs::write(dir.join("server.pem"), pem).unwrap();
    (
        ServerTls {
            key_and_cert: dir.join("server.pem"),
            ca: dir.join("ca.pem"),
        },
        dir.join("other-ca.pem"),
    )
}

#[test]
fn tls_connections_work_and_plain_ones_to_the_tls_port_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let (tls, other_ca) = certificates(dir.path());
    let zk_dir = dir.path().join("zk");
    let (tx, rx) = std::sync::mpsc::channel();
    // Tied to a thread that outlives the test (parent-death signal), like the shared harness.
    let t = tls.clone();
    std::thread::spawn(
        move || match LocalZooKeeper::start_with(&zk_dir, 250, Some(&t)) {
            Ok(zk) => {
                let _ = tx.send(Ok(zk.secure_port.unwrap()));
                loop {
                    std::thread::park();
                }
            }
            Err(e) => {
                let _ = tx.send(Err(e.to_string()));
            }
        },
    );
    let port = rx
        .recv()
        .unwrap()
        .unwrap_or_else(|e| panic!("TLS ZooKeeper: {e}"));
    let server = format!("127.0.0.1:{port}");
    let run = |extra: &[&str]| {
        Command::new(common::bin())
            .args([
                "--zk",
                &server,
                "--zk-root",
                "/tls",
                "--connect-timeout",
                "4s",
            ])
            .args(extra)
            .env_remove("DEPLOYCTL_ZK")
            .output()
            .unwrap()
    };
    let ca = tls.ca.to_str().unwrap();
    let out = run(&["--zk-tls", "--zk-tls-ca", ca, "publish", "app", "1.0"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&[
        "--zk-tls",
        "--zk-tls-ca",
        ca,
        "--output",
        "json",
        "status",
        "app",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"version\":\"1.0\""));
    common::schema::parse(common::schema::Kind::Status, &out.stdout);

    // A plain client on the TLS port: exit 4, bounded, one clear line.
    let started = Instant::now();
    let out = run(&["status", "app"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains(&format!("cannot reach ZooKeeper at {server}"))
    );
    // A CA that did not sign the server's certificate: refused.
    let out = run(&[
        "--zk-tls",
        "--zk-tls-ca",
        other_ca.to_str().unwrap(),
        "status",
        "app",
    ]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // --zk-tls without a CA is a usage error.
    let out = run(&["--zk-tls", "status", "app"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
