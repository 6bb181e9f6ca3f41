//! Period parameters of a panel's scenario: which periods get a clustering parameter of their
//! own, the cap on the number of parameters, and runs of periods sharing one.

use crate::calibrate::targets::active_ties_embedded;
use crate::network::Snapshot;

/// The cap on a panel scenario's calibrated parameters with clustering parameters, and
/// whether periods share them over it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Cap {
    pub(super) parameters: usize,
    pub(super) share: bool,
}

/// The clustering parameters within the cap, `others` of the parameters not being clustering
/// parameters: one per period while they fit; else, when the cap says to share them and at
/// least one fits, as many as fit, each shared by a run of consecutive periods (the runs as
/// equal in length as can be, the longer ones first), its embeddedness matched to the
/// transitivity summed over the waves that end its periods; else none, with transitivity
/// matched summed over all waves. Each decision past the first is given a note.
///
/// Leaving them out is the default: a university cohort of 7 waves would have 16 parameters
/// with one per period, where the method of moments did not converge; with one shared by
/// periods 2 to 6 (12 parameters) it did not converge either, its dissolution intercept
/// running to the edge of its search (docs/calibration.md, "Other panels").
pub(super) fn share_periods(
    periods: Vec<usize>,
    others: usize,
    cap: Cap,
    notes: &mut Vec<String>,
) -> Vec<Vec<usize>> {
    let n = periods.len();
    let most = cap.parameters;
    if n == 0 || others + n <= most {
        return periods.into_iter().map(|k| vec![k]).collect();
    }
    let wanted = format!(
        "a clustering parameter for each of periods {} would make {} parameters, more than {most}",
        numbers_list(&periods),
        others + n
    );
    let groups = most.saturating_sub(others);
    if groups == 0 || !cap.share {
        let how = if groups == 0 {
            String::new()
        } else {
            format!(" (--share-clustering: {groups} shared by runs of consecutive periods instead)")
        };
        notes.push(format!(
            "{wanted}: transitivity is matched summed over the waves, with no clustering \
             parameter per period{how}"
        ));
        return Vec::new();
    }
    let mut shared = Vec::new();
    let mut rest = &periods[..];
    for g in 0..groups {
        let len = rest.len().div_ceil(groups - g);
        shared.push(rest[..len].to_vec());
        rest = &rest[len..];
    }
    let runs: Vec<String> = shared.iter().map(|g| period_range(g)).collect();
    notes.push(format!(
        "{wanted}: {} clustering parameter(s) instead, each shared by consecutive periods ({}), \
         matched to the transitivity summed over the waves that end them",
        shared.len(),
        runs.join("; ")
    ));
    shared
}

/// A run of consecutive periods as a key suffix: `3`, or `2-6` for a shared parameter.
pub(super) fn period_range(periods: &[usize]) -> String {
    match periods {
        [one] => one.to_string(),
        [first, .., last] => format!("{first}-{last}"),
        [] => String::new(),
    }
}

/// The periods with their own clustering parameter, from the observed transitivity at the
/// matched waves that define it. Panels change how clustered they are from period to period (a
/// cohort's friendship groups consolidate and split; a school year ends in cliques), and one
/// closure and one dissolution for all periods cannot follow that: transitivity summed over
/// the waves leaves each wave's clustering free, and fits missed the transitivity or the
/// largest component of single waves. So each matched wave `w` after the first at which
/// transitivity is defined gives period `w - 1` its own embeddedness of dissolution
/// (`dissolution.effect_period_offset.embedded.<w-1>`, s50's period-2 parameter), matched to
/// the transitivity at `w`, with the first such wave matched by `formation.closure`.
///
/// Identified only when transitivity is defined at two matched waves or more and strictly
/// inside (0, 1) at each (at 0, no triangle, or 1, every two-path closed, the moment sits on
/// the edge of its range and the parameter runs off to the edge of the space to match it), and
/// when at the start of each such period at least [`MIN_BRIDGING_SHARE`] of the ties bridge
/// groups (their ends have no common partner): the embeddedness of dissolution is told apart
/// by the contrast between the ties inside groups and those between them, and a dense classroom
/// whose ties almost all lie inside groups (2% to 7% bridging) did not converge with it.
/// Otherwise no period has one, transitivity is matched summed over the waves, and a note says
/// why.
pub(super) fn clustering_periods(
    observed: &[(usize, f64)],
    waves: &[Snapshot],
    notes: &mut Vec<String>,
) -> Vec<usize> {
    let mut refuse = |why: String| {
        notes.push(format!(
            "{why}: transitivity is matched summed over the waves, with no clustering parameter \
             per period"
        ));
        Vec::new()
    };
    if let Some((w, v)) = observed.iter().find(|(_, v)| *v <= 0.0 || *v >= 1.0) {
        return refuse(format!(
            "transitivity at wave {w} is {v} (the edge of its range)"
        ));
    }
    if observed.len() < 2 {
        return refuse(format!(
            "transitivity is defined at {} matched wave(s)",
            observed.len()
        ));
    }
    let periods: Vec<usize> = observed[1..].iter().map(|(w, _)| w - 1).collect();
    for &k in &periods {
        let ties = active_ties_embedded(&waves[k - 1]);
        let bridging = ties.iter().filter(|(_, e)| !e).count();
        let share = bridging as f64 / ties.len() as f64;
        if share.is_nan() || share < MIN_BRIDGING_SHARE {
            return refuse(format!(
                "{bridging} of wave {k}'s {} ties bridge groups (no common partner), under {:.0}%, \
                 so the embeddedness of period {k} is not identified",
                ties.len(),
                100.0 * MIN_BRIDGING_SHARE
            ));
        }
    }
    periods
}

/// The most parameters a panel's scenario gets with the periods' clustering parameters, by
/// default (`wecare panel --max-parameters`); over it, they are left out or shared
/// ([`share_periods`]).
/// A university cohort of 7 waves (docs/calibration.md, "Other panels") would have 16 with one
/// per period: its method-of-moments fit did not converge, and ABC-SMC's first generation
/// found almost no proposal inside the box of 16 uniform priors (0.3% of them), ending with
/// the prior's spread; it has 11 others. s50 has 8,
/// the synthetic panels of `tests/calibrate_generalise.rs` up to 11.
pub const MAX_PARAMETERS: usize = 12;

/// Periods as a list in words: `2, 3 and 4`.
pub(super) fn numbers_list(v: &[usize]) -> String {
    let items: Vec<String> = v.iter().map(usize::to_string).collect();
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => items.join(""),
    }
}

/// The share of a wave's ties that must bridge groups for the embeddedness of dissolution in
/// the period it starts to be calibrated ([`clustering_periods`]): s50's wave 2 has 30%, a
/// university cohort's waves 21% to 33%, a dense classroom's 2% to 7%.
pub(super) const MIN_BRIDGING_SHARE: f64 = 0.1;
