//! Validation of what messages say: `[message]`, a provider's own `body`
//! and `tps_unit`, and a carrier's `max_segments`.

use super::Validator;
use super::join;
use crate::scenario::raw::{RawCarrier, RawMessage, RawProvider};
use crate::scenario::{
    CODE_PLACEHOLDER, MessageBody, MessageSettings, OverCap, SegmentCap, TpsUnit,
};
use crate::text;

/// The longest code a template may ask for.
const MAX_CODE_LENGTH: u32 = 12;
/// The most segments one message may take: a concatenation header counts
/// parts in one octet.
const MAX_SEGMENTS: u32 = 255;

impl Validator<'_> {
    pub(super) fn message_settings(&mut self, raw: &RawMessage) -> MessageSettings {
        let code_length = raw.code_length.unwrap_or(6);
        if !(1..=MAX_CODE_LENGTH).contains(&code_length) {
            self.error(
                "message.code_length",
                format!("between 1 and {MAX_CODE_LENGTH} digits, got {code_length}"),
                Some("verification codes are usually 4 to 8 digits".into()),
            );
        }
        let settings = MessageSettings {
            body: raw.body.clone(),
            code_length: code_length.clamp(1, MAX_CODE_LENGTH),
        };
        if let Some(template) = &raw.body {
            self.body("message.body", template, settings.code_length);
        }
        settings
    }

    /// The body provider `name` sends: its own, else `[message]`'s.
    pub(super) fn provider_body(
        &mut self,
        name: &str,
        raw: &RawProvider,
        settings: &MessageSettings,
    ) -> Option<MessageBody> {
        match (&raw.body, &settings.body) {
            (Some(own), _) => {
                self.body(&format!("providers.{name}.body"), own, settings.code_length)
            }
            (None, Some(shared)) => body_of(shared, settings.code_length).ok(),
            (None, None) => None,
        }
    }

    fn body(&mut self, key: &str, template: &str, code_length: u32) -> Option<MessageBody> {
        match body_of(template, code_length) {
            Ok(body) => Some(body),
            Err((expected, hint)) => {
                self.error(key, expected, Some(hint));
                None
            }
        }
    }

    pub(super) fn tps_unit(&mut self, key: &str, raw: Option<&str>) -> TpsUnit {
        match raw {
            None | Some("message") => TpsUnit::Message,
            Some("segment") => TpsUnit::Segment,
            Some(other) => {
                self.error(
                    key,
                    format!("\"message\" or \"segment\", got \"{other}\""),
                    Some(
                        "\"segment\" when the provider's TPS counts each part of a long message"
                            .into(),
                    ),
                );
                TpsUnit::Message
            }
        }
    }

    pub(super) fn segment_cap(&mut self, key: &str, raw: &RawCarrier) -> Option<SegmentCap> {
        let k = |field: &str| join(key, field);
        let action = match raw.max_segments_action.as_deref() {
            None | Some("refuse") => OverCap::Refuse,
            Some("truncate") => OverCap::Truncate,
            Some(other) => {
                self.error(
                    &k("max_segments_action"),
                    format!("\"refuse\" or \"truncate\", got \"{other}\""),
                    None,
                );
                OverCap::Refuse
            }
        };
        if raw.max_segments.is_none() && raw.max_segments_action.is_some() {
            self.error(
                &k("max_segments_action"),
                "no action without `max_segments`",
                Some("set max_segments = N, or remove the action".into()),
            );
        }
        match raw.max_segments? {
            0 => {
                self.error(
                    &k("max_segments"),
                    "at least 1 segment",
                    Some("omit max_segments for no cap".into()),
                );
                None
            }
            count => Some(SegmentCap { count, action }),
        }
    }
}

/// A template checked and laid out, with a code of `code_length` digits.
fn body_of(template: &str, code_length: u32) -> Result<MessageBody, (String, String)> {
    if !template.contains(CODE_PLACEHOLDER) {
        return Err((
            format!("a body with `{CODE_PLACEHOLDER}` where the code goes"),
            "e.g. body = \"Your code is {code}\"; the code's digits are `message.code_length`"
                .into(),
        ));
    }
    // Digits are in both alphabets and one unit each, so any code of this
    // length lays out the same.
    let code: String = "1234567890"
        .chars()
        .cycle()
        .take(code_length as usize)
        .collect();
    let text = MessageBody::fill(template, &code);
    let layout = text::layout(&text);
    if layout.segments > MAX_SEGMENTS {
        return Err((
            format!(
                "a body of at most {MAX_SEGMENTS} segments, got {} ({} {} units)",
                layout.segments,
                layout.units,
                layout.encoding.name()
            ),
            "a concatenated SMS counts its parts in one octet".into(),
        ));
    }
    // The user reads the first copy of the code (a WebOTP line such as
    // "@example.com #{code}" repeats it at the end).
    let code_end = template.find(CODE_PLACEHOLDER).unwrap_or(0) + code.len();
    let mut start = 0;
    let mut code_segment = 1;
    for (i, part) in text::segments(&text).iter().enumerate() {
        if code_end > start {
            code_segment = i as u32 + 1;
        }
        start += part.len();
    }
    Ok(MessageBody {
        template: template.to_string(),
        text,
        layout,
        code_segment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_segment_is_where_the_code_ends() {
        let short = body_of("Your code is {code}", 6).unwrap();
        assert_eq!((short.layout.segments, short.code_segment), (1, 1));
        let tail = format!("{}{{code}}", "a".repeat(200));
        let long = body_of(&tail, 6).unwrap();
        assert_eq!((long.layout.segments, long.code_segment), (2, 2));
        let head = format!("{{code}}{}", "a".repeat(400));
        let long = body_of(&head, 6).unwrap();
        assert_eq!((long.layout.segments, long.code_segment), (3, 1));
    }

    #[test]
    fn a_body_needs_the_placeholder() {
        assert!(body_of("no code here", 6).is_err());
        let twice = body_of("{code}\n@example.com #{code}", 4).unwrap();
        assert_eq!(twice.text, "1234\n@example.com #1234");
    }

    #[test]
    fn japanese_bodies_are_ucs2() {
        let b = body_of("認証コードは{code}です", 6).unwrap();
        assert_eq!(b.layout.encoding, text::Encoding::Ucs2);
        assert_eq!(b.text, "認証コードは123456です");
    }
}
