//! The pure update: an action in, the state changed, effects out. No I/O,
//! no clock (time arrives as `Action::Tick`). `update` only dispatches:
//! each concern (moving between views, the runs list's filter, a task's
//! log, its terminal, the questions and actions on a run, the start
//! dialog, what the daemon and the clock send) has a file of its own.

use super::action::{Action, Effect};
use super::state::State;

mod daemon;
mod filter;
mod log;
mod navigate;
mod run_actions;
mod runs;
mod start;
mod terminal;

pub use log::LOG_KEPT;
pub use runs::{MAX_RUNS, NEWEST, OLDER};

pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    // A pending question takes the keys first.
    if state.confirm.is_some() {
        return run_actions::answer(state, action);
    }
    if !daemon::is_from_outside(&action) {
        // A notice answers the last key; the next key clears it.
        state.notice = None;
    }
    if state.start.is_some() && !daemon::is_from_outside(&action) {
        return start::start_dialog(state, action);
    }
    match action {
        Action::Quit => {
            state.quit = true;
            vec![Effect::Quit]
        }
        Action::ToggleHelp => {
            state.help = !state.help;
            Vec::new()
        }
        Action::Up => navigate::move_selection(state, -1),
        Action::Down => navigate::move_selection(state, 1),
        Action::PageUp => navigate::page(state, -1),
        Action::PageDown => navigate::page(state, 1),
        Action::Open => navigate::open(state),
        Action::Back => navigate::back(state),
        Action::TogglePane => navigate::toggle_pane(state),
        Action::JumpToFailure => navigate::jump_to_failure(state),
        Action::OpenLog => log::open(state),
        Action::FollowLog => log::follow(state),
        Action::ToggleWrap => log::toggle_wrap(state),
        Action::SearchNext => log::next_match(state, true),
        Action::SearchPrev => log::next_match(state, false),
        Action::StartFilter => filter::start(state),
        Action::FilterChar(c) => filter::type_char(state, c),
        Action::FilterBackspace => filter::backspace(state),
        Action::EndFilter => filter::end(state),
        Action::Sort => filter::sort(state),
        Action::StatusFilter => filter::cycle_status(state),
        Action::CopyId => run_actions::copy_id(state),
        Action::Cancel => run_actions::cancel(state),
        Action::Retry => run_actions::retry(state),
        Action::Pause => state.target_run().map(Effect::Pause).into_iter().collect(),
        Action::Resume => state.target_run().map(Effect::Resume).into_iter().collect(),
        Action::Attach => terminal::attach_selected(state),
        Action::NextTerminal => terminal::next(state),
        Action::FocusTerminal => terminal::focus(state),
        Action::ReleaseTerminal => terminal::release(state),
        Action::TermInput(bytes) => terminal::input(state, bytes),
        Action::PaneSize(rows, cols) => terminal::pane_size(state, rows, cols),
        Action::TermScreen { task, screen } => terminal::screen(state, task, screen),
        Action::TermEnded { task, why } => terminal::ended(state, task, why),
        Action::StartWorkflow => start::open(state),
        Action::WorkflowsLoaded(list) => start::workflows_loaded(state, list),
        Action::Started(id) => start::started(state, id),
        Action::StartFailed(why) => start::failed(state, why),
        Action::Confirm(_) => Vec::new(),
        Action::RunsLoaded { page, limit, runs } => runs::runs_loaded(state, page, limit, runs),
        Action::DetailLoaded(detail) => daemon::detail_loaded(state, *detail),
        Action::WaitingLoaded(waiting) => daemon::waiting_loaded(state, waiting),
        Action::DaemonLost(error) => daemon::lost(state, error),
        Action::DaemonBack(version) => daemon::back(state, version),
        Action::Notice(text) => daemon::notice(state, text),
        Action::Tick(now) => daemon::tick(state, now),
        Action::LogFailed(why) => log::failed(state, why),
        Action::LogLoaded { task, from, chunk } => log::log_loaded(state, task, from, chunk),
    }
}
