//! A small driver for headless Chromium over the Chrome DevTools Protocol
//! (CDP), for tests of web pages served on 127.0.0.1: open a page, read its
//! DOM with JavaScript, click, type, resize the viewport, take screenshots
//! and collect the console errors the page caused.
//!
//! ```ignore
//! let browser = Browser::launch(1280, 800);
//! let mut page = browser.open("http://127.0.0.1:8080/");
//! page.click("#start");
//! page.wait_for("document.querySelector('#state').textContent === 'running'", Duration::from_secs(5));
//! assert_eq!(page.console_errors(), Vec::<String>::new());
//! ```
//!
//! Chromium is found on the PATH as `chromium`, `chromium-browser` or
//! `google-chrome` (`.ci/run` and `tests/live/setup.sh` install Debian's
//! chromium); without it `Browser::launch` panics, so the tests that use
//! it (`#[ignore = "needs headless Chromium ..."]`) fail, never pass.
//! Every wait has a deadline: nothing here blocks for longer than
//! [`DEADLINE`] and every failure panics with what was seen.

#![allow(dead_code)]

use base64::Engine;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message, WebSocket};

/// The longest Chromium may take to start, a page to load or a command to
/// be answered.
pub const DEADLINE: Duration = Duration::from_secs(30);
/// How often `Page::wait_for` evaluates its condition.
const POLL: Duration = Duration::from_millis(100);
/// How long `Drop` lets Chromium shut down after SIGTERM before SIGKILL.
const SHUTDOWN: Duration = Duration::from_secs(10);
/// The names Chromium goes by on the PATH, in the order they are tried.
const BINARIES: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];
/// How many of Chromium's last stderr lines are kept for panic messages.
const STDERR_LINES: usize = 200;

/// A headless Chromium with its own temporary profile, debugged over a
/// loopback port. Dropping it ends Chromium (SIGTERM, then SIGKILL if it
/// is still running after 10 s) and removes the profile.
pub struct Browser {
    child: Child,
    port: u16,
    viewport: (u32, u32),
    stderr: Arc<Mutex<VecDeque<String>>>,
    profile: tempfile::TempDir,
}

impl Browser {
    /// Starts headless Chromium whose pages have a `width` × `height`
    /// viewport (`--window-size` alone would leave the viewport 87 pixels
    /// shorter than the window in Chromium 156's headless mode) and waits
    /// (at most [`DEADLINE`]) for its `DevTools listening on ws://…` line.
    /// Panics, saying how to install it, when no Chromium is on the PATH,
    /// and with its stderr when it does not come up.
    pub fn launch(width: u32, height: u32) -> Browser {
        let profile = tempfile::tempdir().expect("a temporary Chromium profile directory");
        let args = [
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--remote-debugging-port=0".into(),
            format!("--user-data-dir={}", profile.path().display()),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            format!("--window-size={width},{height}"),
            "about:blank".into(),
        ];
        let mut child = spawn_chromium(&args);
        let (stderr, listening) = drain_stderr(child.stderr.take().expect("Chromium's stderr"));
        // From here on a panic drops `browser`, which ends Chromium.
        let mut browser = Browser {
            child,
            port: 0,
            viewport: (width, height),
            stderr,
            profile,
        };
        let url = match listening.recv_timeout(DEADLINE) {
            Ok(url) => url,
            Err(mpsc::RecvTimeoutError::Timeout) => panic!(
                "Chromium printed no `DevTools listening on` line within {DEADLINE:?}; its stderr:\n{}",
                browser.stderr_tail()
            ),
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!(
                "Chromium closed its stderr ({}) before printing `DevTools listening on`; its stderr:\n{}",
                match browser.child.try_wait() {
                    Ok(Some(status)) => status.to_string(),
                    _ => "still running".to_string(),
                },
                browser.stderr_tail()
            ),
        };
        browser.port = debugging_port(&url)
            .unwrap_or_else(|| panic!("no port in Chromium's DevTools address {url:?}"));
        browser
    }

