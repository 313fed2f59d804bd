//! Validation of names and free text: the scenario's name and description,
//! provider, carrier and alternative names reach the terminal report and
//! every export, so none may hold a control character (an escape sequence
//! would recolour or rewrite the terminal; a line break would split a row).

use super::Validator;
use crate::scenario::raw::RawScenario;

impl Validator<'_> {
    /// Names and descriptions of one scenario table (or an alternative's
    /// patched one) without control characters.
    pub(super) fn names(&mut self, raw: &RawScenario) {
        self.printable_name("scenario.name", &raw.scenario.name);
        self.printable_text("scenario.description", &raw.scenario.description);
        for name in raw.providers.keys() {
            self.printable_name(&format!("providers.{name}"), name);
        }
        for name in raw.carriers.keys() {
            self.printable_name(&format!("carriers.{name}"), name);
        }
    }

    /// A name (of a provider, carrier, alternative or the scenario): no
    /// control characters at all.
    pub(super) fn printable_name(&mut self, key: &str, name: &str) {
        if name.chars().any(char::is_control) {
            self.refuse_controls(key, "a name", name);
        }
    }

    /// Free text (a description): line breaks and tabs, but no other
    /// control characters.
    pub(super) fn printable_text(&mut self, key: &str, text: &str) {
        if text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            self.refuse_controls(key, "text", text);
        }
    }

    fn refuse_controls(&mut self, key: &str, what: &str, given: &str) {
        let (shown, span) = self.place(key, true);
        self.push(
            &shown,
            format!(
                "{what} without control characters, got \"{}\"",
                given.escape_debug()
            ),
            Some(
                "names and descriptions are printed in reports and terminals: use printable characters (docs/scenario.md)"
                    .into(),
            ),
            span,
        );
    }
}
