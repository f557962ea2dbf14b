//! The service loop against a fake syncer, on tokio's paused clock: schedules, backoff,
//! concurrency, webhooks, health, metrics and the stop. Real sockets; virtual time.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveTime, Utc};
use ledgerbridge_core::{System, WallClock};
use ledgerbridge_service::webhooks::sign;
use ledgerbridge_service::{
    LocalZone, Metrics, RunOutcome, RunRequest, RunScope, RunSummary, Service, ServiceSettings,
    StopToken, Syncer, TenantKey, WebhookSecrets,
};
use tokio::task::JoinHandle;
use tokio::time::Instant;

const VERIFIER: &str = "qbo-verifier";
const XERO_KEY: &str = "xero-key";

#[derive(Default)]
struct Fake {
    calls: Mutex<Vec<(String, RunScope, Duration)>>,
    failing: Mutex<HashSet<String>>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    /// How long each run takes (virtual time).
    takes: Duration,
    started: Mutex<Option<Instant>>,
}

impl Fake {
    fn runs_of(&self, tenant: &str) -> Vec<(RunScope, Duration)> {
        let calls = self.calls.lock().unwrap();
        calls
            .iter()
            .filter(|(t, ..)| t == tenant)
            .map(|(_, s, at)| (*s, *at))
            .collect()
    }
}

impl Syncer for Fake {
    async fn sync(&self, tenant: &TenantKey, request: RunRequest) -> RunSummary {
        let since = self.started.lock().unwrap().expect("set").elapsed();
        self.calls
            .lock()
            .unwrap()
            .push((tenant.tenant.clone(), request.scope, since));
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_in_flight.fetch_max(now, Ordering::SeqCst);
        let interrupted = tokio::select! {
            // Paused time (`start_paused`): this sleep is virtual, it costs no wall time.
            () = tokio::time::sleep(self.takes) => false,
            () = request.stop.stopped() => true,
        };
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        if interrupted {
            return RunSummary::bare(RunOutcome::Interrupted, None);
        }
        if self.failing.lock().unwrap().contains(&tenant.tenant) {
            return RunSummary::bare(
                RunOutcome::Failed,
                Some(format!(
                    "tenant {}: remote refused the tokens",
                    tenant.tenant
                )),
            );
        }
        RunSummary {
            written: vec![("invoice".to_owned(), "created", 2)],
            ..RunSummary::bare(RunOutcome::Ok, None)
        }
    }

    async fn ledger_reachable(&self) -> bool {
        true
    }
}

fn key(tenant: &str, target: System, company: &str) -> TenantKey {
    TenantKey {
        tenant: tenant.to_owned(),
        target,
        company: company.to_owned(),
    }
}

fn settings() -> ServiceSettings {
    ServiceSettings {
        poll: Duration::from_secs(60),
        books_poll: Duration::from_secs(900),
        full_pass_at: NaiveTime::from_hms_opt(3, 0, 0).unwrap(),
        zone: LocalZone::Fixed(FixedOffset::east_opt(0).unwrap()),
        concurrency: 4,
        backoff_cap: Duration::from_secs(600),
        webhooks: WebhookSecrets {
            quickbooks_verifier_token: Some(VERIFIER.to_owned().into()),
            xero_webhook_key: Some(XERO_KEY.to_owned().into()),
        },
        ..ServiceSettings::default()
    }
}

struct Running {
    fake: Arc<Fake>,
    addr: SocketAddr,
    stop: StopToken,
    task: JoinHandle<Result<(), ledgerbridge_service::ServiceError>>,
    http: reqwest::Client,
}

