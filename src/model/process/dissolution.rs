//! Step 4: tie dissolution (docs/ODD.md, sections 3 and 7). Ties that formed or revived in this
//! step, project ties made at programme start included, skip dissolution.

use super::{Ctx, Scratch};
use crate::model::effect::{Compiled, DissolutionCeiling, DissolutionCuts, Focus, Process, decide};
use crate::model::params::TrialDraw;
use crate::model::rng::Rng;
use crate::model::world::World;
use crate::network::FRESH;
use rand::Rng as _;

/// How many ties ahead the ends' state is loaded (the records twice as far).
const AHEAD: usize = 8;

/// What every trial of a step reads.
struct Trials<'a> {
    /// The dissolution predictor.
    terms: &'a Compiled,
    /// The phase's intercept (with its period offset).
    base: f64,
    /// The step, as the ties' spell starts count it.
    step: i32,
}

/// Each active tie ends (turns dormant, keeping its trust) with probability
/// `logistic(eta_diss)`, the phase's intercept plus the dissolution effects.
///
/// A tie's uniform draw at or above the cut of the step's largest [`DissolutionCeiling`],
/// or of the tie's own (read from the tie's record alone; with every trust in [0, 1], the cut
/// of the tie's trust band, [`DissolutionCuts`]), means the tie lasts whatever its ends'
/// state; only the others compute the predictor. By default (`rules.trial_draw =
/// "thinned"`, with the cuts by band) only the draws below the cuts are made ([`thinned`]);
/// otherwise every trial draws its own ([`each`]). The decisions are synchronous (the ties
/// end after every trial), so the order of the trials does not matter.
pub fn run(ctx: &Ctx, w: &mut World, rng: &mut Rng, s: &mut Scratch) {
    let base =
        ctx.p.dissolution.base.get(ctx.phase) + ctx.period_offset(&ctx.p.dissolution.period_offset);
    let step = ctx.step as i32;
    let terms = ctx.terms().get(Process::Dissolution, ctx.phase);
    let ceiling = DissolutionCeiling::new(terms, base, ctx);
    // With every trust in [0, 1], each tie's own cut is that of its trust band.
    let bands = match &ceiling {
        Some(c) if ctx.t.bounds_hold => {
            if !s.dissolution_cuts.as_ref().is_some_and(|b| b.are_of(c)) {
                s.dissolution_cuts = Some(DissolutionCuts::new(c, &ctx.t.logistic));
            }
            s.dissolution_cuts.take()
        }
        _ => None,
    };
    let mut ending = std::mem::take(&mut s.dyads);
    ending.clear();
    // A local copy of the generator stays in registers (the same numbers, written back).
    let mut r = rng.clone();
    let trials = Trials { terms, base, step };
    match (&bands, ctx.p.rules.trial_draw) {
        (Some(b), TrialDraw::Thinned) => thinned(ctx, w, &trials, b, &mut r, s, &mut ending),
        _ => each(
            ctx,
            w,
            &trials,
            (ceiling, bands.as_ref()),
            &mut r,
            s,
            &mut ending,
        ),
    }
    *rng = r;
    s.dissolution_cuts = bands.or(s.dissolution_cuts.take());
    let ahead = w.loads_ahead();
    w.memory.deactivate_all(&ending, step, ahead);
    s.dyads = ending;
}

/// Thinned trials: each tie belongs to a group by its trust and origin
/// ([`DissolutionCuts::group`]); within each group, in the order of the active ties, only the
/// ties whose draw falls below the group's cut are visited, by geometric jumps, each with a
/// uniform draw below that cut ([`crate::model::rng::Jumps`]), and then decided as a trial
/// with that draw. Each tie's draw, whether it falls below the cut and where, has the same
/// distribution as its own draw would have, independently of the others; a draw at or above
/// the cut decides "lasts" either way, so the ties that end have the same distribution as
/// under [`each`].
///
/// The groups' jumps are counted down tie by tie in one pass over the ties' keys
/// ([`crate::network::Memory::active_keys`], a byte each, read in order), which lists the
/// ties reached and their draws ([`reach`]); a second pass decides them, loading their records
/// and ends ahead. The decisions read no random numbers and the ties end after every trial,
/// so this is the order of draws and the outcome of one pass.
#[allow(clippy::too_many_arguments)]
fn thinned(
    ctx: &Ctx,
    w: &World,
    t: &Trials,
    cuts: &DissolutionCuts,
    r: &mut Rng,
    s: &mut Scratch,
    ending: &mut Vec<u32>,
) {
    let mut reached = std::mem::take(&mut s.reached);
    reach(w, t.step, cuts, r, &mut reached);
    let dyads = w.memory.dyads();
    let ahead = w.loads_ahead();
    for (k, &(id, u)) in reached.iter().enumerate() {
        if ahead {
            if let Some(&(next, _)) = reached.get(k + 2 * AHEAD) {
                w.memory.prefetch_dyad(next);
            }
            if let Some(&(next, _)) = reached.get(k + AHEAD) {
                let dy = &dyads[next as usize];
                w.prefetch_ends(dy.a, dy.b);
            }
        }
        let dy = &dyads[id as usize];
        // The group's cut is the largest of its bands'; the tie's band may be lower.
        if u >= cuts.of(dy) {
            continue;
        }
        let focus = Focus::tie(dy.a, dy.b, id);
        if decide(t.terms, Process::Dissolution, t.base, ctx, w, focus, s, u) {
            ending.push(id);
        }
    }
    s.reached = reached;
}

