//! Message bodies as the model counts them and `load` sends them: any
//! text splits into segments that join back to it, each within its
//! segment's capacity; and the submit_sm parts `load` builds read back,
//! through `serve`'s reader, as the same text in the same places.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simsms::protocol::smpp::parts::{Concat, submits};
use simsms::protocol::smpp::user_data::UserData;
use simsms::text::{self, Encoding};

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    let layout = text::layout(body);
    let segments = text::segments(body);
    assert_eq!(segments.len() as u32, layout.segments);
    assert_eq!(segments.concat(), body);
    let limit = match (layout.encoding, segments.len()) {
        (Encoding::Gsm7, 1) => 160,
        (Encoding::Gsm7, _) => 153,
        (Encoding::Ucs2, 1) => 140,
        (Encoding::Ucs2, _) => 134,
    };
    for part in &segments {
        assert!(text::encode(part, layout.encoding).len() <= limit);
    }
    if layout.segments > 255 {
        return;
    }
    for concat in [Concat::Udh, Concat::Sar, Concat::Payload] {
        let Ok(pdus) = submits("819012345678", body, concat, 7) else {
            continue;
        };
        let mut joined = String::new();
        for pdu in &pdus {
            let read = UserData::of(pdu).expect("serve reads what load builds");
            joined += &text::decode(read.coding, &read.bytes);
        }
        // GSM-7 '?' stands in only for what GSM-7 cannot carry, which
        // never happens: the encoding is chosen to carry every character.
        assert_eq!(joined, body);
    }
});
