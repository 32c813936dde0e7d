//! The runs list: drawing it, filtering it, new runs arriving, and
//! thousands of runs loaded in pages.

use super::*;

#[test]
fn the_runs_view() {
    insta::assert_snapshot!(draw(&loaded()));
}

#[test]
fn a_filter_narrows_the_list() {
    let mut s = loaded();
    update(&mut s, Action::StartFilter);
    for c in "night".chars() {
        update(&mut s, Action::FilterChar(c));
    }
    assert_eq!(s.visible_runs().len(), 2);
    insta::assert_snapshot!(draw(&s));
}

#[test]
fn new_runs_keep_the_selection_and_ticks_reload() {
    let mut s = loaded();
    update(&mut s, Action::Down);
    let mut newer = runs();
    newer.insert(
        0,
        summary("r4newest01", "adhoc", RunStatus::Running, 1, None, 0, 1),
    );
    update(&mut s, loaded_runs(RunsPage::Newest, newer));
    assert_eq!(s.selected_run().unwrap().id.as_str(), "r2failed01");
    let reload = [
        Effect::LoadRuns {
            page: RunsPage::Newest,
            limit: update::NEWEST,
        },
        Effect::LoadRuns {
            page: RunsPage::Active,
            limit: 0,
        },
        // A run is still going: which tasks wait for input?
        Effect::LoadWaiting,
    ];
    assert_eq!(update(&mut s, Action::Tick(NOW + 1000)), reload.to_vec());
    update(&mut s, Action::Open);
    let mut with_detail = reload.to_vec();
    with_detail.push(Effect::LoadDetail(RunId::from_string("r2failed01")));
    assert_eq!(update(&mut s, Action::Tick(NOW + 2000)), with_detail);
    assert_eq!(
        update(&mut s, Action::CopyId),
        vec![Effect::Copy("r2failed01".into())]
    );
    assert_eq!(s.notice.as_deref(), Some("copied r2failed01"));
    assert_eq!(update(&mut s, Action::Quit), vec![Effect::Quit]);
    assert!(s.quit);
}

fn many_runs(n: usize) -> Vec<RunSummary> {
    (0..n)
        .map(|i| {
            let status = match i % 5 {
                0 => RunStatus::Running,
                1 => RunStatus::Failed,
                _ => RunStatus::Succeeded,
            };
            let took = (status != RunStatus::Running).then_some((i % 7) as i64);
            summary(
                &format!("r{i:08}"),
                if i % 2 == 0 { "nightly" } else { "release" },
                status,
                i as i64 * 10,
                took,
                1,
                2,
            )
        })
        .collect()
}

#[test]
fn ten_thousand_runs_load_in_pages_and_scroll_by_the_page() {
    let mut s = State::new(NOW);
    s.list_height = 12;
    update(&mut s, Action::DaemonBack("0.1.0".into()));
    let tick = update(&mut s, Action::Tick(NOW));
    assert!(
        tick.contains(&Effect::LoadRuns {
            page: RunsPage::Older { offset: 0 },
            limit: update::OLDER
        }),
        "the first tick starts the background load: {tick:?}"
    );
    let all = many_runs(10_000);
    let mut offset = 0;
    loop {
        let page: Vec<_> = all
            .iter()
            .skip(offset)
            .take(update::OLDER)
            .cloned()
            .collect();
        let got = page.len();
        let effects = update(
            &mut s,
            Action::RunsLoaded {
                page: RunsPage::Older { offset },
                limit: update::OLDER,
                runs: page,
            },
        );
        if got < update::OLDER {
            assert!(effects.is_empty());
            break;
        }
        offset += got;
        assert_eq!(
            effects,
            vec![Effect::LoadRuns {
                page: RunsPage::Older { offset },
                limit: update::OLDER
            }],
            "each full page asks for the next"
        );
    }
    assert!(s.runs_complete);
    assert_eq!(s.visible_runs().len(), 10_000);
    // A refresh of the newest page changes runs in place, without doubles.
    let mut newest: Vec<_> = all.iter().take(update::NEWEST).cloned().collect();
    newest[0].status = RunStatus::Succeeded;
    update(&mut s, loaded_runs(RunsPage::Newest, newest));
    assert_eq!(s.runs.len(), 10_000);
    assert_eq!(s.runs[0].status, RunStatus::Succeeded);
    for _ in 0..3 {
        update(&mut s, Action::PageDown);
    }
    assert_eq!(s.selected, 36, "a page is the table's height");
    assert_eq!(s.list_top, 25, "the selection stays in view");
    insta::assert_snapshot!("paged", draw(&s));
    // Narrowed to failed runs, oldest first, the selection follows along.
    update(&mut s, Action::StatusFilter);
    update(&mut s, Action::StatusFilter);
    assert_eq!(s.status_filter, Some(RunStatus::Failed));
    assert_eq!(s.visible_runs().len(), 2_000);
    assert!(s.visible_runs().all(|r| r.status == RunStatus::Failed));
    update(&mut s, Action::Sort);
    assert_eq!(s.sort, state::Sort::Oldest);
    assert_eq!(s.visible_runs().next().unwrap().id.as_str(), "r00009996");
    update(&mut s, Action::Back);
    assert_eq!(s.status_filter, None, "Esc clears the filters");
    assert_eq!(s.visible_runs().len(), 10_000);
}
