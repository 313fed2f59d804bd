//! The numeric inputs of a scenario file and how to vary one: every number,
//! duration and rate the file writes (outside `[scenario]`, `[serve]`,
//! expectations and alternatives), found with its source span and its
//! source labels, and rewritten in the text so that the scenario is
//! validated exactly as a user's edit would be.

use crate::units::{Human, Nanos, parse_duration, parse_rate};
use std::ops::Range;
use toml::de::{DeTable, DeValue};

/// Sections (and a key) that describe the run or the checks, not the world.
const NOT_INPUTS: [&str; 5] = ["scenario", "serve", "expect", "alternatives", "otp.target"];

/// One value in the text and how to scale it.
#[derive(Debug, Clone, PartialEq)]
enum Quantity {
    Float(f64),
    Integer(i64),
    Duration(Nanos),
    /// A count per time unit, e.g. 100 of "100/s".
    Rate(f64, String),
    /// An SMSC retry step "5x1m": the count stays, the interval scales.
    Steps(String, Nanos),
}

#[derive(Debug, Clone)]
struct Edit {
    span: Range<usize>,
    quantity: Quantity,
}

/// One input: a key whose value(s) scale together.
#[derive(Debug, Clone)]
pub struct Input {
    /// Key path as `--set` and docs/scenario.md write it.
    pub key: String,
    /// Source labels such as "G" from `[G]` in the value's comment.
    pub labels: Vec<String>,
    /// 1-based line of the value.
    pub line: usize,
    edits: Vec<Edit>,
    /// Other carriers' shares, rescaled so that shares still sum to 1.
    companions: Vec<(Range<usize>, f64)>,
}

/// The text of one varied input and how its value reads.
pub struct Varied {
    pub text: String,
    pub value: String,
}

impl Input {
    /// The value as the file writes it, for reports.
    pub fn base_value(&self) -> String {
        describe(
            &self
                .edits
                .iter()
                .map(|e| e.quantity.clone())
                .collect::<Vec<_>>(),
        )
    }

    /// The scenario text with this input multiplied by `factor`; with
    /// `clamp`, fractions are kept at most 1. None when the value cannot
    /// change (a zero, or a lone carrier's share of 1).
    pub fn vary(&self, text: &str, factor: f64, clamp: bool) -> Option<Varied> {
        let new: Vec<Quantity> = self
            .edits
            .iter()
            .map(|e| scaled_within(&e.quantity, factor, clamp))
            .collect();
        if new.iter().zip(&self.edits).all(|(q, e)| *q == e.quantity) {
            return None;
        }
        let mut replacements: Vec<(Range<usize>, String)> = new
            .iter()
            .zip(&self.edits)
            .map(|(q, e)| {
                let quoted = text[e.span.clone()].starts_with(['"', '\'']);
                (e.span.clone(), literal(q, quoted))
            })
            .collect();
        if !self.companions.is_empty() {
            let (Quantity::Float(old), Quantity::Float(share)) = (&self.edits[0].quantity, &new[0])
            else {
                return None;
            };
            let rest = 1.0 - old;
            if rest <= 0.0 || *share >= 1.0 {
                return None;
            }
            // The last share takes the rounding remainder, so the sum is 1.
            let mut left = 1.0 - share;
            for (k, (span, other)) in self.companions.iter().enumerate() {
                let value = if k + 1 == self.companions.len() {
                    (left * 1e12).round() / 1e12
                } else {
                    round_digits(other * (1.0 - share) / rest, 9)
                };
                left -= value;
                replacements.push((span.clone(), literal(&Quantity::Float(value), false)));
            }
        }
        replacements.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
        let mut out = text.to_string();
        for (span, with) in replacements {
            out.replace_range(span, &with);
        }
        Some(Varied {
            text: out,
            value: describe(&new),
        })
    }

    /// Whether `pattern` selects this input: `[G]` matches a label; a key
    /// path matches itself and everything under it, `*` one segment.
    pub fn matches(&self, pattern: &str) -> bool {
        let pattern = pattern.trim();
        if let Some(label) = pattern.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
            return self.labels.iter().any(|l| l == label);
        }
        let want: Vec<&str> = pattern.split('.').collect();
        let have: Vec<&str> = self.key.split('.').collect();
        want.len() <= have.len()
            && want
                .iter()
                .zip(&have)
                .all(|(w, h)| *w == "*" || w == h || strip_index(h) == *w)
    }
}

fn strip_index(segment: &str) -> &str {
    segment.split('[').next().unwrap_or(segment)
}

