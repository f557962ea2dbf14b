//! The Host rule: a request is served only when its `Host` names this server, as the bound
//! address or as localhost, with the bound port.
//!
//! This is the defence against DNS rebinding: a hostile page that makes `evil.example` resolve
//! to 127.0.0.1 can reach the socket, but its requests say `Host: evil.example` and are refused
//! before any handler runs. Refused requests get **421 Misdirected Request** ("this server does
//! not serve that authority"), which tells a human and a proxy apart from a 403 about
//! permissions.

use std::net::{IpAddr, SocketAddr};

/// Which `Host` values this server answers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HostRule {
    port: u16,
    names: Vec<String>,
}

impl HostRule {
    /// The names of a server bound to `addr`: its IP (unless it is the unspecified 0.0.0.0/::,
    /// which no client can name), `localhost` and the loopback literals, plus `extra` names the
    /// operator allowed (e.g. the machine's name on the LAN).
    pub(crate) fn new(addr: SocketAddr, extra: &[String]) -> Self {
        let mut names = vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
            "[::1]".to_owned(),
        ];
        if !addr.ip().is_unspecified() {
            names.push(ip_host(addr.ip()));
        }
        names.extend(extra.iter().map(|n| normalize(n)));
        names.sort();
        names.dedup();
        Self {
            port: addr.port(),
            names,
        }
    }

    /// Whether a `Host` header value names this server.
    pub(crate) fn allows(&self, host: &str) -> bool {
        let Some((name, port)) = split_host(host) else {
            return false;
        };
        port == self.port && self.names.iter().any(|n| *n == normalize(name))
    }
}

fn ip_host(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

fn normalize(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// `name:port`, `[v6]:port` or `name` (port 80, as HTTP says).
fn split_host(host: &str) -> Option<(&str, u16)> {
    let host = host.trim();
    if host.is_empty() {
        return None;
    }
    if host.starts_with('[') {
        let end = host.find(']')?;
        let (name, rest) = host.split_at(end + 1);
        return match rest.strip_prefix(':') {
            Some(port) => Some((name, port.parse().ok()?)),
            None if rest.is_empty() => Some((name, 80)),
            None => None,
        };
    }
    match host.rsplit_once(':') {
        Some((name, port)) => Some((name, port.parse().ok()?)),
        None => Some((host, 80)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(addr: &str) -> HostRule {
        HostRule::new(addr.parse().unwrap(), &[])
    }

    #[test]
    fn loopback_names_with_the_bound_port_are_allowed() {
        let r = rule("127.0.0.1:8080");
        for host in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST:8080",
            "[::1]:8080",
        ] {
            assert!(r.allows(host), "{host}");
        }
    }

    #[test]
    fn other_names_and_ports_are_refused() {
        let r = rule("127.0.0.1:8080");
        for host in [
            "evil.example:8080",
            "localhost:8081",
            "localhost",
            "127.0.0.1",
            "",
            "localhost:80x",
            "[::1]x",
            "127.0.0.1:8080.evil.example",
        ] {
            assert!(!r.allows(host), "{host}");
        }
    }

    #[test]
    fn a_lan_bind_answers_to_its_address_and_allowed_names_only() {
        let r = HostRule::new(
            "192.0.2.10:8080".parse().unwrap(),
            &["Books.Local.".to_owned()],
        );
        assert!(r.allows("192.0.2.10:8080"));
        assert!(r.allows("books.local:8080"));
        assert!(!r.allows("192.0.2.11:8080"));
        let any = rule("0.0.0.0:8080");
        assert!(!any.allows("0.0.0.0:8080"));
        assert!(any.allows("localhost:8080"));
    }

    #[test]
    fn port_80_may_be_implied() {
        assert!(rule("127.0.0.1:80").allows("localhost"));
        assert!(rule("[::1]:80").allows("[::1]"));
    }
}