/// The ties that thinned dissolution reaches ([`thinned`]), in the order of the active ties,
/// with their draws below their group's cut, into `reached` (cleared first). A tie whose
/// spell started in step `step` has no trial; only the ties whose key marks them fresh read
/// their records to know.
fn reach(w: &World, step: i32, cuts: &DissolutionCuts, r: &mut Rng, reached: &mut Vec<(u32, f64)>) {
    // How many more ties of each group to pass over before the next one reached; `UNDRAWN`
    // until drawn (at the group's first tie of the step, and at its next tie after one
    // reached). 64 entries, so that any six-bit group index needs no bounds check. A
    // group whose cut reaches nothing draws no random number and is never reached.
    const UNDRAWN: i64 = -1;
    let mut left = [UNDRAWN; 64];
    reached.clear();
    let ids = w.memory.active_ids();
    let keys = w.memory.active_keys();
    let dyads = w.memory.dyads();
    // The ids are read only for the ties reached and the fresh ones: most ties read their key
    // alone.
    assert_eq!(ids.len(), keys.len(), "one key per active tie");
    for (k, &key) in keys.iter().enumerate() {
        if key & FRESH != 0 && dyads[ids[k] as usize].spell_start == step {
            continue;
        }
        let g = (key & 63) as usize;
        let mut n = left[g];
        if n > 0 {
            // Most ties: passed over.
            left[g] = n - 1;
            continue;
        }
        let jumps = cuts.jumps(g);
        if n == UNDRAWN {
            // At most about 2^58 for a positive chance (the draw is at least 2^-53), so the
            // conversion is exact; a chance of 0 gives `usize::MAX`, saturated to `i64::MAX`.
            n = i64::try_from(jumps.skip(r)).unwrap_or(i64::MAX);
            if n > 0 {
                left[g] = n - 1;
                continue;
            }
        }
        left[g] = UNDRAWN;
        reached.push((ids[k], jumps.below(r)));
    }
}

/// One uniform draw for every trial, in the order of the active ties (`rules.trial_draw =
/// "each"`, or without cuts by band): a draw at or above the step's cut or the tie's own
/// (`ceiling`, and its bands when every trust lies in [0, 1]) means the tie lasts.
#[allow(clippy::too_many_arguments)]
fn each(
    ctx: &Ctx,
    w: &World,
    t: &Trials,
    (ceiling, bands): (Option<DissolutionCeiling>, Option<&DissolutionCuts>),
    r: &mut Rng,
    s: &mut Scratch,
    ending: &mut Vec<u32>,
) {
    let logistic = &ctx.t.logistic;
    // The cut of the step's largest ceiling, for every tie alike.
    let cut = match &ceiling {
        Some(c) if ctx.t.bounds_hold => logistic.ceiling(c.most()),
        _ => f64::INFINITY,
    };
    let ids = w.memory.active_ids();
    // The records as a local slice: the loop's stores (`ending`) cannot move it, so its
    // address and length stay in registers.
    let dyads = w.memory.dyads();
    let ahead = w.loads_ahead();
    for (k, &id) in ids.iter().enumerate() {
        if ahead {
            load_ahead(w, ids, k);
        }
        let dy = &dyads[id as usize];
        if dy.spell_start == t.step {
            continue;
        }
        let u = r.random::<f64>();
        if u >= cut {
            continue;
        }
        if let Some(b) = bands {
            if u >= b.of(dy) {
                continue;
            }
        } else if let Some(c) = &ceiling
            && u >= logistic.ceiling(c.of(dy))
        {
            continue;
        }
        let focus = Focus::tie(dy.a, dy.b, id);
        if decide(t.terms, Process::Dissolution, t.base, ctx, w, focus, s, u) {
            ending.push(id);
        }
    }
}

/// The ties come in no order of memory, so their records and their ends' state are loaded
/// ahead: the records `2 * AHEAD` ties ahead, the ends (which need the record) `AHEAD` ahead.
#[inline(always)]
fn load_ahead(w: &World, ids: &[u32], k: usize) {
    if let Some(&ahead) = ids.get(k + 2 * AHEAD) {
        w.memory.prefetch_dyad(ahead);
    }
    if let Some(&ahead) = ids.get(k + AHEAD) {
        let dy = w.memory.dyad(ahead);
        w.prefetch_ends(dy.a, dy.b);
    }
}