fn describe(values: &[Quantity]) -> String {
    let parts: Vec<String> = values.iter().map(display).collect();
    if parts.len() == 1 {
        parts[0].clone()
    } else {
        format!("[{}]", parts.join(", "))
    }
}

/// `q` scaled; with `clamp`, a fraction that would pass 1 stays at 1.
fn scaled_within(q: &Quantity, factor: f64, clamp: bool) -> Quantity {
    match (q, scaled(q, factor)) {
        (Quantity::Float(old), Quantity::Float(new)) if clamp && *old <= 1.0 && new > 1.0 => {
            Quantity::Float(1.0)
        }
        (_, s) => s,
    }
}

/// Six significant digits: enough for any scenario value, and short.
fn round_sig(x: f64) -> f64 {
    round_digits(x, 6)
}

fn round_digits(x: f64, significant: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = significant - x.abs().log10().ceil() as i32;
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

fn scaled(q: &Quantity, factor: f64) -> Quantity {
    let nanos = |n: Nanos| (n as f64 * factor).round() as Nanos;
    match q {
        Quantity::Float(x) => Quantity::Float(round_sig(x * factor)),
        Quantity::Integer(i) => {
            let mut new = (*i as f64 * factor).round() as i64;
            // A small count still moves by one step.
            if new == *i && factor != 1.0 {
                new = if factor > 1.0 { i + 1 } else { (i - 1).max(0) };
            }
            Quantity::Integer(new)
        }
        Quantity::Duration(n) => Quantity::Duration(nanos(*n)),
        Quantity::Rate(count, per) => Quantity::Rate(round_sig(count * factor), per.clone()),
        Quantity::Steps(count, n) => Quantity::Steps(count.clone(), nanos(*n)),
    }
}

fn duration_literal(n: Nanos) -> String {
    if n.is_multiple_of(1_000_000_000) {
        format!("{}s", n / 1_000_000_000)
    } else {
        let s = format!("{:.9}", n as f64 / 1e9);
        format!("{}s", s.trim_end_matches('0'))
    }
}

fn literal(q: &Quantity, quoted: bool) -> String {
    let body = match q {
        Quantity::Float(x) => format!("{x:?}"),
        Quantity::Integer(i) => i.to_string(),
        Quantity::Duration(n) => duration_literal(*n),
        Quantity::Rate(count, per) => format!("{count}/{per}"),
        Quantity::Steps(count, n) => format!("{count}x{}", duration_literal(*n)),
    };
    match q {
        Quantity::Float(_) | Quantity::Integer(_) => body,
        _ if quoted => format!("\"{body}\""),
        _ => body,
    }
}

fn display(q: &Quantity) -> String {
    match q {
        Quantity::Float(x) => format!("{x}"),
        Quantity::Integer(i) => i.to_string(),
        Quantity::Duration(n) => Human(*n).to_string(),
        Quantity::Rate(count, per) => format!("{count}/{per}"),
        Quantity::Steps(count, n) => format!("{count}x{}", Human(*n)),
    }
}

/// A string value as a quantity: a duration, a rate or a retry step.
fn quantity_of_text(s: &str) -> Option<Quantity> {
    if let Some((count, per)) = s.split_once('/') {
        let count: f64 = count.trim().parse().ok()?;
        parse_rate(s).ok()?;
        return Some(Quantity::Rate(count, per.trim().to_string()));
    }
    if let Some((count, step)) = s.split_once('x')
        && count.trim().parse::<u32>().is_ok()
    {
        return Some(Quantity::Steps(
            count.trim().to_string(),
            parse_duration(step).ok()?,
        ));
    }
    parse_duration(s).ok().map(Quantity::Duration)
}

fn quantity_of(value: &DeValue<'_>) -> Option<Quantity> {
    match value {
        DeValue::Float(f) => f
            .as_str()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Quantity::Float),
        DeValue::Integer(i) if i.radix() == 10 => i
            .as_str()
            .replace('_', "")
            .parse()
            .ok()
            .map(Quantity::Integer),
        DeValue::String(s) => quantity_of_text(s),
        _ => None,
    }
}

fn is_zero(q: &Quantity) -> bool {
    match q {
        Quantity::Float(x) | Quantity::Rate(x, _) => *x == 0.0,
        Quantity::Integer(i) => *i == 0,
        Quantity::Duration(n) | Quantity::Steps(_, n) => *n == 0,
    }
}

