//! ssh-push vs ansible-playbook: the same trivial command on the same loopback sshd hosts,
//! canary 1 then 10 at a time, cold connections for both. Reports medians and their ratio.
//!
//! Reproduce: `pip install ansible-core && cargo bench --bench ssh_push`
//! (HOSTS=20 RUNS=7 to change the size).

#[allow(dead_code)]
#[path = "../tests/common/sshd.rs"]
mod sshd;

use std::process::Command;
use std::time::{Duration, Instant};

fn env_num(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn time(mut cmd: Command) -> Duration {
    let started = Instant::now();
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    started.elapsed()
}

fn stats(mut v: Vec<Duration>) -> (Duration, Duration, Duration) {
    v.sort();
    (v[0], v[v.len() / 2], v[v.len() - 1])
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let hosts = env_num("HOSTS", 15).clamp(2, 60) as u8;
    let runs = env_num("RUNS", 5).max(1);
    let s = sshd::start(hosts);
    let dir = tempfile::tempdir().expect("temp dir");
    let bin = env!("CARGO_BIN_EXE_deployctl");

    let deployctl = || {
        let mut c = Command::new(bin);
        c.args([
            "-q",
            "ssh-push",
            "--hosts",
            &s.hosts.join(","),
            "--canary",
            "1",
            "--parallel",
            "10",
            "--cmd",
            "true",
        ])
        .args(s.flags());
        c
    };

    let inventory = dir.path().join("inventory.ini");
    let mut inv = String::from("[fleet]\n");
    for (i, h) in s.hosts.iter().enumerate() {
        let (addr, port) = h.split_once(':').unwrap();
        inv.push_str(&format!("h{i} ansible_host={addr} ansible_port={port}\n"));
    }
    inv.push_str(&format!(
        "[fleet:vars]\nansible_user={}\nansible_ssh_private_key_file={}\nansible_ssh_common_args='-o UserKnownHostsFile={}'\nansible_python_interpreter=/usr/bin/python3\n",
        std::env::var("USER").unwrap_or_else(|_| "root".into()),
        s.identity.display(),
        s.known_hosts.display()
    ));
    std::fs::write(&inventory, inv).unwrap();
    let playbook = |module: &str| {
        let p = dir.path().join(format!("{module}.yml"));
        std::fs::write(
            &p,
            format!("- hosts: fleet\n  gather_facts: false\n  serial: [1, 10]\n  tasks:\n    - ansible.builtin.{module}: \"true\"\n"),
        )
        .unwrap();
        p
    };
    let ansible = |book: &std::path::Path, run: u32| {
        let mut c = Command::new("ansible-playbook");
        // A fresh control-path dir per run: no connection survives from an earlier run.
        let cp = dir.path().join(format!(
            "cp-{}-{run}",
            book.file_stem().unwrap().to_string_lossy()
        ));
        c.arg("-i")
            .arg(&inventory)
            .args(["-f", "10"])
            .arg(book)
            .env("ANSIBLE_SSH_CONTROL_PATH_DIR", cp)
            .env("ANSIBLE_HOST_KEY_CHECKING", "True")
            .env("ANSIBLE_NOCOWS", "1");
        c
    };
    let have_ansible = Command::new("ansible-playbook")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());

    println!(
        "ssh-push benchmark: {hosts} loopback sshd hosts, canary 1 then 10 at a time, {runs} runs each"
    );
    time(deployctl()); // warm-up: binary and page cache
    let d = stats((0..runs).map(|_| time(deployctl())).collect());
    println!(
        "deployctl ssh-push           min {:>7.3}s  median {:>7.3}s  max {:>7.3}s",
        d.0.as_secs_f64(),
        d.1.as_secs_f64(),
        d.2.as_secs_f64()
    );
    if !have_ansible {
        println!("ansible-playbook not found: `pip install ansible-core` to compare");
        return;
    }
    for module in ["shell", "raw"] {
        let book = playbook(module);
        time(ansible(&book, 999));
        let a = stats((0..runs).map(|r| time(ansible(&book, r))).collect());
        println!(
            "ansible-playbook ({module:<5})      min {:>7.3}s  median {:>7.3}s  max {:>7.3}s   median ratio ansible/deployctl = {:.1}x",
            a.0.as_secs_f64(),
            a.1.as_secs_f64(),
            a.2.as_secs_f64(),
            a.1.as_secs_f64() / d.1.as_secs_f64()
        );
    }
}