    /// Opens a new tab, connects to it, enables the Runtime, Page and Log
    /// domains (so console errors are collected from the first byte on),
    /// sets its viewport to the launch size and navigates it to `url`,
    /// waiting for its load event (at most [`DEADLINE`]). Panics if the
    /// page cannot be loaded at all (a network error; an HTTP error status
    /// still loads). Dropping the page closes the tab.
    pub fn open(&self, url: &str) -> Page<'_> {
        let answer = self
            .http("PUT", "/json/new?about:blank")
            .unwrap_or_else(|e| panic!("Chromium opened no new tab: {e}"));
        let target: Value = serde_json::from_str(&answer)
            .unwrap_or_else(|e| panic!("/json/new answered {answer:?}: {e}"));
        let (Some(id), Some(ws)) = (
            target["id"].as_str(),
            target["webSocketDebuggerUrl"].as_str(),
        ) else {
            panic!("/json/new answered no id or webSocketDebuggerUrl: {answer}");
        };
        let mut page = Page {
            browser: self,
            target: id.to_string(),
            socket: connect(ws),
            next_id: 0,
            events: VecDeque::new(),
            errors: Vec::new(),
        };
        for domain in ["Runtime", "Page", "Log"] {
            page.call(&format!("{domain}.enable"), json!({}));
        }
        page.call("Page.setLifecycleEventsEnabled", json!({"enabled": true}));
        page.set_viewport(self.viewport.0, self.viewport.1);
        page.navigate(url);
        page
    }

    /// The process id of Chromium's browser process.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Chromium's temporary profile directory (its `--user-data-dir`).
    pub fn profile(&self) -> &Path {
        self.profile.path()
    }

    /// The last lines Chromium wrote to stderr, for failure messages.
    pub fn stderr_tail(&self) -> String {
        let lines = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        lines.iter().map(|l| format!("{l}\n")).collect()
    }

    /// One HTTP request without a body to Chromium's debugging port; the
    /// body of its 200 answer.
    fn http(&self, method: &str, path: &str) -> Result<String, String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        stream.set_read_timeout(Some(DEADLINE)).ok();
        stream.set_write_timeout(Some(DEADLINE)).ok();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        );
        stream
            .write_all(request.as_bytes())
            .map_err(|e| e.to_string())?;
        let mut answer = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            if let Some(body) = complete_body(&answer) {
                let head = String::from_utf8_lossy(&answer[..answer.len().min(40)]).into_owned();
                if !head.starts_with("HTTP/1.1 200") {
                    return Err(format!(
                        "{method} {path}: {}",
                        String::from_utf8_lossy(&answer)
                    ));
                }
                return Ok(String::from_utf8_lossy(body).into_owned());
            }
            match stream.read(&mut chunk) {
                Ok(0) => return Err(format!("{method} {path}: closed after {answer:?}")),
                Ok(n) => answer.extend_from_slice(&chunk[..n]),
                Err(e) => return Err(format!("{method} {path}: {e}")),
            }
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // SIGTERM lets Chromium end its helper processes; SIGKILL if it lingers.
        if let Ok(pid) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: kill(2) on the pid of our own child, not yet reaped.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let deadline = Instant::now() + SHUTDOWN;
        while let Ok(None) = self.child.try_wait() {
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        // Helpers (zygote, renderer, crash handler) may outlive the browser
        // by a moment and still write into the profile, so a removal right
        // away can fail or be undone: wait for them, then remove it, a few
        // tries apart.
        let profile = self.profile.path().to_path_buf();
        let argument = profile.display().to_string();
        let deadline = Instant::now() + SHUTDOWN;
        while helpers_running(&argument) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        for _ in 0..50 {
            if std::fs::remove_dir_all(&profile).is_ok() || !profile.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Whether a live (not zombie) process has `argument` in its command line.
fn helpers_running(argument: &str) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|entry| {
        let dir = entry.path();
        let zombie = std::fs::read_to_string(dir.join("stat"))
            .map(|stat| {
                stat.rsplit(')')
                    .next()
                    .is_some_and(|s| s.trim_start().starts_with('Z'))
            })
            .unwrap_or(true);
        !zombie
            && std::fs::read(dir.join("cmdline"))
                .is_ok_and(|cmdline| String::from_utf8_lossy(&cmdline).contains(argument))
    })
}

/// The first of `BINARIES` that starts, with `args`; panics when none is
/// installed.
fn spawn_chromium(args: &[String]) -> Child {
    for binary in BINARIES {
        let started = Command::new(binary)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn();
        match started {
            Ok(child) => return child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => panic!("{binary} did not start: {e}"),
        }
    }
    panic!(
        "headless Chromium is not on the PATH (tried {BINARIES:?}): apt-get install chromium, or bash tests/live/setup.sh"
    )
}