/// Every numeric input of `text`, in file order. `text` must parse.
pub fn inputs(text: &str) -> Vec<Input> {
    let Ok(root) = DeTable::parse(text) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    walk_table(text, root.get_ref(), "", &mut found);
    found.retain(|i| {
        let section = strip_index(i.key.split('.').next().unwrap_or_default());
        !NOT_INPUTS
            .iter()
            .any(|skip| section == *skip || i.key == *skip)
    });
    found.sort_by_key(|i| i.edits.first().map_or(0, |e| e.span.start));
    attach_share_companions(&mut found);
    // A lone carrier's share is 1 by definition.
    found.retain(|i| !(is_share(&i.key) && i.companions.is_empty()));
    found
}

fn is_share(key: &str) -> bool {
    key.split('.').count() == 3 && key.starts_with("carriers.") && key.ends_with(".share")
}

fn walk_table(text: &str, table: &DeTable<'_>, prefix: &str, out: &mut Vec<Input>) {
    for (key, value) in table.iter() {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        walk_value(text, value, &path, out);
    }
}

fn walk_value(text: &str, value: &toml::Spanned<DeValue<'_>>, path: &str, out: &mut Vec<Input>) {
    match value.get_ref() {
        DeValue::Table(t) => walk_table(text, t, path, out),
        DeValue::Array(items) => {
            // An array of plain values (an SMSC retry schedule) scales as one input.
            let plain: Option<Vec<Edit>> = items
                .iter()
                .map(|v| {
                    quantity_of(v.get_ref()).map(|quantity| Edit {
                        span: v.span(),
                        quantity,
                    })
                })
                .collect();
            match plain {
                Some(edits) if !edits.is_empty() => push(text, path, edits, out),
                _ => {
                    for (i, item) in items.iter().enumerate() {
                        if matches!(item.get_ref(), DeValue::Table(_)) {
                            walk_value(text, item, &format!("{path}[{i}]"), out);
                        }
                    }
                }
            }
        }
        v => {
            if let Some(quantity) = quantity_of(v) {
                let edits = vec![Edit {
                    span: value.span(),
                    quantity,
                }];
                push(text, path, edits, out);
            }
        }
    }
}

fn push(text: &str, path: &str, edits: Vec<Edit>, out: &mut Vec<Input>) {
    if edits.iter().all(|e| is_zero(&e.quantity)) || edits[0].span.is_empty() {
        return;
    }
    let start = edits[0].span.start;
    out.push(Input {
        key: path.to_string(),
        labels: labels_at(text, start),
        line: text[..start].matches('\n').count() + 1,
        edits,
        companions: Vec::new(),
    });
}

/// `carriers.X.share` inputs get the other carriers' shares, which scale
/// with them so that the shares still sum to 1.
fn attach_share_companions(inputs: &mut [Input]) {
    let shares: Vec<(String, Range<usize>, f64)> = inputs
        .iter()
        .filter(|i| is_share(&i.key))
        .filter_map(|i| match i.edits[..] {
            [
                Edit {
                    ref span,
                    quantity: Quantity::Float(x),
                },
            ] => Some((i.key.clone(), span.clone(), x)),
            _ => None,
        })
        .collect();
    for input in inputs.iter_mut().filter(|i| is_share(&i.key)) {
        input.companions = shares
            .iter()
            .filter(|(key, _, _)| *key != input.key)
            .map(|(_, span, x)| (span.clone(), *x))
            .collect();
    }
}

/// The `[X]` labels in the comment on `offset`'s line, else in the key's
/// first line for multi-line values, else in the comment block right above
/// the enclosing `[table]` header.
fn labels_at(text: &str, offset: usize) -> Vec<String> {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let own = labels_in_comment(&text[line_start..line_end]);
    if !own.is_empty() {
        return own;
    }
    let lines: Vec<&str> = text[..line_start].lines().collect();
    let mut i = lines.len();
    while i > 0 {
        i -= 1;
        let line = lines[i].trim_start();
        if line.starts_with('[') {
            let mut labels = Vec::new();
            while i > 0 && lines[i - 1].trim_start().starts_with('#') {
                i -= 1;
                labels.extend(labels_in_comment(lines[i]));
            }
            return labels;
        }
        // The first line of a multi-line array or table that holds the value.
        if line.contains('=') && (line.trim_end().ends_with('[') || line.contains("= [")) {
            return labels_in_comment(lines[i]);
        }
        if line.contains('=') {
            // A plain key line above: the value is not inside it.
            let open = line.matches(['[', '{']).count();
            let close = line.matches([']', '}']).count();
            if open <= close {
                continue;
            }
        }
    }
    Vec::new()
}

