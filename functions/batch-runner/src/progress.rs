//! The terminal progress bar: epoch, loss and ETA for the job being trained.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar on stderr (hidden when stderr is not a terminal).
pub fn bar(job: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{prefix} [{bar:30}] epoch {pos}/{len}  loss {msg}  ETA {eta}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar.set_prefix(job.to_string());
    bar
}

/// Moves the bar to `epoch` of `epochs` with `loss`.
pub fn update(bar: &ProgressBar, epoch: u32, epochs: u32, loss: f32) {
    bar.set_length(u64::from(epochs));
    bar.set_position(u64::from(epoch));
    bar.set_message(format!("{loss:.5}"));
}
