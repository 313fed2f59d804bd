//! Scenario errors as users read them: file, line and column, the key path,
//! what was expected and a hint, with the offending line quoted.

use std::fmt;

/// One problem in a scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Dotted key path, e.g. `carriers.docomo.spam_filter`; empty for syntax errors.
    pub key: String,
    pub expected: String,
    pub hint: Option<String>,
    /// 1-based line and column, when the position is known.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub line_text: Option<String>,
    pub width: usize,
}

/// Everything wrong with one scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioError {
    pub file: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl std::error::Error for ScenarioError {}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            let position = match (d.line, d.column) {
                (Some(l), Some(c)) => format!("{}:{l}:{c}", self.file),
                _ => self.file.clone(),
            };
            if d.key.is_empty() {
                writeln!(f, "error: {position}: {}", d.expected)?;
            } else {
                writeln!(
                    f,
                    "error: {position}: key `{}`: expected {}",
                    printable(&d.key),
                    d.expected
                )?;
            }
            if let (Some(line), Some(column), Some(text)) = (d.line, d.column, &d.line_text) {
                let (text, column, width) = excerpt(text, column, d.width);
                let gutter = line.to_string().len();
                writeln!(f, "{:gutter$} |", "")?;
                writeln!(f, "{line} | {text}")?;
                writeln!(
                    f,
                    "{:gutter$} | {}{}",
                    "",
                    " ".repeat(column.saturating_sub(1)),
                    "^".repeat(width.max(1))
                )?;
            }
            if let Some(hint) = &d.hint {
                writeln!(f, "  = hint: {hint}")?;
            }
        }
        Ok(())
    }
}

/// A key path as it can be printed: control characters in a name (which
/// the name check refuses) escaped, so an error never writes them raw.
fn printable(key: &str) -> String {
    key.chars()
        .map(|c| match c.is_control() {
            true => c.escape_debug().to_string(),
            false => c.to_string(),
        })
        .collect()
}

/// Characters of a quoted line shown at most: a longer line (a name of
/// thousands of characters) is cut around the column, so an error stays
/// a few short lines.
const EXCERPT_CHARS: usize = 100;

/// The part of `text` to quote, with the column and caret width in it.
fn excerpt(text: &str, column: usize, width: usize) -> (String, usize, usize) {
    let chars = text.chars().count();
    if chars <= EXCERPT_CHARS {
        return (text.to_string(), column, width);
    }
    let start = column.saturating_sub(1).min(chars).saturating_sub(20);
    let shown: String = text.chars().skip(start).take(EXCERPT_CHARS).collect();
    let before = if start > 0 { "..." } else { "" };
    let column = column - start + before.len();
    let room = (EXCERPT_CHARS + before.len() + 1).saturating_sub(column);
    let after = if start + EXCERPT_CHARS < chars {
        "..."
    } else {
        ""
    };
    (format!("{before}{shown}{after}"), column, width.min(room))
}

/// 1-based line and column of a byte offset, and the line's text.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize, String) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let column = text[line_start..offset].chars().count() + 1;
    (
        line,
        column,
        text[line_start..line_end]
            .trim_end_matches('\r')
            .to_string(),
    )
}
