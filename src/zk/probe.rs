//! Why ZooKeeper cannot be reached: refused, cannot resolve, or no answer.
//!
//! The client library retries a refused port until the connect timeout and then reports only a
//! timeout. A plain TCP probe of every server tells the cases apart, so that a port nobody
//! listens on (a wrong `--zk`, a server that is down) fails in about a second instead of the
//! whole timeout, and every message says which case it was.

use std::time::Duration;

use tokio::net::TcpStream;

/// How long "refused by every server" is retried before giving up (a server may be restarting).
const REFUSED_FOR: Duration = Duration::from_millis(1500);
/// Between two probes of every server.
const PROBE_EVERY: Duration = Duration::from_millis(250);
/// One TCP connect attempt.
const CONNECT_WITHIN: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Refused,
    Unresolvable(String),
    /// TCP connect did not finish in time (a blackhole, a firewall dropping packets).
    Silent,
    /// Something accepts TCP connections: the client will have to tell the rest.
    Accepting,
    Other(String),
}

pub struct Probe {
    servers: Vec<String>,
}

/// `host:port` entries of a connect string (`a:2181,b:2181/chroot`; port 2181 by default).
fn servers(connect: &str) -> Vec<String> {
    let hosts = connect.split('/').next().unwrap_or_default();
    hosts
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(|h| {
            let has_port = match h.rfind(']') {
                Some(close) => h[close..].contains(':'),
                None => h.contains(':'),
            };
            if has_port {
                h.to_string()
            } else {
                format!("{h}:2181")
            }
        })
        .collect()
}

async fn probe_one(server: &str) -> Seen {
    let addrs = match tokio::net::lookup_host(server).await {
        Ok(a) => a.collect::<Vec<_>>(),
        Err(e) => return Seen::Unresolvable(format!("cannot resolve {server}: {e}")),
    };
    if addrs.is_empty() {
        return Seen::Unresolvable(format!("cannot resolve {server}"));
    }
    let mut seen = Seen::Refused;
    for addr in addrs {
        match tokio::time::timeout(CONNECT_WITHIN, TcpStream::connect(addr)).await {
            Ok(Ok(_)) => return Seen::Accepting,
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {}
            Ok(Err(e)) => seen = Seen::Other(format!("{server}: {e}")),
            Err(_) => seen = Seen::Silent,
        }
    }
    seen
}

impl Probe {
    pub fn new(connect: &str) -> Self {
        Probe {
            servers: servers(connect),
        }
    }

    async fn round(&self) -> Vec<Seen> {
        futures::future::join_all(self.servers.iter().map(|s| probe_one(s))).await
    }

    /// Resolves (with the reason) once no server can be reached: every one refused for a while,
    /// or none can be resolved. Pending for ever otherwise (the client's own connect decides).
    pub async fn hopeless(&self) -> String {
        if self.servers.is_empty() {
            return std::future::pending().await;
        }
        let started = tokio::time::Instant::now();
        loop {
            let seen = self.round().await;
            if seen.iter().all(|s| matches!(s, Seen::Unresolvable(_))) {
                return seen
                    .iter()
                    .filter_map(|s| match s {
                        Seen::Unresolvable(m) => Some(m.as_str()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
            }
            let refused = seen
                .iter()
                .all(|s| matches!(s, Seen::Refused | Seen::Unresolvable(_)));
            if !refused {
                return std::future::pending().await;
            }
            if started.elapsed() >= REFUSED_FOR {
                return format!(
                    "connection refused by every server ({}): is ZooKeeper running there?",
                    self.servers.join(", ")
                );
            }
            tokio::time::sleep(PROBE_EVERY).await;
        }
    }

    /// The reason for a connect that timed out.
    pub async fn describe_timeout(&self) -> String {
        let seen = self.round().await;
        if seen.contains(&Seen::Accepting) {
            "the servers accept connections but no ZooKeeper session was established (not a ZooKeeper port, a TLS mismatch, or a server out of its quorum)".into()
        } else if seen.contains(&Seen::Silent) {
            "no answer (TCP connections time out: a firewall or an unreachable network?)".into()
        } else {
            let other: Vec<String> = seen
                .into_iter()
                .filter_map(|s| match s {
                    Seen::Other(m) | Seen::Unresolvable(m) => Some(m),
                    _ => None,
                })
                .collect();
            if other.is_empty() {
                "no answer".into()
            } else {
                other.join("; ")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_strings() {
        assert_eq!(servers("a:1,b"), vec!["a:1", "b:2181"]);
        assert_eq!(servers("127.0.0.1:2181/chroot"), vec!["127.0.0.1:2181"]);
        assert_eq!(
            servers("[::1]:2182,[::1]"),
            vec!["[::1]:2182", "[::1]:2181"]
        );
    }

    #[tokio::test]
    async fn a_closed_port_is_refused_quickly() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let p = Probe::new(&format!("127.0.0.1:{port}"));
        let why = tokio::time::timeout(Duration::from_secs(5), p.hopeless())
            .await
            .expect("refused is decided quickly");
        assert!(why.contains("refused"), "{why}");
    }

    #[tokio::test]
    async fn an_unknown_host_cannot_be_resolved() {
        let p = Probe::new("no-such-host.invalid:2181");
        let why = tokio::time::timeout(Duration::from_secs(10), p.hopeless())
            .await
            .expect("decided");
        assert!(why.contains("cannot resolve no-such-host.invalid"), "{why}");
    }
}
