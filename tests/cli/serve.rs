//! `serve` through the real binary: loopback serves the dashboard; a LAN address without a
//! password refuses to start.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::helpers::{ledgerbridge, run};

/// `serve` on a port the OS picks, once it listens: it prints `Review UI on http://ADDR` after
/// binding, so that line is the signal (no polling, no race for a free port). The bound is
/// only a guard against a hang.
fn start_serve(dir: &Path) -> (Child, u16) {
    let mut child = ledgerbridge(dir)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // Read on to the end, so a later line never meets a closed pipe.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let line = rx
        .recv_timeout(Duration::from_secs(300))
        .expect("serve printed where it listens");
    let port = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|addr| addr.rsplit(':').next())
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    (child, port)
}

fn get(port: u16, path: &str, host: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .ok()?;
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
    let (mut child, port) = start_serve(dir.path());
    let page = get(port, "/", &format!("127.0.0.1:{port}"));
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

/// `serve` on a sandbox setup: the mapping form offers the books' own lists, fetched on each
/// page load, and the dashboard lists unmapped values named as the engine names them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_offers_the_books_lists_as_mapping_choices() {
    use ledgerbridge_emulator::{LimitMode, Scenario};
    use ledgerbridge_sandbox::{Sandbox, SandboxOptions};

    let sandbox = Sandbox::start(SandboxOptions::for_tests(
        Scenario::Demo,
        LimitMode::Relaxed,
    ))
    .await
    .unwrap();
    let info = sandbox.info();
    let qbo_tenant = info.servicetitan.tenants[0].tenant_id.to_string();
    let xero_tenant = info.servicetitan.tenants[1].tenant_id.to_string();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let ports = [
        sandbox.servicetitan_handle.addr.port(),
        sandbox.quickbooks_handle.addr.port(),
        sandbox.xero_handle.addr.port(),
    ];
    let pages = tokio::task::spawn_blocking(move || {
        run(
            ledgerbridge(&root)
                .args(["init", "--sandbox", "--dir", "books"])
                .args([
                    "--servicetitan-port",
                    &ports[0].to_string(),
                    "--quickbooks-port",
                    &ports[1].to_string(),
                    "--xero-port",
                    &ports[2].to_string(),
                ]),
            0,
        );
        let (mut child, port) = start_serve(&root.join("books"));
        let host = format!("127.0.0.1:{port}");
        let fetch = |path: String| get(port, &path, &host).expect("answered");
        let pages = [
            fetch(format!(
                "/mappings?tenant={qbo_tenant}&system=quickbooks&kind=item&source=SKU-NEW"
            )),
            fetch(format!(
                "/mappings?tenant={xero_tenant}&system=xero&kind=gl_account&source=4999"
            )),
            fetch(format!(
                "/mappings?tenant={qbo_tenant}&system=xero&kind=item&source=SKU-NEW"
            )),
            fetch("/".to_owned()),
            fetch(format!(
                "/mappings?tenant={qbo_tenant}&system=quickbooks&kind=payment_type_reverse&source=Check"
            )),
        ];
        let _ = child.kill();
        let _ = child.wait();
        pages
    })
    .await
    .unwrap();
    let [qbo_items, xero_accounts, wrong_system, dashboard, way_back] = pages;
    for page in [&qbo_items, &xero_accounts] {
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        assert!(
            page.contains(r#"<select id="m-target" name="target">"#),
            "the books' list is offered: {page}"
        );
        assert!(
            page.contains(r#"<label for="m-other">"#),
            "typing stays possible"
        );
        assert!(!page.contains("could not be listed"), "{page}");
    }
    // The demo company's own items and accounts, with their ids.
    assert!(
        qbo_items.contains("Refrigerant R-410A (lb) ("),
        "{qbo_items}"
    );
    assert!(
        xero_accounts.contains(r#"<option value="200">Sales (200)</option>"#),
        "{xero_accounts}"
    );
    assert!(
        wrong_system.contains("could not be listed (tenant"),
        "{wrong_system}"
    );
    assert!(wrong_system.contains("syncs to quickbooks, not xero"));
    assert!(dashboard.starts_with("HTTP/1.1 200"), "{dashboard}");
    assert!(dashboard.contains(r#"<h2 id="h-unmapped">Unmapped values</h2>"#));
    assert!(
        !dashboard.contains("The unmapped values could not be listed"),
        "ServiceTitan's tax zones were read: {dashboard}"
    );
    // A books payment method maps back to one of ServiceTitan's payment types, by id.
    assert!(way_back.starts_with("HTTP/1.1 200"), "{way_back}");
    assert!(!way_back.contains("could not be listed"), "{way_back}");
    for name in ["Cash", "Check", "Credit Card", "ACH/EFT", "Financing"] {
        assert!(
            way_back.contains(&format!(">{name} (")),
            "{name} offered: {way_back}"
        );
    }
    assert!(
        !way_back.contains("Undeposited Funds ("),
        "the books' deposit accounts are not offered: {way_back}"
    );
}

#[test]
fn a_short_web_password_is_refused_naming_its_source() {
    let dir = tempfile::tempdir().unwrap();
    run(ledgerbridge(dir.path()).args(["init"]), 0);
    let file = dir.path().join("pw.txt");
    std::fs::write(&file, "x\n").unwrap();
    let out = run(
        ledgerbridge(dir.path())
            .args(["serve", "--addr", "0.0.0.0:0", "--password-file"])
            .arg(&file),
        2,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--password-file"), "{stderr}");
    assert!(stderr.contains("at least 12 characters"), "{stderr}");
    let out = run(
        ledgerbridge(dir.path())
            .args(["serve", "--addr", "0.0.0.0:0"])
            .env("LEDGERBRIDGE_WEB_PASSWORD", "elevenchars"),
        2,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("$LEDGERBRIDGE_WEB_PASSWORD"), "{stderr}");
    assert!(stderr.contains("at least 12 characters"), "{stderr}");
}
