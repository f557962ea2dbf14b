//! The SMTP sink: a real SMTP server on a socket (RFC 5321's EHLO/HELO, optional AUTH
//! PLAIN/LOGIN, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT) that keeps every
//! message it accepts, so `kind = "email"` alert channels can be tried and tested without a
//! mail server. No TLS: alert channels reach it with `?tls=none`, which they allow on loopback
//! only.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The largest message accepted (advertised as `SIZE`).
const MAX_MESSAGE_BYTES: usize = 10 * 1024 * 1024;

/// A message the sink accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReceivedMail {
    /// The envelope sender (`MAIL FROM`).
    pub from: String,
    /// The envelope recipients (`RCPT TO`).
    pub to: Vec<String>,
    /// The `Subject:` header, as sent.
    pub subject: Option<String>,
    /// The body (after the headers), with CRLF line ends.
    pub body: String,
    /// The whole message as sent after dot-unstuffing (headers and body).
    pub data: String,
    /// Whether the client authenticated (and as whom).
    pub auth_user: Option<String>,
    /// When the sink took it.
    pub received_at: DateTime<Utc>,
}

/// What the sink received, oldest first. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct Mailbox(Arc<Mutex<Vec<ReceivedMail>>>);

impl Mailbox {
    /// Every message so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.0.lock().expect("mailbox lock").clone()
    }

    fn push(&self, mail: ReceivedMail) {
        self.0.lock().expect("mailbox lock").push(mail);
    }
}

/// A running SMTP sink; dropping it stops accepting connections.
#[derive(Debug)]
pub struct SmtpSink {
    /// Where it listens.
    pub addr: SocketAddr,
    /// What it received.
    pub mailbox: Mailbox,
    accept: JoinHandle<()>,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl SmtpSink {
    /// Binds `addr` (port 0: any free port) and serves until dropped.
    pub async fn start(addr: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let mailbox = Mailbox::default();
        let inbox = mailbox.clone();
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let inbox = inbox.clone();
                tokio::spawn(async move {
                    if let Err(error) = session(stream, inbox).await {
                        tracing::debug!(%error, "SMTP sink session ended");
                    }
                });
            }
        });
        Ok(Self {
            addr,
            mailbox,
            accept,
        })
    }

    /// `smtp://HOST:PORT?tls=none`: the URL an email channel uses.
    pub fn url(&self) -> String {
        format!("smtp://{}?tls=none", self.addr)
    }
}

/// One envelope being built.
#[derive(Default)]
struct Envelope {
    from: Option<String>,
    to: Vec<String>,
}

/// One client connection.
struct Conn {
    lines: BufReader<OwnedReadHalf>,
    write: OwnedWriteHalf,
}

impl Conn {
    async fn reply(&mut self, text: &str) -> std::io::Result<()> {
        self.write.write_all(format!("{text}\r\n").as_bytes()).await
    }

    /// The next line without its line end; `None` at end of stream.
    async fn line(&mut self) -> std::io::Result<Option<String>> {
        let mut line = String::new();
        if self.lines.read_line(&mut line).await? == 0 {
            return Ok(None);
        }
        Ok(Some(line.trim_end_matches(['\r', '\n']).to_owned()))
    }
}

async fn session(stream: TcpStream, mailbox: Mailbox) -> std::io::Result<()> {
    let (read, write) = stream.into_split();
    let mut conn = Conn {
        lines: BufReader::new(read),
        write,
    };
    conn.reply("220 ledgerbridge-sandbox ESMTP ready").await?;
    let mut state = State::default();
    while let Some(line) = conn.line().await? {
        let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
        let arg = line.get(verb.len()..).unwrap_or("").trim();
        match verb.as_str() {
            "EHLO" | "HELO" => {
                state.greeted = true;
                state.envelope = Envelope::default();
                if verb == "HELO" {
                    conn.reply("250 ledgerbridge-sandbox").await?;
                } else {
                    conn.reply("250-ledgerbridge-sandbox greets you").await?;
                    conn.reply(&format!("250-SIZE {MAX_MESSAGE_BYTES}")).await?;
                    conn.reply("250-8BITMIME").await?;
                    conn.reply("250 AUTH PLAIN LOGIN").await?;
                }
            }
            "AUTH" => match auth(arg, &mut conn).await? {
                Some(user) => {
                    state.auth_user = Some(user);
                    conn.reply("235 2.7.0 Authentication successful").await?;
                }
                None => {
                    conn.reply("535 5.7.8 Authentication credentials invalid")
                        .await?
                }
            },
            "MAIL" | "RCPT" => envelope_command(&mut conn, &mut state, &verb, arg).await?,
            "DATA" if state.envelope.to.is_empty() => conn.reply("503 5.5.1 RCPT first").await?,
            "DATA" => data(&mut conn, &mut state, &mailbox).await?,
            "RSET" => {
                state.envelope = Envelope::default();
                conn.reply("250 2.0.0 Ok").await?;
            }
            "NOOP" => conn.reply("250 2.0.0 Ok").await?,
            "QUIT" => return conn.reply("221 2.0.0 Bye").await,
            "STARTTLS" => {
                conn.reply("454 4.7.0 TLS not available in the sandbox")
                    .await?
            }
            _ => conn.reply("502 5.5.2 Command not recognized").await?,
        }
    }
    Ok(())
}

