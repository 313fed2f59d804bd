//! `simsms serve`'s HTTP API (Twilio-shaped messages, /metrics, admin
//! outages): raw request bytes over loopback to a running server. Any bytes
//! get a response or a closed connection; a panic anywhere in the server
//! aborts the fuzzer. The seed corpus holds the requests the twilio
//! library and the docs make.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

const SCENARIO: &str = include_str!("../../tests/live/serve_scenario.toml");

fn server() -> SocketAddr {
    static ADDRESS: OnceLock<SocketAddr> = OnceLock::new();
    *ADDRESS.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                // A known admin token, so the seeds' admin requests reach
                // the outage code and not only the 401 answer.
                let text = SCENARIO.replace("[serve]\n", "[serve]\nadmin_token = \"fuzz-admin\"\n");
                let sc = simsms::scenario::parse(&text, "serve_scenario.toml").expect("scenario");
                let server = simsms::serve::Server::start(Arc::new(sc), 3600.0)
                    .await
                    .expect("server starts");
                tx.send(server.endpoints.http.expect("an HTTP port")).unwrap();
                std::future::pending::<()>().await;
            });
        });
        rx.recv().expect("server address")
    })
}

fuzz_target!(|data: &[u8]| {
    let address = server();
    let Ok(mut stream) = TcpStream::connect(address) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = stream.write_all(data);
    let _ = stream.shutdown(Shutdown::Write);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
});
