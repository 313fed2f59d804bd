//! `simsms serve`'s SMPP frame reader: any byte stream yields commands,
//! generic_nack answers or a clean stream error, never a panic; and what a
//! submit_sm carries (its coding, UDH, SAR TLVs, message_payload) is read
//! and decoded, or refused with a status, never a panic. The seed corpus
//! holds recorded PDUs (bind, submit_sm, enquire_link, unbind).
#![no_main]

use libfuzzer_sys::fuzz_target;
use simsms::protocol::smpp::frame::read_frame;
use simsms::protocol::smpp::server::Request;
use simsms::protocol::smpp::user_data::UserData;
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
    });
    runtime.block_on(async {
        let mut reader = data;
        // Frames until the stream ends or cannot be resynchronised.
        while let Ok(Some(frame)) = read_frame(&mut reader, 8192).await {
            if let (_, Request::Submit(submit)) = Request::of(&frame)
                && let Ok(data) = UserData::of(submit)
            {
                let _ = simsms::text::decode(data.coding, &data.bytes);
                assert!(data.segments() >= 1);
            }
        }
    });
});