/// Reads `stderr` to its end in a thread, keeping its last lines; the
/// channel carries the address of the `DevTools listening on` line.
fn drain_stderr(
    stderr: std::process::ChildStderr,
) -> (Arc<Mutex<VecDeque<String>>>, mpsc::Receiver<String>) {
    let lines = Arc::new(Mutex::new(VecDeque::new()));
    let (tx, rx) = mpsc::channel();
    let kept = Arc::clone(&lines);
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stderr);
        let mut raw = Vec::new();
        while reader.read_until(b'\n', &mut raw).is_ok_and(|n| n > 0) {
            let line = String::from_utf8_lossy(&raw).trim_end().to_string();
            raw.clear();
            if let Some(url) = line.strip_prefix("DevTools listening on ") {
                let _ = tx.send(url.to_string());
            }
            let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
            if kept.len() == STDERR_LINES {
                kept.pop_front();
            }
            kept.push_back(line);
        }
    });
    (lines, rx)
}

/// The port of `ws://127.0.0.1:PORT/devtools/browser/…`.
fn debugging_port(url: &str) -> Option<u16> {
    let authority = url.strip_prefix("ws://")?.split('/').next()?;
    authority.rsplit(':').next()?.parse().ok()
}

/// The body of a complete HTTP answer (head and `Content-Length` bytes).
fn complete_body(answer: &[u8]) -> Option<&[u8]> {
    let end = answer.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&answer[..end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    answer.get(end..end + length)
}

/// A WebSocket to a DevTools `ws://` address; room for big screenshots.
fn connect(url: &str) -> WebSocket<TcpStream> {
    let address = url
        .strip_prefix("ws://")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("not a ws:// address: {url}"));
    let stream = TcpStream::connect(address).unwrap_or_else(|e| panic!("connect {address}: {e}"));
    stream.set_read_timeout(Some(DEADLINE)).ok();
    stream.set_write_timeout(Some(DEADLINE)).ok();
    let config = WebSocketConfig::default()
        .max_message_size(Some(1 << 30))
        .max_frame_size(None);
    match tungstenite::client::client_with_config(url, stream, Some(config)) {
        Ok((socket, _)) => socket,
        Err(e) => panic!("WebSocket handshake with {url}: {e}"),
    }
}

/// One tab of a [`Browser`], driven over its own DevTools WebSocket.
/// Events that arrive while a command waits for its answer are kept:
/// console errors are collected whenever the page is read from.
/// Dropping it closes the tab.
pub struct Page<'a> {
    browser: &'a Browser,
    target: String,
    socket: WebSocket<TcpStream>,
    next_id: u64,
    /// Lifecycle events since the last navigation, to see it load.
    events: VecDeque<Value>,
    errors: Vec<String>,
}

