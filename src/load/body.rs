//! What each load message says: the scenario provider's body (or
//! `--body`) with a code of the scenario's length filled in per message,
//! its segments by the model's rules, and how SMPP joins its parts
//! (`--concat`).

use crate::protocol::smpp::parts::Concat;
use crate::scenario::{MessageBody, ProviderId, Scenario};

/// The text a provider's messages carry when the scenario gives no body.
pub const DEFAULT_TEMPLATE: &str = "Your code is {code}";

/// The template every message of a run fills, and how its parts travel.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageText {
    /// The template, checked and laid out as the scenario's bodies are.
    pub body: MessageBody,
    code_length: u32,
    pub concat: Concat,
}

impl MessageText {
    /// `--body` if given, else `provider`'s body, else the default.
    pub fn new(
        sc: &Scenario,
        provider: ProviderId,
        body_flag: Option<&str>,
        concat: Concat,
    ) -> Result<MessageText, String> {
        let template = match (body_flag, &sc.provider(provider).body) {
            (Some(flag), _) => flag,
            (None, Some(body)) => &body.template,
            (None, None) => DEFAULT_TEMPLATE,
        };
        let code_length = sc.message.code_length;
        let body = MessageBody::from_template(template, code_length)
            .map_err(|(expected, hint)| format!("expected {expected} ({hint})"))?;
        Ok(MessageText {
            body,
            code_length,
            concat,
        })
    }

    /// Message `k`'s text: its code is `k` scrambled to the code's length
    /// (a fixed odd multiplier, so nearby messages get unlike codes).
    pub fn text(&self, k: u64) -> String {
        let modulus = 10u64.pow(self.code_length);
        let code = k.wrapping_mul(0x9E37_79B9_7F4A_7C15) % modulus;
        let code = format!("{code:0width$}", width = self.code_length as usize);
        MessageBody::fill(&self.body.template, &code)
    }

    /// Segments of every message: codes are digits of one length, so
    /// every filled text lays out the same.
    pub fn segments(&self) -> u32 {
        self.body.layout.segments
    }

    /// submit_sm PDUs per message: its segments, or one for a payload.
    pub fn pdus(&self) -> u32 {
        match self.concat {
            Concat::Payload => 1,
            _ => self.segments(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(extra: &str) -> Scenario {
        let text = format!(
            "[scenario]\nname = \"t\"\nduration = \"1m\"\n[traffic]\nrate = \"1/s\"\n{extra}\n[providers.p]\nroute = \"domestic\"\n[routing]\npolicy = \"single\"\nprovider = \"p\"\n[carriers.c]\nshare = 1.0\n"
        );
        crate::scenario::parse(&text, "t.toml").unwrap()
    }

    #[test]
    fn codes_are_the_scenario_s_length_and_differ_between_messages() {
        let sc = scenario("[message]\nbody = \"認証コード {code}\"\ncode_length = 4");
        let t = MessageText::new(&sc, ProviderId::new(0), None, Concat::Udh).unwrap();
        let (a, b) = (t.text(1), t.text(2));
        assert_ne!(a, b);
        assert_eq!(a.chars().count(), "認証コード ".chars().count() + 4);
        assert_eq!(t.segments(), 1);
    }

    #[test]
    fn the_body_flag_wins_and_long_texts_count_their_segments() {
        let sc = scenario("");
        let long = format!("{{code}} {}", "x".repeat(300));
        let t = MessageText::new(&sc, ProviderId::new(0), Some(&long), Concat::Sar).unwrap();
        assert_eq!((t.segments(), t.pdus()), (3, 3));
        let t = MessageText::new(&sc, ProviderId::new(0), Some(&long), Concat::Payload).unwrap();
        assert_eq!((t.segments(), t.pdus()), (3, 1));
        let default = MessageText::new(&sc, ProviderId::new(0), None, Concat::Udh).unwrap();
        assert!(default.text(5).starts_with("Your code is "));
        let codeless = MessageText::new(&sc, ProviderId::new(0), Some("hello"), Concat::Udh);
        assert!(
            codeless
                .unwrap_err()
                .contains("e.g. body = \"Your code is {code}\"")
        );
    }
}