/// Where a session is.
#[derive(Default)]
struct State {
    greeted: bool,
    auth_user: Option<String>,
    envelope: Envelope,
}

/// `MAIL FROM:<…>` (after a greeting) starts an envelope, `RCPT TO:<…>` (after `MAIL`) adds to it.
async fn envelope_command(
    conn: &mut Conn,
    state: &mut State,
    verb: &str,
    arg: &str,
) -> std::io::Result<()> {
    if verb == "MAIL" {
        if !state.greeted {
            return conn.reply("503 5.5.1 EHLO first").await;
        }
        let Some(from) = path(arg, "FROM:") else {
            return conn.reply("501 5.5.4 Syntax: MAIL FROM:<address>").await;
        };
        state.envelope = Envelope {
            from: Some(from),
            to: Vec::new(),
        };
        return conn.reply("250 2.1.0 Ok").await;
    }
    if state.envelope.from.is_none() {
        return conn.reply("503 5.5.1 MAIL first").await;
    }
    match path(arg, "TO:") {
        Some(to) if !to.is_empty() => {
            state.envelope.to.push(to);
            conn.reply("250 2.1.5 Ok").await
        }
        _ => conn.reply("501 5.5.4 Syntax: RCPT TO:<address>").await,
    }
}

/// `DATA`: the message up to the lone dot, kept in the mailbox.
async fn data(conn: &mut Conn, state: &mut State, mailbox: &Mailbox) -> std::io::Result<()> {
    conn.reply("354 End data with <CR><LF>.<CR><LF>").await?;
    let envelope = std::mem::take(&mut state.envelope);
    let Some(data) = read_data(conn).await? else {
        return conn.reply("552 5.3.4 Message too big").await;
    };
    mailbox.push(received(envelope, data, state.auth_user.clone()));
    let n = mailbox.messages().len();
    conn.reply(&format!("250 2.0.0 Ok: queued as SANDBOX{n}"))
        .await
}

/// `FROM:<a@b>` (with optional parameters after the path) -> `a@b`.
fn path(arg: &str, prefix: &str) -> Option<String> {
    let rest = arg
        .get(..prefix.len())?
        .eq_ignore_ascii_case(prefix)
        .then(|| &arg[prefix.len()..])?;
    let rest = rest.trim_start();
    let inner = rest.strip_prefix('<')?;
    let end = inner.find('>')?;
    Some(inner[..end].to_owned())
}

/// AUTH PLAIN (initial response or not) and AUTH LOGIN; any non-empty user is accepted.
async fn auth(arg: &str, conn: &mut Conn) -> std::io::Result<Option<String>> {
    let mut parts = arg.split_whitespace();
    let mechanism = parts.next().unwrap_or("").to_ascii_uppercase();
    let decoded = |b64: &str| {
        decode_base64(b64)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    };
    let user = match mechanism.as_str() {
        "PLAIN" => {
            let response = match parts.next() {
                Some(initial) => initial.to_owned(),
                None => {
                    conn.reply("334 ").await?;
                    conn.line().await?.unwrap_or_default()
                }
            };
            // authzid NUL authcid NUL password
            decoded(&response)
                .split('\0')
                .nth(1)
                .unwrap_or("")
                .to_owned()
        }
        "LOGIN" => {
            conn.reply("334 VXNlcm5hbWU6").await?;
            let user = decoded(&conn.line().await?.unwrap_or_default());
            conn.reply("334 UGFzc3dvcmQ6").await?;
            let _password = conn.line().await?;
            user
        }
        _ => String::new(),
    };
    Ok((!user.is_empty()).then_some(user))
}

/// Reads DATA up to the lone `.` line, undoing dot-stuffing; `None` when it is too big (the
/// rest is still read, so the session stays in step).
async fn read_data(conn: &mut Conn) -> std::io::Result<Option<String>> {
    let mut data = String::new();
    let mut too_big = false;
    loop {
        let Some(line) = conn.line().await? else {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        };
        if line == "." {
            return Ok((!too_big).then_some(data));
        }
        let content = line.strip_prefix('.').unwrap_or(&line);
        if data.len() + content.len() > MAX_MESSAGE_BYTES {
            too_big = true;
        } else {
            data.push_str(content);
            data.push_str("\r\n");
        }
    }
}

fn received(envelope: Envelope, data: String, auth_user: Option<String>) -> ReceivedMail {
    let (headers, body) = data.split_once("\r\n\r\n").unwrap_or((data.as_str(), ""));
    let subject = headers.split("\r\n").find_map(|h| {
        let (name, value) = h.split_once(':')?;
        name.eq_ignore_ascii_case("subject")
            .then(|| value.trim().to_owned())
    });
    ReceivedMail {
        from: envelope.from.unwrap_or_default(),
        to: envelope.to,
        subject,
        body: body.to_owned(),
        data: data.clone(),
        auth_user,
        received_at: Utc::now(),
    }
}

/// Standard base64 (AUTH responses), without a dependency for a dozen lines.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes: Vec<u8> = text.bytes().filter(|&c| c != b'=').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= value(c)? << (18 - 6 * i);
        }
        let n = chunk.len().saturating_sub(1);
        out.extend_from_slice(&acc.to_be_bytes()[1..1 + n]);
    }
    Some(out)
}
