//! The headless-Chromium driver of tests/common/devtools.rs against a
//! small page served over HTTP on 127.0.0.1: it reads the DOM, clicks with
//! the mouse, types, resizes the viewport, takes screenshots, collects
//! console errors, and ends Chromium when dropped.

mod common;

use common::devtools::Browser;
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

const PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>driver</title>
<link rel="icon" href="data:,"></head>
<body>
<p><button id="more">more</button> <span id="count">0</span></p>
<p><input id="name" value="old"> <span id="echo"></span></p>
<p><button id="bad">bad</button> <button id="throw">throw</button></p>
<script>
  let count = 0;
  document.getElementById("more").addEventListener("click", () => {
    count += 1;
    document.getElementById("count").textContent = count;
  });
  document.getElementById("name").addEventListener("input", (e) => {
    document.getElementById("echo").textContent = e.target.value;
  });
  document.getElementById("bad").addEventListener("click", () => console.error("x"));
  document.getElementById("throw").addEventListener("click", () => {
    throw new Error("thrown on purpose");
  });
</script>
</body></html>"#;

/// Serves `PAGE` at `/` (404 elsewhere) on a loopback port, from threads
/// that live as long as the test; the page's URL.
fn serve_page() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        // A thread per connection: Chromium may open one and send nothing.
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer(stream));
        }
    });
    format!("http://{address}/")
}

/// Answers one HTTP request on `stream`.
fn answer(mut stream: std::net::TcpStream) {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head);
    let (status, body) = match head.split_whitespace().nth(1) {
        Some("/") => ("200 OK", PAGE),
        _ => ("404 Not Found", "not found"),
    };
    let answer = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(answer.as_bytes());
}

/// Reads the DOM, clicks, types, resizes and photographs the page, which
/// stays free of console errors throughout.
#[test]
#[ignore = "needs headless Chromium (apt-get install chromium): --run-ignored all"]
fn the_driver_reads_clicks_types_resizes_and_photographs_a_page() {
    let url = serve_page();
    let browser = Browser::launch(1000, 700);
    let mut page = browser.open(&url);

    assert_eq!(page.eval("document.title"), json!("driver"));
    assert_eq!(page.eval("location.href"), json!(url));
    assert_eq!(page.eval("Promise.resolve(6 * 7)"), json!(42));
    assert_eq!(page.eval("undefined"), json!(null));

    page.click("#more");
    let count = "document.getElementById('count').textContent";
    page.wait_for(&format!("{count} === '1'"), Duration::from_secs(5));
    page.click("#more");
    page.wait_for(&format!("{count} === '2'"), Duration::from_secs(5));

    page.type_into("#name", "héllo wörld");
    assert_eq!(
        page.eval("document.getElementById('name').value"),
        json!("héllo wörld"),
        "typing replaces what the field held"
    );
    let echoed = page.wait_for(
        "document.getElementById('echo').textContent",
        Duration::from_secs(5),
    );
    assert_eq!(echoed, json!("héllo wörld"), "typing fires input events");

    assert_eq!(page.eval("[innerWidth, innerHeight]"), json!([1000, 700]));
    page.set_viewport(480, 640);
    page.wait_for(
        "innerWidth === 480 && innerHeight === 640",
        Duration::from_secs(5),
    );

    let png = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("devtools/page.png");
    let _ = std::fs::remove_file(&png);
    page.screenshot(&png);
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    assert!(bytes.len() > 1000, "a real picture: {} bytes", bytes.len());

    assert_eq!(page.console_errors(), Vec::<String>::new());
}

/// `console.error` and an uncaught exception in an event handler are both
/// collected, in order.
#[test]
#[ignore = "needs headless Chromium (apt-get install chromium): --run-ignored all"]
fn the_driver_collects_console_errors_and_uncaught_exceptions() {
    let url = serve_page();
    let browser = Browser::launch(800, 600);
    let mut page = browser.open(&url);
    assert_eq!(page.console_errors(), Vec::<String>::new());

    page.click("#bad");
    page.click("#throw");
    let errors = page.console_errors();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0], "console.error: x");
    assert!(
        errors[1].starts_with("uncaught") && errors[1].contains("thrown on purpose"),
        "{errors:?}"
    );
}

/// Dropping the Browser ends Chromium: its browser process, and every
/// helper process started with its profile directory.
#[test]
#[ignore = "needs headless Chromium (apt-get install chromium): --run-ignored all"]
fn dropping_the_browser_ends_chromium() {
    let url = serve_page();
    let browser = Browser::launch(800, 600);
    let pid = browser.pid();
    let profile = browser.profile().display().to_string();
    {
        let mut page = browser.open(&url);
        assert_eq!(page.eval("1 + 1"), json!(2));
    }
    assert!(alive(pid), "Chromium runs while the Browser lives");
    assert!(!with_argument(&profile).is_empty(), "helpers run");
    drop(browser);
    let deadline = Instant::now() + Duration::from_secs(15);
    while alive(pid) || !with_argument(&profile).is_empty() {
        assert!(
            Instant::now() < deadline,
            "still running 15 s after the drop: pid {pid} alive {}, helpers {:?}",
            alive(pid),
            with_argument(&profile)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !std::path::Path::new(&profile).exists(),
        "the profile is removed"
    );
}

/// Whether process `pid` exists and is not a zombie.
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit(')')
            .next()
            .is_some_and(|s| !s.trim_start().starts_with('Z'))
    })
}

/// The live processes with `argument` in their command line.
fn with_argument(argument: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(argument))
                && alive(*pid)
        })
        .collect()
}