impl Page<'_> {
    /// Navigates to `url` and waits (at most [`DEADLINE`]) for its load
    /// event; panics if it cannot be loaded (a network error).
    pub fn navigate(&mut self, url: &str) {
        self.events.clear();
        let answer = self.call("Page.navigate", json!({"url": url}));
        if let Some(error) = answer["errorText"].as_str() {
            panic!("{url} did not load: {error}");
        }
        // A same-document navigation (a #fragment) has no loader and no load.
        let Some(loader) = answer["loaderId"].as_str().map(str::to_string) else {
            return;
        };
        let frame = answer["frameId"].clone();
        let deadline = Instant::now() + DEADLINE;
        loop {
            let loaded = self.events.iter().any(|e| {
                e["method"] == "Page.lifecycleEvent"
                    && e["params"]["name"] == "load"
                    && e["params"]["loaderId"] == loader.as_str()
                    && e["params"]["frameId"] == frame
            });
            if loaded {
                self.events.clear();
                return;
            }
            if self.receive(deadline).is_none() {
                panic!(
                    "{url} did not fire its load event within {DEADLINE:?}; console errors: {:?}",
                    self.errors
                );
            }
        }
    }

    /// The value of the JavaScript expression `js` (awaited if it is a
    /// promise), as JSON: `null` for `undefined` and for what JSON cannot
    /// hold. Panics with the exception if it throws.
    pub fn eval(&mut self, js: &str) -> Value {
        let answer = self.call(
            "Runtime.evaluate",
            json!({"expression": js, "returnByValue": true, "awaitPromise": true}),
        );
        if let Some(details) = answer.get("exceptionDetails") {
            panic!("{js}\nthrew: {}", exception_text(details));
        }
        answer["result"]
            .get("value")
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// Evaluates the expression `js_condition` every 100 ms until its
    /// value is truthy (in JavaScript's sense) and returns that value;
    /// panics after `timeout` with the last value and the console errors.
    pub fn wait_for(&mut self, js_condition: &str, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let value = self.eval(js_condition);
            if truthy(&value) {
                return value;
            }
            let now = Instant::now();
            if now >= deadline {
                panic!(
                    "{js_condition}\nstill {value} after {timeout:?}; console errors: {:?}",
                    self.errors
                );
            }
            // Meanwhile keep reading events (console errors).
            let next = (now + POLL).min(deadline);
            while self.receive(next).is_some() {}
        }
    }

    /// Clicks the centre of the first element matching the CSS `selector`
    /// with the mouse (Input.dispatchMouseEvent: moved, pressed, released),
    /// after scrolling it into view. Panics if nothing matches, if it has
    /// no size, or if another element covers its centre.
    pub fn click(&mut self, selector: &str) {
        let js = format!(
            r#"(() => {{
                const e = document.querySelector({sel});
                if (e === null) return null;
                e.scrollIntoView({{block: "center", inline: "center"}});
                const r = e.getBoundingClientRect();
                const x = r.left + r.width / 2, y = r.top + r.height / 2;
                const hit = document.elementFromPoint(x, y);
                return {{x, y, sized: r.width > 0 && r.height > 0,
                    inside: hit !== null && e.contains(hit),
                    hit: hit === null ? "nothing" : hit.outerHTML.slice(0, 200)}};
            }})()"#,
            sel = json!(selector)
        );
        let spot = self.eval(&js);
        if spot.is_null() {
            panic!("click: no element matches {selector:?}");
        }
        if spot["sized"] != true {
            panic!("click: {selector:?} has no size (not rendered?)");
        }
        if spot["inside"] != true {
            panic!(
                "click: {selector:?} is covered at its centre by {}",
                spot["hit"]
            );
        }
        let (x, y) = (&spot["x"], &spot["y"]);
        for (kind, buttons) in [("mouseMoved", 0), ("mousePressed", 1), ("mouseReleased", 0)] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({"type": kind, "x": x, "y": y, "button": "left",
                       "buttons": buttons, "clickCount": 1}),
            );
        }
    }

    /// Focuses the first element matching `selector`, selects what it
    /// holds and types `text` over it (Input.insertText, which fires the
    /// `input` event as typing does). Panics if nothing matches or it
    /// cannot take focus.
    pub fn type_into(&mut self, selector: &str, text: &str) {
        let js = format!(
            r#"(() => {{
                const e = document.querySelector({sel});
                if (e === null) return "missing";
                e.focus();
                if (document.activeElement !== e) return "unfocusable";
                if (typeof e.select === "function") e.select();
                else document.execCommand("selectAll");
                return "ok";
            }})()"#,
            sel = json!(selector)
        );
        match self.eval(&js).as_str() {
            Some("ok") => {}
            Some("missing") => panic!("type_into: no element matches {selector:?}"),
            _ => panic!("type_into: {selector:?} cannot take focus"),
        }
        if text.is_empty() {
            self.eval("document.execCommand('delete')");
        } else {
            self.call("Input.insertText", json!({"text": text}));
        }
    }

    /// Resizes the viewport to `width` × `height` CSS pixels (device scale
    /// factor 1, not mobile).
    pub fn set_viewport(&mut self, width: u32, height: u32) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        );
    }

    /// Writes a PNG of the viewport to `path` (creating its directory).
    pub fn screenshot(&mut self, path: &Path) {
        let answer = self.call("Page.captureScreenshot", json!({"format": "png"}));
        let data = answer["data"].as_str().expect("screenshot data");
        let png = base64::engine::general_purpose::STANDARD
            .decode(data)
            .expect("screenshot data is base64");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        }
        std::fs::write(path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }

    /// Every error the page caused so far, one entry each: uncaught
    /// exceptions (Runtime.exceptionThrown), `console.error` and failed
    /// `console.assert` (Runtime.consoleAPICalled) and error entries of
    /// the browser's log (Log.entryAdded: failed requests, blocked
    /// content …). A 404 for `/favicon.ico` counts too: a page under test
    /// should not make Chromium fetch one (`<link rel="icon" href="data:,">`).
    /// Waits for a round trip first, so what the page did before the call
    /// has been reported.
    pub fn console_errors(&mut self) -> Vec<String> {
        self.call("Runtime.evaluate", json!({"expression": "0"}));
        self.errors.clone()
    }

    /// Sends the command `method` and returns its result, panicking if it
    /// fails or gets no answer within [`DEADLINE`].
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let command = json!({"id": id, "method": method, "params": params}).to_string();
        if let Err(e) = self.socket.send(Message::text(command)) {
            panic!("{method}: the DevTools connection failed: {e}");
        }
        let deadline = Instant::now() + DEADLINE;
        loop {
            let Some(mut message) = self.receive(deadline) else {
                panic!(
                    "{method} got no answer within {DEADLINE:?}; Chromium's stderr:\n{}",
                    self.browser.stderr_tail()
                );
            };
            if message["id"] == id {
                if let Some(error) = message.get("error") {
                    panic!("{method} {params} failed: {error}");
                }
                return message["result"].take();
            }
        }
    }

    /// The next message before `deadline` (None when it passed), events
    /// recorded on the way.
    fn receive(&mut self, deadline: Instant) -> Option<Value> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            self.socket.get_ref().set_read_timeout(Some(left)).ok();
            match self.socket.read() {
                Ok(Message::Text(text)) => {
                    let message: Value = serde_json::from_str(text.as_str())
                        .unwrap_or_else(|e| panic!("DevTools sent {text}: {e}"));
                    if message.get("method").is_some() {
                        self.record(&message);
                    }
                    return Some(message);
                }
                Ok(Message::Close(frame)) => {
                    panic!("Chromium closed the DevTools connection: {frame:?}")
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => panic!(
                    "the DevTools connection failed: {e}; Chromium's stderr:\n{}",
                    self.browser.stderr_tail()
                ),
            }
        }
    }

    /// Keeps the errors an event reports, and lifecycle events.
    fn record(&mut self, event: &Value) {
        let params = &event["params"];
        match event["method"].as_str().unwrap_or_default() {
            "Runtime.exceptionThrown" => {
                let error = exception_text(&params["exceptionDetails"]);
                self.errors.push(format!("uncaught {error}"));
            }
            "Runtime.consoleAPICalled" => {
                let kind = params["type"].as_str().unwrap_or_default();
                if kind == "error" || kind == "assert" {
                    let args = params["args"].as_array().map(Vec::as_slice).unwrap_or(&[]);
                    let words: Vec<String> = args.iter().map(remote_text).collect();
                    self.errors
                        .push(format!("console.{kind}: {}", words.join(" ")));
                }
            }
            "Log.entryAdded" if params["entry"]["level"] == "error" => {
                let entry = &params["entry"];
                let (text, url) = (&entry["text"], &entry["url"]);
                self.errors.push(format!(
                    "{}: {} {}",
                    entry["source"].as_str().unwrap_or("log"),
                    text.as_str().unwrap_or_default(),
                    url.as_str().unwrap_or_default()
                ));
            }
            "Page.lifecycleEvent" => self.events.push_back(event.clone()),
            _ => {}
        }
    }
}

impl Drop for Page<'_> {
    fn drop(&mut self) {
        let _ = self.socket.close(None);
        let _ = self.socket.flush();
        let _ = self
            .browser
            .http("PUT", &format!("/json/close/{}", self.target));
    }
}

/// A thrown exception in one line: its description (message and stack)
/// or text, and where.
fn exception_text(details: &Value) -> String {
    let what = details["exception"]["description"]
        .as_str()
        .or(details["text"].as_str())
        .unwrap_or("an exception");
    let at = match details["url"].as_str() {
        Some(url) => format!(
            " at {url}:{}",
            details["lineNumber"].as_i64().unwrap_or(-1) + 1
        ),
        None => String::new(),
    };
    format!("{what}{at}")
}

/// A console argument as the console shows it.
fn remote_text(arg: &Value) -> String {
    match arg.get("value") {
        Some(Value::String(s)) => s.clone(),
        Some(value) => value.to_string(),
        None => ["description", "unserializableValue", "type"]
            .iter()
            .find_map(|k| arg[*k].as_str())
            .unwrap_or_default()
            .to_string(),
    }
}

/// Whether JavaScript takes `value` for true.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}
