//! A message body as the network counts it: a template with `{code}`,
//! filled with a code of the scenario's length, laid out by
//! `crate::text` (encoding, units, segments) with the part its code is in.
//! The scenario's `[message]` and a provider's `body` are checked through
//! here, and so is `load --body`.

use crate::text;

/// Where a body's code goes.
pub const CODE_PLACEHOLDER: &str = "{code}";

/// The most segments one message may take: a concatenation header counts
/// parts in one octet.
pub const MAX_SEGMENTS: u32 = 255;

/// A provider's message as the network counts it.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageBody {
    /// The template, with `{code}` where the code goes.
    pub template: String,
    /// The template with a code of the scenario's length filled in.
    pub text: String,
    pub layout: text::Layout,
    /// The 1-based segment the code's last digit falls in: a carrier
    /// truncating to fewer parts cuts the code off.
    pub code_segment: u32,
}

impl MessageBody {
    /// `template` with `code` in place of `{code}`.
    pub fn fill(template: &str, code: &str) -> String {
        template.replace(CODE_PLACEHOLDER, code)
    }

    /// A template checked and laid out with a code of `code_length` digits,
    /// or what was expected and a hint.
    pub fn from_template(
        template: &str,
        code_length: u32,
    ) -> Result<MessageBody, (String, String)> {
        if !template.contains(CODE_PLACEHOLDER) {
            return Err((
                format!("a body with `{CODE_PLACEHOLDER}` where the code goes"),
                "e.g. body = \"Your code is {code}\"; the code's digits are `message.code_length`"
                    .into(),
            ));
        }
        // Digits are in both alphabets and one unit each, so any code of
        // this length lays out the same.
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_segment_is_where_the_code_ends() {
        let short = MessageBody::from_template("Your code is {code}", 6).unwrap();
        assert_eq!((short.layout.segments, short.code_segment), (1, 1));
        let tail = format!("{}{{code}}", "a".repeat(200));
        let long = MessageBody::from_template(&tail, 6).unwrap();
        assert_eq!((long.layout.segments, long.code_segment), (2, 2));
        let head = format!("{{code}}{}", "a".repeat(400));
        let long = MessageBody::from_template(&head, 6).unwrap();
        assert_eq!((long.layout.segments, long.code_segment), (3, 1));
    }

    #[test]
    fn a_body_needs_the_placeholder() {
        assert!(MessageBody::from_template("no code here", 6).is_err());
        let twice = MessageBody::from_template("{code}\n@example.com #{code}", 4).unwrap();
        assert_eq!(twice.text, "1234\n@example.com #1234");
    }

    #[test]
    fn japanese_bodies_are_ucs2() {
        let b = MessageBody::from_template("認証コードは{code}です", 6).unwrap();
        assert_eq!(b.layout.encoding, text::Encoding::Ucs2);
        assert_eq!(b.text, "認証コードは123456です");
    }
}
