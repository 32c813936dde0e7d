//! Values interpolated into `run:` are escaped for the shell quoting
//! context they stand in: hostile params and upstream outputs arrive as
//! exactly one literal value and never run as code; `| raw` does run code;
//! `exec:` and `env:` stay safe; template evaluation is bounded.

use crate::harness::Weft;

/// Values that would run `touch pwned` (or split, glob, expand) if pasted
/// into shell code as they are.
const HOSTILE: &[&str] = &[
    "$(touch pwned)",
    "`touch pwned`",
    "'; touch pwned; '",
    "\"; touch pwned; \"",
    "\\'; touch pwned; \\'",
    "x\n touch pwned\n",
    "two  words and\ttab",
    "*",
    "",
    "\\",
    "it's",
    "$HOME ${HOME} $'\\x41'",
    "a)\" ) ; touch pwned ; (\"",
    "EOFX\nEOF\ntouch pwned",
];

/// Each quoting context a value can stand in, and the file it writes.
const CONTEXTS: &str = r#"name: contexts
params:
  v: { type: string, required: true }
tasks:
  bare:
    run: printf '%s' {{ params.v }} > bare.out
  single:
    run: printf '%s' 'pre-{{ params.v }}-post' > single.out
  double:
    run: printf '%s' "pre-{{ params.v }}-post" > double.out
  adjacent:
    run: printf '%s' --v={{ params.v }}{{ params.v }} > adjacent.out
  subst:
    run: printf '%s' "$(printf '%s' {{ params.v }})" > subst.out
  backticks:
    run: printf '%s' "`printf '%s' {{ params.v }}`" > backticks.out
  comment:
    run: |
      # it's a note: {{ params.v }}
      printf '%s' {{ params.v }} > comment.out
  heredoc:
    run: |
      cat > heredoc.out <<EOF
      pre-{{ params.v }}-post
      EOF
  exec:
    exec: [sh, -c, 'printf "%s" "$1" > exec.out', sh, "{{ params.v }}"]
  env:
    env: { V: "{{ params.v }}" }
    run: printf '%s' "$V" > env.out
"#;

