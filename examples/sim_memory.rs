//! What the batch engine's memory costs per session in flight: one
//! replication of a scenario in which every session lives exactly its
//! patience (no code ever arrives, one resend at the end of patience), so
//! that `N` sessions are in flight at the end of the arrivals. Prints the
//! growth of the peak resident (VmHWM) and peak virtual (VmPeak) memory
//! over the run, and each divided by `N`. With `numbers`, sessions end at
//! their one send instead and a carrier's repeat filter remembers `N`
//! numbers (a 100 s window). `bench/sim_memory.sh` runs it in a process of
//! its own per size. Usage: `sim_memory N [sessions|numbers]`.

use simsms::scenario::parse;
use simsms::simulation::run_replication;

/// Sessions live 100 s; they arrive for 200 s, so the last 100 s of
/// arrivals are all in flight at once.
const SCENARIO: &str = r#"
[scenario]
name = "memory"
duration = "200s"
timeline_bucket = "200s"
[traffic]
rate = "RATE/s"
[otp]
resend_after = "100s"
max_sends = 2
patience = "100s"
[providers.p]
route = "domestic"
[routing]
policy = "single"
provider = "p"
[routes.domestic]
latency = "1s"
loss = 1.0
[carriers.c]
share = 1.0
smsc = { retry = ["1s"], validity = "1s" }
"#;

/// A field of /proc/self/status in bytes (given there in kB).
fn status(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .expect("field in /proc/self/status");
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("a number of kB");
    kb * 1024
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .expect("usage: sim_memory N (sessions in flight)");
    let what = std::env::args().nth(2).unwrap_or_else(|| "sessions".into());
    let mut text = SCENARIO.replace("RATE", &(n as f64 / 100.0).to_string());
    if what == "numbers" {
        text = text
            .replace("max_sends = 2", "max_sends = 1")
            .replace("loss = 1.0", "loss = 0.0");
        text += "repeat_filter = { after = 1000, window = \"100s\", probability = 1.0 }\n";
    }
    let scenario = parse(&text, "memory.toml").expect("the measuring scenario is valid");
    let estimate = scenario.memory_estimate();
    let (rss, virt) = (status("VmHWM:"), status("VmPeak:"));
    let metrics = run_replication(&scenario, 0);
    let (rss, virt) = (status("VmHWM:") - rss, status("VmPeak:") - virt);
    println!(
        "{n} {what} (estimate {:.0} in flight, {:.0} numbers; {} sessions): peak RSS +{:.1} MB ({:.0} bytes each), peak virtual +{:.1} MB ({:.0} bytes each)",
        estimate.in_flight,
        estimate.numbers,
        metrics.total_sessions(),
        rss as f64 / 1e6,
        rss as f64 / n as f64,
        virt as f64 / 1e6,
        virt as f64 / n as f64,
    );
}
