//! The start dialog: choosing a known workflow, then filling in its params,
//! and what starting it answers.

use super::super::action::{Action, Effect};
use super::super::state::{KnownWorkflow, StartDialog, State};
use super::navigate::open_run;
use crate::model::RunId;

/// Opens the dialog and asks for the known workflows.
pub(super) fn open(state: &mut State) -> Vec<Effect> {
    state.start = Some(StartDialog {
        workflows: Vec::new(),
        selected: 0,
        form: None,
        field: 0,
        error: None,
    });
    vec![Effect::LoadWorkflows]
}

pub(super) fn workflows_loaded(state: &mut State, list: Vec<KnownWorkflow>) -> Vec<Effect> {
    if let Some(dialog) = &mut state.start {
        dialog.workflows = list;
        dialog.selected = dialog
            .selected
            .min(dialog.workflows.len().saturating_sub(1));
    }
    Vec::new()
}

/// The run started: the dialog closes and the run opens.
pub(super) fn started(state: &mut State, id: RunId) -> Vec<Effect> {
    state.start = None;
    state.notice = Some(format!("started {id}"));
    open_run(state, id)
}

pub(super) fn failed(state: &mut State, why: String) -> Vec<Effect> {
    match &mut state.start {
        Some(dialog) => dialog.error = Some(why),
        None => state.notice = Some(why),
    }
    Vec::new()
}

/// Keys while the start dialog is open.
pub(super) fn start_dialog(state: &mut State, action: Action) -> Vec<Effect> {
    let Some(dialog) = &mut state.start else {
        return Vec::new();
    };
    match (&mut dialog.form, action) {
        (_, Action::Quit) => {
            state.quit = true;
            vec![Effect::Quit]
        }
        (None, Action::Back) => {
            state.start = None;
            Vec::new()
        }
        (Some(_), Action::Back) => {
            dialog.form = None;
            dialog.error = None;
            Vec::new()
        }
        (None, Action::Up) => {
            dialog.selected = dialog.selected.saturating_sub(1);
            Vec::new()
        }
        (None, Action::Down) => {
            dialog.selected = (dialog.selected + 1).min(dialog.workflows.len().saturating_sub(1));
            Vec::new()
        }
        (None, Action::Open) => {
            let Some(w) = dialog.workflows.get(dialog.selected) else {
                return Vec::new();
            };
            if let Some(problem) = &w.problem {
                dialog.error = Some(format!("{} cannot start: {problem}", w.name));
                return Vec::new();
            }
            if w.params.is_empty() {
                return vec![Effect::Start {
                    file: w.file.clone(),
                    params: Vec::new(),
                }];
            }
            dialog.form = Some(
                w.params
                    .iter()
                    .map(|(name, _, default)| (name.clone(), default.clone().unwrap_or_default()))
                    .collect(),
            );
            dialog.field = 0;
            dialog.error = None;
            Vec::new()
        }
        (Some(form), Action::Up) => {
            dialog.field = dialog.field.saturating_sub(1);
            let _ = form;
            Vec::new()
        }
        (Some(form), Action::Down) => {
            dialog.field = (dialog.field + 1).min(form.len().saturating_sub(1));
            Vec::new()
        }
        (Some(form), Action::FilterChar(c)) => {
            if let Some((_, value)) = form.get_mut(dialog.field) {
                value.push(c);
            }
            Vec::new()
        }
        (Some(form), Action::FilterBackspace) => {
            if let Some((_, value)) = form.get_mut(dialog.field) {
                value.pop();
            }
            Vec::new()
        }
        (Some(form), Action::Open) => {
            let Some(w) = dialog.workflows.get(dialog.selected) else {
                return Vec::new();
            };
            let missing: Vec<&str> = w
                .params
                .iter()
                .zip(form.iter())
                .filter(|((_, required, _), (_, value))| *required && value.is_empty())
                .map(|((name, _, _), _)| name.as_str())
                .collect();
            if !missing.is_empty() {
                dialog.error = Some(format!("required: {}", missing.join(", ")));
                return Vec::new();
            }
            vec![Effect::Start {
                file: w.file.clone(),
                params: form
                    .iter()
                    .filter(|(_, v)| !v.is_empty())
                    .cloned()
                    .collect(),
            }]
        }
        _ => Vec::new(),
    }
}
