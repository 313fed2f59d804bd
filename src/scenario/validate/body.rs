//! Validation of what messages say: `[message]`, a provider's own `body`
//! and `tps_unit`, and a carrier's `max_segments`.

use super::Validator;
use super::join;
use crate::scenario::raw::{RawCarrier, RawMessage, RawProvider};
use crate::scenario::{MessageBody, MessageSettings, OverCap, SegmentCap, TpsUnit};

/// The longest code a template may ask for.
const MAX_CODE_LENGTH: u32 = 12;

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
            (None, Some(shared)) => MessageBody::from_template(shared, settings.code_length).ok(),
            (None, None) => None,
        }
    }

    fn body(&mut self, key: &str, template: &str, code_length: u32) -> Option<MessageBody> {
        match MessageBody::from_template(template, code_length) {
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
