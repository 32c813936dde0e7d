//! Basic command-line behaviour: help, versions, usage errors.

use crate::harness::Weft;

#[test]
fn help_and_version_work_and_bad_usage_exits_2() {
    let w = Weft::new();
    let out = w.run(&["--help"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("validate"));
    let out = w.run(&["--version"]);
    assert!(out.stdout.starts_with("weft "));
    let out = w.run(&["frobnicate"]);
    assert_eq!(out.code, 2);
}