fn read(w: &Weft, name: &str) -> String {
    std::fs::read_to_string(w.path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn hostile_params_arrive_as_one_literal_value_in_every_quoting_context() {
    for v in HOSTILE {
        let w = Weft::new();
        w.write("contexts.yaml", CONTEXTS);
        let out = w.run(&["run", "contexts.yaml", "-p", &format!("v={v}")]);
        let here_doc_ends = v.lines().any(|l| l == "EOF");
        assert!(!w.path("pwned").exists(), "{v:?} ran code: {}", out.stdout);
        if here_doc_ends {
            // The value would end the here-document: that task fails
            // instead of running the rest as code.
            assert_eq!(out.code, 1, "{v:?}: {}{}", out.stdout, out.stderr);
            assert!(out.stdout.contains("here-document"), "{}", out.stdout);
        } else {
            assert_eq!(out.code, 0, "{v:?}: {}{}", out.stdout, out.stderr);
            assert_eq!(read(&w, "heredoc.out"), format!("pre-{v}-post\n"), "{v:?}");
        }
        assert_eq!(read(&w, "bare.out"), *v, "bare {v:?}");
        assert_eq!(read(&w, "single.out"), format!("pre-{v}-post"), "{v:?}");
        assert_eq!(read(&w, "double.out"), format!("pre-{v}-post"), "{v:?}");
        assert_eq!(read(&w, "adjacent.out"), format!("--v={v}{v}"), "{v:?}");
        let trimmed = v.trim_end_matches('\n');
        assert_eq!(read(&w, "subst.out"), trimmed, "$() {v:?}");
        assert_eq!(read(&w, "backticks.out"), trimmed, "`` {v:?}");
        assert_eq!(read(&w, "comment.out"), *v, "comment {v:?}");
        assert_eq!(read(&w, "exec.out"), *v, "exec {v:?}");
        assert_eq!(read(&w, "env.out"), *v, "env {v:?}");
    }
}

#[test]
fn ansi_c_quotes_keep_a_value_literal() {
    if !std::path::Path::new("/bin/bash").exists() {
        return;
    }
    let w = Weft::new();
    w.write(
        "ansi.yaml",
        "name: ansi\nparams:\n  v: { type: string }\ntasks:\n  a:\n    run: printf '%s' $'pre-{{ params.v }}-post' > ansi.out\n",
    );
    for v in HOSTILE {
        let out = w.run(&["run", "ansi.yaml", "-p", &format!("v={v}")]);
        assert_eq!(out.code, 0, "{v:?}: {}{}", out.stdout, out.stderr);
        assert!(!w.path("pwned").exists(), "{v:?} ran code");
        assert_eq!(read(&w, "ansi.out"), format!("pre-{v}-post"), "{v:?}");
    }
}

#[test]
fn an_upstream_output_pasted_downstream_stays_one_literal_value() {
    for v in HOSTILE {
        let w = Weft::new();
        w.write(
            "chain.yaml",
            r#"name: chain
params:
  v: { type: string }
tasks:
  up:
    env: { V: "{{ params.v }}" }
    outputs: [v]
    run: printf 'v<<WEFT_END\n%s\nWEFT_END\n' "$V" >> "$WEFT_OUTPUT"
  down:
    needs: [up]
    run: printf '%s' {{ tasks.up.outputs.v }} > down.out; printf '%s' "{{ tasks.up.outputs.v }}" > down2.out
"#,
        );
        let out = w.run(&["run", "chain.yaml", "-p", &format!("v={v}")]);
        assert_eq!(out.code, 0, "{v:?}: {}{}", out.stdout, out.stderr);
        assert!(!w.path("pwned").exists(), "{v:?} ran code");
        let got = read(&w, "down.out");
        assert_eq!(got, read(&w, "down2.out"));
        // However the output block treats a final newline, the value
        // arrives whole and literal.
        assert_eq!(
            got.trim_end_matches('\n'),
            v.trim_end_matches('\n'),
            "{v:?}"
        );
    }
}

#[test]
fn raw_inserts_code_on_purpose() {
    let w = Weft::new();
    w.write(
        "raw.yaml",
        "name: raw\nparams:\n  code: { type: string }\ntasks:\n  a:\n    run: '{{ params.code | raw }} && echo done > raw.out'\n",
    );
    let out = w.run(&[
        "run",
        "raw.yaml",
        "-p",
        "code=touch made; echo $((1 + 2)) > sum",
    ]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(w.path("made").exists(), "raw code ran");
    assert_eq!(read(&w, "sum"), "3\n");
    assert_eq!(read(&w, "raw.out"), "done\n");
}

#[test]
fn a_value_right_after_a_dollar_fails_the_task_instead_of_guessing() {
    let w = Weft::new();
    w.write(
        "dollar.yaml",
        "name: dollar\nparams:\n  v: { type: string }\ntasks:\n  a:\n    run: echo ${{ params.v }}\n",
    );
    let out = w.run(&["run", "dollar.yaml", "-p", "v=(touch pwned)"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(!w.path("pwned").exists());
    assert!(out.stdout.contains("| raw"), "{}", out.stdout);
}

#[test]
fn raw_validates_and_an_unknown_filter_fails_the_task() {
    let w = Weft::new();
    w.write(
        "f.yaml",
        "name: f\nparams:\n  v: { type: string }\ntasks:\n  a:\n    run: echo {{ params.v | raw }}\n  b:\n    run: echo {{ params.v | rawr }}\n",
    );
    let out = w.run(&["validate", "f.yaml"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let out = w.run(&["run", "f.yaml", "-p", "v=x"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("unknown filter"), "{}", out.stdout);
}

#[test]
fn a_runaway_template_fails_its_task_not_the_run() {
    let w = Weft::new();
    let text = r#"name: big
params:
  s: { type: string }
tasks:
  big:
    run: "echo {% for a in params.s %}{% for b in params.s %}xxxxxxxx{% endfor %}{% endfor %}"
  spin:
    run: "echo {% for a in params.s %}{% for b in params.s %}{% for c in params.s %}{% endfor %}{% endfor %}{% endfor %}"
  repeat:
    exec: [echo, "{{ params.s * 99999 }}"]
  fine:
    run: echo fine > fine.out
"#;
    w.write("big.yaml", &text.replace("xxxxxxxx", &"x".repeat(1000)));
    let s = format!("s={}", "x".repeat(1000));
    let out = w.run(&["run", "big.yaml", "-p", &s]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let all = out.stdout.clone() + &out.stderr;
    assert!(
        all.contains("task `big`, field `run`: template output exceeds 1 MiB"),
        "{all}"
    );
    assert!(
        all.contains("task `spin`, field `run`: template takes more than"),
        "{all}"
    );
    assert!(
        all.contains("task `repeat`, field `exec[1]`: template output exceeds 1 MiB"),
        "{all}"
    );
    assert_eq!(read(&w, "fine.out"), "fine\n");
}
