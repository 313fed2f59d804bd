//! Every shipped scenario runs, and its report matches the reference in
//! `results/` byte for byte. After a deliberate model change, regenerate
//! with `SIMSMS_BLESS=1 cargo nextest run --test shipped` (or
//! `simsms run scenarios/X.toml > results/X.txt`) and say why in the commit.

use std::path::Path;

#[test]
fn shipped_scenarios_match_their_reference_results() {
    let bless = std::env::var_os("SIMSMS_BLESS").is_some();
    let mut names: Vec<String> = std::fs::read_dir("scenarios")
        .expect("scenarios/ exists")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    assert!(names.len() >= 5, "shipped scenarios missing: {names:?}");
    let mut mismatched = Vec::new();
    for name in &names {
        let source = format!("scenarios/{name}");
        let sc = match simsms::scenario::load(Path::new(&source)) {
            Ok(sc) => sc,
            Err(e) => panic!("{source} does not validate:\n{e}"),
        };
        let results = simsms::simulate_all(&sc, &source, 2);
        let text = simsms::report::render_run(&sc, &results);
        let reference = Path::new("results").join(name.replace(".toml", ".txt"));
        if bless {
            std::fs::create_dir_all("results").unwrap();
            std::fs::write(&reference, &text).unwrap();
            continue;
        }
        match std::fs::read_to_string(&reference) {
            Ok(expected) if expected == text => {}
            Ok(expected) => {
                let first = expected
                    .lines()
                    .zip(text.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or(0);
                mismatched.push(format!(
                    "{name}: differs from {} at line {}:\n  expected: {}\n  actual:   {}",
                    reference.display(),
                    first + 1,
                    expected.lines().nth(first).unwrap_or(""),
                    text.lines().nth(first).unwrap_or("")
                ));
            }
            Err(_) => mismatched.push(format!("{name}: no reference {}", reference.display())),
        }
    }
    assert!(
        mismatched.is_empty(),
        "{}\n(if the model changed on purpose, regenerate with SIMSMS_BLESS=1)",
        mismatched.join("\n")
    );
}
