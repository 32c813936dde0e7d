//! Completion in a real bash, through the script in `completions/`: fixed
//! values of flags, and run ids and workflow names from the store.

use crate::harness::Weft;

/// What bash offers for `line` (its last word is the one completed).
fn complete(w: &Weft, line: &str) -> Vec<String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/completions/weft.bash");
    let bin_dir = Weft::bin().parent().unwrap().to_path_buf();
    let program = format!(
        r#"source '{script}'
read -ra COMP_WORDS <<< "$LINE"
[[ "$LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="$LINE"; COMP_POINT=${{#LINE}}; COMP_TYPE=9
_clap_complete_weft weft "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &program])
        .env("LINE", line)
        .env("WEFT_HOME", w.home.path())
        .env(
            "PATH",
            format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap()),
        )
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn bash_completes_fixed_values_runs_and_workflows() {
    let w = Weft::new();
    // No store yet: nothing to offer, and completing creates none.
    assert!(
        !complete(&w, "weft show ")
            .iter()
            .any(|c| !c.starts_with('-'))
    );
    assert!(!w.home.path().join("weft.db").exists());

    w.write(
        "nightly.yaml",
        "name: nightly\ntasks:\n  a: { run: 'true' }\n",
    );
    assert_eq!(w.run(&["run", "nightly.yaml", "-q"]).code, 0);
    let id = w.latest("nightly");

    assert_eq!(complete(&w, "weft ps --status f"), ["failed"]);
    assert_eq!(
        complete(&w, "weft run --overlap "),
        ["skip", "queue", "allow"]
    );
    assert_eq!(complete(&w, "weft --color "), ["auto", "always", "never"]);
    let shells = complete(&w, "weft completions ");
    for shell in ["bash", "zsh", "fish"] {
        assert!(shells.iter().any(|s| s == shell), "{shells:?}");
    }
    let runs = complete(&w, "weft show ");
    assert!(runs.contains(&"nightly".to_string()), "{runs:?}");
    assert!(runs.contains(&id), "{runs:?}");
    assert_eq!(
        complete(&w, &format!("weft logs {}", &id[..4])),
        vec![id.clone()]
    );
    assert_eq!(complete(&w, "weft ps --workflow ni"), ["nightly"]);
    assert_eq!(complete(&w, "weft schedule fires nig"), ["nightly"]);
}