/// The one helper: a service over `tenants` with a fake syncer, serving on a free port. The
/// wall clock is tokio's (paused) clock from 10:00 UTC.
async fn spawn_service(settings: ServiceSettings, tenants: Vec<TenantKey>, fake: Fake) -> Running {
    let base: DateTime<Utc> = "2026-12-08T10:00:00Z".parse().unwrap();
    let origin = Instant::now();
    *fake.started.lock().unwrap() = Some(origin);
    let clock = WallClock::new(move || base + origin.elapsed());
    let fake = Arc::new(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = Service::new(
        settings,
        tenants,
        fake.clone(),
        clock,
        Arc::new(Metrics::new()),
    );
    let stop = StopToken::default();
    let task = tokio::spawn(service.run(listener, stop.clone()));
    Running {
        fake,
        addr,
        stop,
        task,
        http: reqwest::Client::new(),
    }
}

impl Running {
    async fn get(&self, path: &str) -> (u16, String) {
        let r = self
            .http
            .get(format!("http://{}{path}", self.addr))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    async fn post(&self, path: &str, header: (&str, &str), body: &str) -> (u16, String) {
        let r = self
            .http
            .post(format!("http://{}{path}", self.addr))
            .header(header.0, header.1)
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[tokio::test(start_paused = true)]
// Prometheus samples are floats by definition; none of these is an amount.
#[allow(clippy::disallowed_types)]
async fn tenants_poll_on_schedule_and_a_failing_one_backs_off_alone() {
    let fake = Fake {
        takes: secs(1),
        ..Fake::default()
    };
    fake.failing.lock().unwrap().insert("2".to_owned());
    let tenants = vec![
        key("1", System::QuickBooks, "realm-1"),
        key("2", System::Xero, "org-2"),
    ];
    let svc = spawn_service(settings(), tenants, fake).await;
    tokio::time::sleep(secs(600)).await;

    let ok = svc.fake.runs_of("1");
    assert_eq!(ok[0], (RunScope::BOTH, secs(0)));
    // Then ServiceTitan every 60 s after the previous run ended (each takes 1 s).
    let starts: Vec<u64> = ok.iter().map(|(_, at)| at.as_secs()).collect();
    assert_eq!(starts, [0, 61, 122, 183, 244, 305, 366, 427, 488, 549]);
    assert!(ok[1..].iter().all(|(s, _)| s.label() == "servicetitan"));
    // The failing tenant: 60, 120, 240 s apart (after its 1 s runs).
    let failing: Vec<u64> = svc
        .fake
        .runs_of("2")
        .iter()
        .map(|(_, at)| at.as_secs())
        .collect();
    assert_eq!(failing, [0, 61, 182, 423]);

    let (status, body) = svc.get("/readyz").await;
    assert_eq!(status, 503);
    let ready: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["status"], "degraded");
    assert_eq!(ready["tenants"][0]["state"], "ok");
    assert_eq!(ready["tenants"][1]["state"], "broken");
    assert_eq!(
        ready["tenants"][1]["reason"],
        "tenant 2: remote refused the tokens"
    );

    let (status, text) = svc.get("/metrics").await;
    assert_eq!(status, 200);
    let lines: Vec<_> = text.lines().map(|l| Ok(l.to_owned())).collect();
    let scrape = prometheus_parse::Scrape::parse(lines.into_iter()).expect("parses");
    let value = |name: &str, labels: &[(&str, &str)]| -> f64 {
        scrape
            .samples
            .iter()
            .filter(|s| s.metric == name)
            .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .map(|s| match s.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => v,
                _ => 0.0,
            })
            .sum()
    };
    // The HTTP round trip may let paused time jump to the next run: the counters are checked
    // against the runs the fake saw by then, not against a fixed number.
    let started = |tenant: &str| svc.fake.runs_of(tenant).len() as u32;
    let ok_runs = value(
        "ledgerbridge_runs_total",
        &[("tenant", "1"), ("outcome", "ok")],
    );
    assert!(
        ok_runs >= 10.0 && ok_runs <= f64::from(started("1")),
        "{ok_runs}"
    );
    let failed_runs = value(
        "ledgerbridge_runs_total",
        &[("tenant", "2"), ("outcome", "failed")],
    );
    assert!(
        failed_runs >= 4.0 && failed_runs <= f64::from(started("2")),
        "{failed_runs}"
    );
    assert_eq!(
        value(
            "ledgerbridge_records_written_total",
            &[
                ("tenant", "1"),
                ("entity", "invoice"),
                ("action", "created")
            ]
        ),
        2.0 * ok_runs,
        "two invoices per successful run"
    );
    assert!(
        value(
            "ledgerbridge_last_success_timestamp_seconds",
            &[("tenant", "1")]
        ) > 0.0
    );
    svc.stop.stop();
    svc.task.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_signed_webhook_wakes_its_tenant_after_the_debounce_and_a_bad_one_nothing() {
    let tenants = vec![
        key("1", System::QuickBooks, "realm-1"),
        key("2", System::Xero, "org-2"),
    ];
    let svc = spawn_service(settings(), tenants, Fake::default()).await;
    tokio::time::sleep(secs(10)).await;
    assert_eq!(svc.fake.runs_of("1").len(), 1, "the first run only");

    let body = r#"[{"specversion":"1.0","id":"e1","source":"intuit.x","type":"qbo.payment.created.v1","time":"2026-12-08T10:00:10Z","intuitentityid":"77","intuitaccountid":"realm-1","data":{}}]"#;
    let unsigned = svc
        .post("/webhooks/quickbooks", ("x-other", "1"), body)
        .await;
    assert_eq!(unsigned.0, 401);
    let forged = sign(VERIFIER, b"another body");
    let replayed = svc
        .post("/webhooks/quickbooks", ("intuit-signature", &forged), body)
        .await;
    assert_eq!(replayed.0, 401);
    tokio::time::sleep(secs(5)).await;
    assert_eq!(
        svc.fake.runs_of("1").len(),
        1,
        "a refused webhook triggers nothing"
    );

    let signed = sign(VERIFIER, body.as_bytes());
    let accepted = svc
        .post("/webhooks/quickbooks", ("intuit-signature", &signed), body)
        .await;
    assert_eq!(accepted, (200, String::new()));
    tokio::time::sleep(secs(5)).await;
    let runs = svc.fake.runs_of("1");
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[1].0.label(), "books");
    assert_eq!(
        runs[1].1,
        secs(17),
        "15 s when it arrived, plus the 2 s debounce"
    );
    assert_eq!(
        svc.fake.runs_of("2").len(),
        1,
        "the Xero tenant was not woken"
    );

    // Xero's intent to receive: 200 with an empty body when signed right, 401 otherwise.
    let itr = r#"{"events":[],"lastEventSequence":0,"firstEventSequence":0,"entropy":"QWERTY"}"#;
    let good = sign(XERO_KEY, itr.as_bytes());
    assert_eq!(
        svc.post("/webhooks/xero", ("x-xero-signature", &good), itr)
            .await,
        (200, String::new())
    );
    let bad = sign("not-the-key", itr.as_bytes());
    assert_eq!(
        svc.post("/webhooks/xero", ("x-xero-signature", &bad), itr)
            .await
            .0,
        401
    );
    let (_, text) = svc.get("/metrics").await;
    assert!(
        text.contains(r#"ledgerbridge_webhooks_total{system="quickbooks",result="rejected"} 2"#),
        "{text}"
    );
    assert!(
        text.contains(r#"ledgerbridge_webhooks_total{system="quickbooks",result="accepted"} 1"#)
    );
    assert!(text.contains(r#"ledgerbridge_webhooks_total{system="xero",result="ignored"} 1"#));
    svc.stop.stop();
    svc.task.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn concurrency_bounds_the_runs_in_flight_and_a_stop_interrupts_them() {
    let fake = Fake {
        takes: secs(3600),
        ..Fake::default()
    };
    let tenants = (1..=5)
        .map(|i| key(&i.to_string(), System::QuickBooks, &format!("realm-{i}")))
        .collect();
    let svc = spawn_service(
        ServiceSettings {
            concurrency: 2,
            ..settings()
        },
        tenants,
        fake,
    )
    .await;
    tokio::time::sleep(secs(30)).await;
    assert_eq!(svc.fake.most_in_flight.load(Ordering::SeqCst), 2);
    assert_eq!(
        svc.fake.calls.lock().unwrap().len(),
        2,
        "the others wait for a permit"
    );
    let (status, body) = svc.get("/readyz").await;
    assert_eq!(status, 503);
    assert!(body.contains(r#""status":"starting""#), "{body}");
    assert!(body.contains(r#""state":"never_synced""#));

    svc.stop.stop();
    svc.task
        .await
        .unwrap()
        .expect("runs in flight stop within stop_seconds");
    assert_eq!(svc.fake.in_flight.load(Ordering::SeqCst), 0);
    assert_eq!(
        svc.fake.calls.lock().unwrap().len(),
        2,
        "nothing new after the stop"
    );
}
