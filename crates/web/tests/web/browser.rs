//! The real-browser test: headless Chromium, driven through WebDriver (a few hand-written
//! calls over reqwest), against `serve` on port 0. It logs in, opens a conflict, picks the
//! values by clicking, records the resolution, and checks the ledger.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Under `CI=true` a missing browser fails
//! the test; elsewhere the test is skipped with the reason printed. Set
//! `LEDGERBRIDGE_WEB_SCREENSHOTS=DIR` to save the dashboard and conflict screenshots there.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use base64::Engine as _;
use ledgerbridge_ledger::{ConflictId, ConflictStatus};
use ledgerbridge_web::{ServeOptions, bind};
use serde_json::{Value, json};

use crate::helpers::*;

/// W3C WebDriver's element key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// The browser and its driver, or why they are missing.
fn browser() -> Result<(PathBuf, PathBuf), String> {
    let driver = find_program(&["chromedriver"]).ok_or("chromedriver is not installed")?;
    let chromium =
        find_program(&["chromium", "chromium-browser"]).ok_or("chromium is not installed")?;
    Ok((driver, chromium))
}

struct Session {
    http: reqwest::Client,
    base: String,
}

impl Session {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let mut request = self.http.request(method, &url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("webdriver reachable");
        let status = response.status();
        let value: Value = response.json().await.expect("webdriver JSON");
        assert!(status.is_success(), "{path}: {status} {value}");
        value["value"].clone()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> Value {
        self.call(reqwest::Method::GET, path, None).await
    }

    async fn open(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }

    async fn find(&self, css: &str) -> String {
        let found = self
            .post("/element", json!({"using": "css selector", "value": css}))
            .await;
        found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {found}"))
            .to_owned()
    }

    async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.post(&format!("/element/{el}/click"), json!({})).await;
    }

    async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.post(&format!("/element/{el}/value"), json!({ "text": text }))
            .await;
    }

    async fn source(&self) -> String {
        self.get("/source")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn screenshot(&self, name: &str) {
        let png = self.get("/screenshot").await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().expect("base64"))
            .expect("a decodable screenshot");
        assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
        if let Some(dir) = std::env::var_os("LEDGERBRIDGE_WEB_SCREENSHOTS") {
            std::fs::write(Path::new(&dir).join(name), bytes).expect("screenshot saved");
        }
    }
}

async fn free_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn a_person_resolves_a_conflict_in_a_real_browser() {
    let (driver, chromium) = match browser() {
        Ok(found) => found,
        Err(reason) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("the browser test needs chromium and chromium-driver under CI: {reason}")
        }
        Err(reason) => {
            println!(
                "skipping the browser test: {reason} (apt-get install chromium chromium-driver)"
            );
            return;
        }
    };
    let ledger = seeded_ledger().await;
    let server = bind(
        ServeOptions::new("127.0.0.1:0".parse().unwrap(), ledger.clone())
            .password(secret("correct horse"))
            .login_delay(Duration::ZERO),
    )
    .await
    .unwrap();
    let site = format!("http://{}", server.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.run_until(async {
        let _ = stopped.await;
    }));

    let port = free_port().await;
    let _chromedriver = tokio::process::Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver starts");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let driver_url = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..100 {
        if let Ok(r) = http.get(format!("{driver_url}/status")).send().await
            && r.status().is_success()
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "chromedriver did not come up within 10 s");
    let created: Value = http
        .post(format!("{driver_url}/session"))
        .json(&json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1280,1100"]
            }
        }}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["value"]["sessionId"]
        .as_str()
        .expect("a session")
        .to_owned();
    let s = Session {
        http: http.clone(),
        base: format!("{driver_url}/session/{id}"),
    };

    // Log in: the conflict page sends us to the login form first.
    s.open(&format!("{site}/conflicts/1")).await;
    assert!(s.source().await.contains("Log in"));
    s.type_into("#password", "correct horse").await;
    s.type_into("#name", "Browser").await;
    s.click("form.stack button[type=submit]").await;

    // Back on the conflict; pick ServiceTitan, accounting, and a typed quantity.
    let page = s.source().await;
    assert!(page.contains("Conflict 1"), "{page}");
    s.screenshot("conflict.png").await;
    s.click(r#"input[name="choice.0"][value=servicetitan]"#)
        .await;
    s.click(r#"input[name="choice.1"][value=accounting]"#).await;
    s.type_into(r#"input[name="value.2"]"#, "3").await;
    s.type_into("#note", "Checked with the technician.").await;
    s.click("form.resolve button[type=submit]").await;
    let after = s.source().await;
    assert!(after.contains("Conflict 1 resolved."), "{after}");

    let conflict = ledger
        .conflicts()
        .get(ConflictId(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conflict.status, ConflictStatus::Resolved);
    assert_eq!(conflict.resolved_by.as_deref(), Some("web:Browser"));
    assert_eq!(
        conflict.resolution,
        Some(json!({
            "invoice.memo": "servicetitan",
            "invoice.due_date": "accounting",
            // Typing picked "This value" (app.js), and the quantity was read exactly.
            "lines[st:9001].quantity": {"value": "3"},
        }))
    );

    s.open(&format!("{site}/")).await;
    assert!(s.source().await.contains("Open conflicts"));
    s.screenshot("dashboard.png").await;

    s.call(reqwest::Method::DELETE, "", None).await;
    let _ = stop.send(());
    serving.await.unwrap().unwrap();
}
