//! `serve` through the real binary: loopback serves the dashboard; a LAN address without a
//! password refuses to start.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::helpers::{ledgerbridge, run};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn get(port: u16, path: &str, host: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

#[test]
fn serve_on_loopback_shows_the_dashboard_and_refuses_foreign_hosts() {
    let dir = tempfile::tempdir().unwrap();
    run(ledgerbridge(dir.path()).args(["init"]), 0);
    let port = free_port();
    let mut child = ledgerbridge(dir.path())
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut page = None;
    while Instant::now() < deadline {
        if let Some(response) = get(port, "/", &format!("127.0.0.1:{port}")) {
            page = Some(response);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let foreign = get(port, "/", "evil.example");
    let _ = child.kill();
    let _ = child.wait();
    let page = page.expect("the UI answered");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("ledgerbridge"));
    assert!(foreign.expect("answered").starts_with("HTTP/1.1 421"));
}

#[test]
fn a_lan_address_without_a_password_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    run(ledgerbridge(dir.path()).args(["init"]), 0);
    let out = run(
        ledgerbridge(dir.path()).args(["serve", "--addr", "0.0.0.0:0"]),
        1,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.to_lowercase().contains("password"), "{stderr}");
}
