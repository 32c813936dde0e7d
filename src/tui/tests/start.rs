//! The start dialog: a workflow started with its required params.

use super::*;

#[test]
fn a_workflow_is_started_with_its_required_params() {
    let mut s = loaded();
    assert_eq!(
        update(&mut s, Action::StartWorkflow),
        vec![Effect::LoadWorkflows]
    );
    update(
        &mut s,
        Action::WorkflowsLoaded(vec![
            state::KnownWorkflow {
                name: "broken".into(),
                file: "/w/broken.yaml".into(),
                params: vec![],
                problem: Some("line 3: unknown key `taks`".into()),
            },
            state::KnownWorkflow {
                name: "release".into(),
                file: "/w/release.yaml".into(),
                params: vec![
                    ("version".into(), true, None),
                    ("channel".into(), false, Some("stable".into())),
                ],
                problem: None,
            },
        ]),
    );
    update(&mut s, Action::Open);
    assert!(
        s.start
            .as_ref()
            .unwrap()
            .error
            .as_deref()
            .unwrap()
            .contains("unknown key"),
        "an invalid workflow says why it cannot start"
    );
    update(&mut s, Action::Down);
    update(&mut s, Action::Open);
    assert!(
        update(&mut s, Action::Open).is_empty(),
        "a required param is missing"
    );
    assert_eq!(
        s.start.as_ref().unwrap().error.as_deref(),
        Some("required: version")
    );
    for c in "1.2".chars() {
        update(&mut s, Action::FilterChar(c));
    }
    insta::assert_snapshot!("start", draw(&s));
    assert_eq!(
        update(&mut s, Action::Open),
        vec![Effect::Start {
            file: "/w/release.yaml".into(),
            params: vec![
                ("version".into(), "1.2".into()),
                ("channel".into(), "stable".into())
            ]
        }]
    );
    assert_eq!(
        update(&mut s, Action::Started(RunId::from_string("r5started"))),
        vec![Effect::LoadDetail(RunId::from_string("r5started"))]
    );
    assert!(s.start.is_none());
    assert_eq!(s.view, View::Run);
}