/// Labels such as `[G]` or `[O]` in a line's comment.
fn labels_in_comment(line: &str) -> Vec<String> {
    let Some(comment) = comment_of(line) else {
        return Vec::new();
    };
    let mut labels = Vec::new();
    let mut rest = comment;
    while let Some(open) = rest.find('[') {
        rest = &rest[open + 1..];
        if let Some(close) = rest.find(']') {
            let inner = &rest[..close];
            if (1..=3).contains(&inner.len()) && inner.chars().all(|c| c.is_ascii_uppercase()) {
                let label = inner.to_string();
                if !labels.contains(&label) {
                    labels.push(label);
                }
            }
        }
    }
    labels
}

/// The part of a TOML line after `#`, outside strings.
fn comment_of(line: &str) -> Option<&str> {
    let mut quote: Option<char> = None;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '#') => return Some(&line[i + 1..]),
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"# [G] header note
[scenario]
duration = "1h"
[otp]
max_sends = 3        # apps stop at 3 [G]
resend_after = "45s" # [A]
target = "60s"       # [G]
# Where they go [G]
[carriers.a]
share = 0.75
smsc = { retry = ["5x1m", "1h"], validity = "72h" }  # [O]; rate [V]
[carriers.b]
share = 0.25
loss = 0.0
[[expect]]
metric = "otp_success"
min = 0.9
[providers.p]
tps = "100/s"   # [V]
profile = [     # shape [G]
  { at = "00:00", factor = 0.5 },
]
"#;

    fn find<'a>(all: &'a [Input], key: &str) -> &'a Input {
        all.iter().find(|i| i.key == key).unwrap()
    }

    #[test]
    fn finds_numbers_durations_rates_and_schedules_outside_run_settings() {
        let all = inputs(TEXT);
        let keys: Vec<&str> = all.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "otp.max_sends",
                "otp.resend_after",
                "carriers.a.share",
                "carriers.a.smsc.retry",
                "carriers.a.smsc.validity",
                "carriers.b.share",
                "providers.p.tps",
                "providers.p.profile[0].factor",
            ]
        );
        assert_eq!(find(&all, "otp.max_sends").labels, ["G"]);
        assert_eq!(find(&all, "carriers.a.smsc.retry").labels, ["O", "V"]);
        assert_eq!(find(&all, "carriers.a.share").labels, ["G"]);
        assert!(find(&all, "carriers.b.share").labels.is_empty());
        assert_eq!(find(&all, "providers.p.profile[0].factor").labels, ["G"]);
    }

    #[test]
    fn varies_in_place_keeping_units_and_shares_summing_to_one() {
        let all = inputs(TEXT);
        let v = find(&all, "otp.resend_after")
            .vary(TEXT, 0.8, false)
            .unwrap();
        assert!(v.text.contains("resend_after = \"36s\" # [A]"));
        assert_eq!(v.value, "36.0s");
        let v = find(&all, "carriers.a.smsc.retry")
            .vary(TEXT, 1.2, false)
            .unwrap();
        assert!(
            v.text.contains(r#"retry = ["5x72s", "4320s"]"#),
            "{}",
            v.text
        );
        let v = find(&all, "providers.p.tps")
            .vary(TEXT, 0.8, false)
            .unwrap();
        assert!(v.text.contains("tps = \"80/s\""));
        let v = find(&all, "otp.max_sends").vary(TEXT, 0.8, false).unwrap();
        assert!(v.text.contains("max_sends = 2 "));
        let v = find(&all, "carriers.b.share")
            .vary(TEXT, 1.2, false)
            .unwrap();
        assert!(v.text.contains("share = 0.3\n"));
        assert!(v.text.contains("share = 0.7\n"), "{}", v.text);
    }

    #[test]
    fn fractions_clamp_at_one_and_patterns_select_keys_or_labels() {
        let text = "[users]\nstale = 0.9 # [G]\n";
        let input = &inputs(text)[0];
        assert!(
            input
                .vary(text, 1.2, true)
                .unwrap()
                .text
                .contains("stale = 1.0")
        );
        assert!(
            input
                .vary(text, 1.2, false)
                .unwrap()
                .text
                .contains("stale = 1.08")
        );
        assert!(input.matches("[G]") && !input.matches("[O]"));
        assert!(input.matches("users") && input.matches("*.stale"));
        assert!(!input.matches("users.typo"));
    }
}
